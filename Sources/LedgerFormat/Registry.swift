import LedgerCrypto

/// A trading partner's role under the DSCSA.
public enum PartnerRole: String, Sendable, Hashable, CaseIterable, Codable {
    case manufacturer
    case repackager
    case wholesaler
    case dispenser
    /// Third-party logistics provider: takes possession, never ownership.
    case thirdPartyLogistics = "3pl"
}

/// One registered key of a partner (or the operator), with its validity.
public struct RegisteredKey: Sendable, Hashable {
    public var keyID: String { publicKey.keyID }
    /// The partner's GLN, or `operator`.
    public var owner: String
    public var publicKey: PublicKey
    /// First moment (ms since the epoch, append time) the key may sign.
    public var validFrom: Int64
    /// Moment (exclusive) from which it may no longer sign; nil for no end.
    public var validUntil: Int64?
    /// The entry that registered it.
    public var addedSeq: UInt64
    /// The entry that revoked it: entries after it may not use the key.
    public var revokedSeq: UInt64?
}

/// A registered trading partner.
public struct Partner: Sendable, Hashable {
    /// GLN-13 of the partner (its identity in the ledger).
    public var gln: String
    public var name: String
    public var role: PartnerRole
    /// Business address as one line (TI fields 9 and 10).
    public var address: String
    /// GS1 company prefixes (6 to 12 digits), used to print EPC URIs.
    public var companyPrefixes: [String]
    /// The entry that registered the partner.
    public var registeredSeq: UInt64
}

/// The operator's body types that maintain the registry.
public enum OperatorBody {
    /// The first entry of every ledger; names the origin and the operator key.
    public static let genesis = "ledger.genesis"
    public static let partnerRegister = "partner.register"
    public static let partnerKeyAdd = "partner.key.add"
    public static let partnerKeyRevoke = "partner.key.revoke"
    /// All operator body types.
    public static let all: Set<String> = [genesis, partnerRegister, partnerKeyAdd, partnerKeyRevoke]

    /// True when `type` is one of `all`. Asked of every entry: a type that starts with neither `l` nor `p` (every
    /// custody type) is answered from its first byte, without hashing it.
    @inlinable
    public static func contains(_ type: String) -> Bool {
        guard let first = type.utf8.first, first == UInt8(ascii: "l") || first == UInt8(ascii: "p") else { return false }
        return all.contains(type)
    }
}

/// Why an entry cannot be accepted by the registry as it stands: a code and a sentence.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable machine-readable code, e.g. `unknown-key`.
    public var code: String
    public var message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// Who may sign, with which key, from when to when: replayed from the ledger's operator entries.
///
/// The whole ledger verifies from one trust anchor, the operator's public key: the genesis entry must be
/// signed by it, and every registry change is an operator-signed entry.
public struct Registry: Sendable {
    /// The ledger's origin (also the checkpoint origin line).
    public private(set) var origin: String
    /// The operator's key (the trust anchor).
    public private(set) var operatorKey: PublicKey
    public private(set) var partners: [String: Partner] = [:]
    public private(set) var keys: [String: RegisteredKey] = [:]
    /// A token replaced by every change (and shared by copies): a `RegistryLookupCache` trusts what it remembers
    /// only while the registry it asks still holds the same token.
    fileprivate private(set) var version = RegistryVersion()

    /// The registry after the genesis entry; checks that `genesis` is a valid genesis signed by `trustAnchor`.
    public init(genesis entry: Entry, trustAnchor: PublicKey?) throws(RegistryError) {
        let submission = entry.submission
        guard entry.seq == 0 else { throw RegistryError("genesis-position", "the genesis entry must be entry 0, not \(entry.seq)") }
        guard submission.bodyType == OperatorBody.genesis else {
            throw RegistryError("genesis-missing", "entry 0 must be a \(OperatorBody.genesis) body, not \(submission.bodyType)")
        }
        guard submission.signer == Submission.operatorSigner else {
            throw RegistryError("genesis-signer", "entry 0 must be signed by \"operator\", not \(submission.signer)")
        }
        let genesis: GenesisBody
        do { genesis = try GenesisBody(body: submission.body) } catch { throw RegistryError("bad-body", error.description) }
        if let trustAnchor, trustAnchor != genesis.operatorKey {
            throw RegistryError("operator-key-mismatch",
                                "the genesis entry names operator key \(genesis.operatorKey.keyID), but the trust anchor is \(trustAnchor.keyID)")
        }
        guard submission.keyID == genesis.operatorKey.keyID, submission.algorithm == genesis.operatorKey.algorithm else {
            throw RegistryError("genesis-key", "entry 0 is not signed with the operator key it names (\(genesis.operatorKey.keyID))")
        }
        guard genesis.operatorKey.isValidSignature(entry.signature, for: submission.signingMessage(origin: genesis.origin)) else {
            throw RegistryError("bad-signature", "entry 0: the operator's signature does not verify")
        }
        origin = genesis.origin
        operatorKey = genesis.operatorKey
        keys[operatorKey.keyID] = RegisteredKey(owner: Submission.operatorSigner, publicKey: operatorKey,
                                                validFrom: .min, validUntil: nil, addedSeq: 0, revokedSeq: nil)
    }

    /// The key `entry` names, if it was registered to the entry's signer and usable at that entry.
    ///
    /// Checks: the key exists, belongs to the signer, has the stated algorithm, was added before the
    /// entry, is within its validity at the entry's append time, and was not revoked before the entry.
    /// Operator bodies must be signed by the operator and partner bodies by a partner.
    public func authorizedKey(for entry: Entry) throws(RegistryError) -> PublicKey {
        guard let key = keys[entry.submission.keyID] else {
            throw RegistryError("unknown-key", "key \(entry.submission.keyID) is not registered")
        }
        try Self.authorize(key, for: entry)
        return key.publicKey
    }

    /// The checks of `authorizedKey(for:)` once the key `entry` names has been found.
    fileprivate static func authorize(_ key: RegisteredKey, for entry: Entry) throws(RegistryError) {
        let submission = entry.submission
        guard key.owner == submission.signer else {
            throw RegistryError("wrong-signer", "key \(submission.keyID) belongs to \(key.owner), not to signer \(submission.signer)")
        }
        guard key.publicKey.algorithm == submission.algorithm else {
            throw RegistryError("wrong-algorithm", "key \(submission.keyID) is \(key.publicKey.algorithm.rawValue), but the entry says \(submission.algorithm.rawValue)")
        }
        guard key.addedSeq < entry.seq || entry.seq == 0 else {
            throw RegistryError("unknown-key", "key \(submission.keyID) is registered only at entry \(key.addedSeq)")
        }
        if let revoked = key.revokedSeq, revoked < entry.seq {
            throw RegistryError("revoked-key", "key \(submission.keyID) of \(key.owner) was revoked at entry \(revoked)")
        }
        guard entry.appendedAt >= key.validFrom else {
            throw RegistryError("key-not-yet-valid", "key \(submission.keyID) is valid only from \(Timestamp.iso8601(key.validFrom))")
        }
        if let until = key.validUntil, entry.appendedAt >= until {
            throw RegistryError("key-expired", "key \(submission.keyID) expired at \(Timestamp.iso8601(until))")
        }
        let isOperatorBody = OperatorBody.contains(submission.bodyType)
        if isOperatorBody, submission.signer != Submission.operatorSigner {
            throw RegistryError("not-operator", "\(submission.bodyType) bodies must be signed by the operator, not \(submission.signer)")
        }
        if !isOperatorBody, submission.signer == Submission.operatorSigner {
            throw RegistryError("operator-not-partner", "the operator cannot sign a \(submission.bodyType) body; partners sign custody events")
        }
    }

    /// Checks `entry`'s signature against the key authorised for it.
    public func checkSignature(of entry: Entry) throws(RegistryError) {
        let key = try authorizedKey(for: entry)
        guard key.isValidSignature(entry.signature, for: entry.submission.signingMessage(origin: origin)) else {
            throw RegistryError("bad-signature", "the signature of \(entry.submission.signer) with key \(entry.submission.keyID) does not verify")
        }
    }

    /// Applies an operator entry's registry change (other bodies leave the registry unchanged).
    /// Call after `checkSignature(of:)` succeeded.
    public mutating func apply(_ entry: Entry) throws(RegistryError) {
        let submission = entry.submission
        if OperatorBody.contains(submission.bodyType) { version = RegistryVersion() }
        switch submission.bodyType {
        case OperatorBody.genesis:
            throw RegistryError("duplicate-genesis", "a \(OperatorBody.genesis) body may appear only at entry 0")
        case OperatorBody.partnerRegister:
            let body = try Self.decode { () throws(BodyError) in try PartnerRegisterBody(body: submission.body) }
            if let existing = partners[body.gln] {
                throw RegistryError("partner-exists", "partner \(body.gln) is already registered (entry \(existing.registeredSeq))")
            }
            try addKey(body.key, owner: body.gln, seq: entry.seq)
            partners[body.gln] = Partner(gln: body.gln, name: body.name, role: body.role, address: body.address,
                                         companyPrefixes: body.companyPrefixes, registeredSeq: entry.seq)
        case OperatorBody.partnerKeyAdd:
            let body = try Self.decode { () throws(BodyError) in try PartnerKeyAddBody(body: submission.body) }
            guard partners[body.gln] != nil else { throw RegistryError("unknown-partner", "partner \(body.gln) is not registered") }
            try addKey(body.key, owner: body.gln, seq: entry.seq)
        case OperatorBody.partnerKeyRevoke:
            let body = try Self.decode { () throws(BodyError) in try PartnerKeyRevokeBody(body: submission.body) }
            guard var key = keys[body.keyID], key.owner == body.gln else {
                throw RegistryError("unknown-key", "partner \(body.gln) has no key \(body.keyID)")
            }
            if let revoked = key.revokedSeq {
                throw RegistryError("already-revoked", "key \(body.keyID) was already revoked at entry \(revoked)")
            }
            key.revokedSeq = entry.seq
            keys[body.keyID] = key
        default:
            return
        }
    }

    private static func decode<T>(_ parse: () throws(BodyError) -> T) throws(RegistryError) -> T {
        do { return try parse() } catch { throw RegistryError("bad-body", error.description) }
    }

    private mutating func addKey(_ key: KeyGrant, owner: String, seq: UInt64) throws(RegistryError) {
        if let existing = keys[key.publicKey.keyID] {
            throw RegistryError("key-exists", "key \(key.publicKey.keyID) is already registered to \(existing.owner) (entry \(existing.addedSeq))")
        }
        keys[key.publicKey.keyID] = RegisteredKey(owner: owner, publicKey: key.publicKey, validFrom: key.validFrom,
                                                  validUntil: key.validUntil, addedSeq: seq, revokedSeq: nil)
    }

    /// The partner that owns key `keyID`, if any.
    public func partner(forKey keyID: String) -> Partner? {
        keys[keyID].flatMap { partners[$0.owner] }
    }
}

/// The identity of one state of a `Registry` (see `Registry.version`).
fileprivate final class RegistryVersion: Sendable {}

/// The last key and partner role found in a registry, so that a run of entries by the same signer with the same
/// key (nearly every entry of a busy ledger) is not looked up by hashing its key id and GLN again.
///
/// Only the lookup is remembered: every check of `Registry.authorizedKey(for:)` (owner, algorithm, added,
/// revoked, validity, body type) still runs for every entry, and the answers and errors are the same. What it
/// remembers is forgotten when it is asked about another registry or the registry changed since (every
/// `Registry.apply` of an operator entry gives it a new version), so a key revoked or added between two entries
/// of the same signer is seen.
public struct RegistryLookupCache: Sendable {
    private var version: RegistryVersion?
    private var key: (id: String, key: RegisteredKey)?
    private var role: (gln: String, role: PartnerRole?)?

    /// An empty cache.
    public init() {}

    /// `registry.authorizedKey(for: entry)`, looking the key up only when it is not the one found last.
    public mutating func authorizedKey(for entry: Entry, in registry: Registry) throws(RegistryError) -> PublicKey {
        forgetUnlessCurrent(registry)
        let keyID = entry.submission.keyID
        if key?.id != keyID {
            guard let found = registry.keys[keyID] else {
                throw RegistryError("unknown-key", "key \(keyID) is not registered")
            }
            key = (keyID, found)
        }
        try Registry.authorize(key!.key, for: entry)
        return key!.key.publicKey
    }

    /// `registry.partners[gln]?.role`, looked up only when `gln` is not the GLN asked about last.
    public mutating func role(of gln: String, in registry: Registry) -> PartnerRole? {
        forgetUnlessCurrent(registry)
        if let role, role.gln == gln { return role.role }
        let found = registry.partners[gln]?.role
        role = (gln, found)
        return found
    }

    private mutating func forgetUnlessCurrent(_ registry: Registry) {
        guard version !== registry.version else { return }
        version = registry.version
        key = nil
        role = nil
    }
}
