import LedgerCrypto
import LedgerFormat
import Testing

/// A ledger with two registered partners:
/// - `acme` (Ed25519 key `keyA`, valid from +10 s until +100 s), registered at entry 1;
/// - `other` (P-256 key `keyB`, valid from genesis, no end), registered at entry 2.
struct Scenario {
    var ledger: LedgerBuilder
    var registry: Registry
    let keyA: PrivateKey
    let keyB: PrivateKey

    init() throws {
        ledger = try LedgerBuilder()
        registry = try Registry(genesis: ledger.genesis, trustAnchor: ledger.operatorKey.publicKey)
        keyA = try PrivateKey.generate(.ed25519)
        keyB = try PrivateKey.generate(.p256)
        try accept(ledger.operatorEntry(OperatorBody.partnerRegister,
                                        registerBody(gln: GLNs.acme, key: keyA.publicKey, validFrom: Times.at(10), validUntil: Times.at(100)),
                                        at: Times.at(1)))
        try accept(ledger.operatorEntry(OperatorBody.partnerRegister,
                                        registerBody(gln: GLNs.other, key: keyB.publicKey, role: .wholesaler, prefixes: []),
                                        at: Times.at(2)))
    }

    /// Checks, applies and appends `entry`, as a writer or verifier would.
    mutating func accept(_ entry: Entry) throws {
        try registry.checkSignature(of: entry)
        try registry.apply(entry)
        ledger.append(entry)
    }

    /// A partner's custody entry (not appended).
    func custody(_ signer: String, _ key: PrivateKey, at time: Int64, keyID: String? = nil,
                 algorithm: SignatureAlgorithm? = nil, origin: String = LedgerBuilder.origin) throws -> Entry {
        try ledger.next(signer: signer, key: key, bodyType: "commission", body: canonical(#"{"gtin":"00312345678906"}"#),
                        at: time, keyID: keyID, algorithm: algorithm, origin: origin)
    }

    /// The registry error of checking `entry`'s signature.
    func checkError(_ entry: Entry) -> RegistryError? {
        registryError { () throws(RegistryError) in try registry.checkSignature(of: entry) }
    }

    /// The registry error of applying `entry` (after its signature checked out).
    func applyError(_ entry: Entry) -> RegistryError? {
        var copy = registry
        if let error = registryError({ () throws(RegistryError) in try copy.checkSignature(of: entry) }) { return error }
        return registryError { () throws(RegistryError) in try copy.apply(entry) }
    }
}

@Suite("Registry: genesis")
struct RegistryGenesisTests {
    static func genesisError(_ entry: Entry, trustAnchor: PublicKey?) -> RegistryError? {
        registryError { () throws(RegistryError) in try Registry(genesis: entry, trustAnchor: trustAnchor) }
    }

    static func genesis(operatorKey: PrivateKey, seq: UInt64 = 0, signer: String = Submission.operatorSigner,
                        bodyType: String = OperatorBody.genesis, body: [UInt8]? = nil, signingKey: PrivateKey? = nil,
                        keyID: String? = nil, algorithm: SignatureAlgorithm? = nil, origin: String = LedgerBuilder.origin) throws -> Entry {
        let body = body ?? GenesisBody(origin: LedgerBuilder.origin, operatorKey: operatorKey.publicKey).json.canonicalBytes
        return try LedgerBuilder.entry(seq: seq, appendedAt: Times.genesis, prevHash: EntryFormat.zeroHash, signer: signer,
                                       key: signingKey ?? operatorKey, bodyType: bodyType, body: body,
                                       keyID: keyID ?? operatorKey.publicKey.keyID, algorithm: algorithm, origin: origin)
    }

    @Test("a valid genesis registers the operator key as the only key")
    func valid() throws {
        let ledger = try LedgerBuilder()
        let registry = try Registry(genesis: ledger.genesis, trustAnchor: ledger.operatorKey.publicKey)
        #expect(registry.origin == LedgerBuilder.origin)
        #expect(registry.operatorKey == ledger.operatorKey.publicKey)
        #expect(registry.partners.isEmpty)
        #expect(registry.keys.count == 1)
        let key = try #require(registry.keys[ledger.operatorKey.publicKey.keyID])
        #expect(key.owner == Submission.operatorSigner)
        #expect(key.addedSeq == 0)
        #expect(key.revokedSeq == nil)
        #expect(key.validUntil == nil)
        #expect(registry.partner(forKey: key.keyID) == nil)
        // Without a trust anchor the genesis is still checked, but any operator key is taken.
        #expect(Self.genesisError(ledger.genesis, trustAnchor: nil) == nil)
        // The genesis entry passes the ordinary signature check too.
        #expect(registryError { () throws(RegistryError) in try registry.checkSignature(of: ledger.genesis) } == nil)
    }

    @Test("a different trust anchor is refused")
    func wrongTrustAnchor() throws {
        let ledger = try LedgerBuilder()
        let anchor = try PrivateKey.generate(.ed25519).publicKey
        let error = try #require(Self.genesisError(ledger.genesis, trustAnchor: anchor))
        #expect(error.code == "operator-key-mismatch")
        #expect(error.message == "the genesis entry names operator key \(ledger.operatorKey.publicKey.keyID), but the trust anchor is \(anchor.keyID)")
        #expect(error.description == error.message)
    }

    @Test("a bad genesis signature is refused")
    func badSignature() throws {
        let operatorKey = try PrivateKey.generate(.ed25519)
        var flipped = try Self.genesis(operatorKey: operatorKey)
        flipped.signature[5] ^= 1
        #expect(Self.genesisError(flipped, trustAnchor: operatorKey.publicKey)
            == RegistryError("bad-signature", "entry 0: the operator's signature does not verify"))
        let otherOrigin = try Self.genesis(operatorKey: operatorKey, origin: "another.example/ledger")
        #expect(Self.genesisError(otherOrigin, trustAnchor: nil)?.code == "bad-signature")
        let impostor = try Self.genesis(operatorKey: operatorKey, signingKey: try PrivateKey.generate(.ed25519))
        #expect(Self.genesisError(impostor, trustAnchor: nil)?.code == "bad-signature")
    }

    @Test("the genesis must be entry 0")
    func notEntryZero() throws {
        let operatorKey = try PrivateKey.generate(.ed25519)
        let entry = try Self.genesis(operatorKey: operatorKey, seq: 1)
        #expect(Self.genesisError(entry, trustAnchor: operatorKey.publicKey)
            == RegistryError("genesis-position", "the genesis entry must be entry 0, not 1"))
    }

    @Test("entry 0 must be a ledger.genesis body signed by the operator with the key it names")
    func wrongShape() throws {
        let operatorKey = try PrivateKey.generate(.ed25519)
        let wrongType = try Self.genesis(operatorKey: operatorKey, bodyType: OperatorBody.partnerRegister)
        #expect(Self.genesisError(wrongType, trustAnchor: nil)
            == RegistryError("genesis-missing", "entry 0 must be a ledger.genesis body, not partner.register"))
        let wrongSigner = try Self.genesis(operatorKey: operatorKey, signer: GLNs.acme)
        #expect(Self.genesisError(wrongSigner, trustAnchor: nil)
            == RegistryError("genesis-signer", "entry 0 must be signed by \"operator\", not \(GLNs.acme)"))
        let other = try PrivateKey.generate(.ed25519)
        let wrongKeyID = try Self.genesis(operatorKey: operatorKey, keyID: other.publicKey.keyID)
        #expect(Self.genesisError(wrongKeyID, trustAnchor: nil)
            == RegistryError("genesis-key", "entry 0 is not signed with the operator key it names (\(operatorKey.publicKey.keyID))"))
        let wrongAlgorithm = try Self.genesis(operatorKey: operatorKey, algorithm: .p256)
        #expect(Self.genesisError(wrongAlgorithm, trustAnchor: nil)?.code == "genesis-key")
    }

    @Test("a genesis body that does not parse is refused as bad-body")
    func badBody() throws {
        let operatorKey = try PrivateKey.generate(.ed25519)
        let p256 = try PrivateKey.generate(.p256)
        let p256Body = GenesisBody(origin: LedgerBuilder.origin, operatorKey: p256.publicKey).json.canonicalBytes
        let p256Genesis = try Self.genesis(operatorKey: p256, body: p256Body)
        #expect(Self.genesisError(p256Genesis, trustAnchor: nil)
            == RegistryError("bad-body", "ledger.genesis body, field operatorKey: must be an Ed25519 key (checkpoints are Ed25519 signed notes)"))
        let badOrigin = canonical(#"{"origin":"has space","operatorKey":"\#(Base64.encode(operatorKey.publicKey.spkiDER))"}"#)
        #expect(Self.genesisError(try Self.genesis(operatorKey: operatorKey, body: badOrigin), trustAnchor: nil)?.code == "bad-body")
        #expect(Self.genesisError(try Self.genesis(operatorKey: operatorKey, body: Array("{".utf8)), trustAnchor: nil)?.code == "bad-body")
    }
}

@Suite("Registry: who may sign")
struct RegistryAuthorizationTests {
    @Test("a registered partner signs custody entries within its key's validity")
    func accepted() throws {
        var scenario = try Scenario()
        let entry = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20))
        #expect(try scenario.registry.authorizedKey(for: entry) == scenario.keyA.publicKey)
        try scenario.accept(entry)
        let p256 = try scenario.custody(GLNs.other, scenario.keyB, at: Times.at(21))
        #expect(scenario.checkError(p256) == nil)
        #expect(scenario.registry.partner(forKey: scenario.keyA.publicKey.keyID)?.gln == GLNs.acme)
        #expect(scenario.registry.partner(forKey: scenario.keyB.publicKey.keyID)?.role == .wholesaler)
        let partner = try #require(scenario.registry.partners[GLNs.acme])
        #expect(partner.registeredSeq == 1)
        #expect(partner.companyPrefixes == ["0614141"])
        let key = try #require(scenario.registry.keys[scenario.keyA.publicKey.keyID])
        #expect(key.owner == GLNs.acme)
        #expect(key.publicKey == scenario.keyA.publicKey)
        #expect(key.keyID == scenario.keyA.publicKey.keyID)
        #expect(key.validFrom == Times.at(10))
        #expect(key.validUntil == Times.at(100))
        #expect(key.addedSeq == 1)
        #expect(key.revokedSeq == nil)
    }

    @Test("unknown-key: a key nobody registered")
    func unknownKey() throws {
        let scenario = try Scenario()
        let stranger = try PrivateKey.generate(.ed25519)
        let entry = try scenario.custody(GLNs.acme, stranger, at: Times.at(20))
        #expect(scenario.checkError(entry) == RegistryError("unknown-key", "key \(stranger.publicKey.keyID) is not registered"))
    }

    @Test("unknown-key: a key used at or before the entry that registers it")
    func keyUsedTooEarly() throws {
        let scenario = try Scenario()
        let entry = try LedgerBuilder.entry(seq: 1, appendedAt: Times.at(20), prevHash: scenario.ledger.genesis.hash,
                                            signer: GLNs.acme, key: scenario.keyA, bodyType: "commission", body: canonical("{}"))
        #expect(scenario.checkError(entry)
            == RegistryError("unknown-key", "key \(scenario.keyA.publicKey.keyID) is registered only at entry 1"))
    }

    @Test("wrong-signer: a key used under another signer's name")
    func wrongSigner() throws {
        let scenario = try Scenario()
        let entry = try scenario.custody(GLNs.other, scenario.keyA, at: Times.at(20))
        #expect(scenario.checkError(entry) == RegistryError(
            "wrong-signer", "key \(scenario.keyA.publicKey.keyID) belongs to \(GLNs.acme), not to signer \(GLNs.other)"))
        let asOperator = try scenario.custody(Submission.operatorSigner, scenario.keyA, at: Times.at(20))
        #expect(scenario.checkError(asOperator)?.code == "wrong-signer")
        let operatorKeyAsPartner = try scenario.custody(GLNs.acme, scenario.ledger.operatorKey, at: Times.at(20))
        #expect(scenario.checkError(operatorKeyAsPartner)?.code == "wrong-signer")
    }

    @Test("wrong-algorithm: the entry states another algorithm than the key's")
    func wrongAlgorithm() throws {
        let scenario = try Scenario()
        let entry = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20), algorithm: .p256)
        #expect(scenario.checkError(entry) == RegistryError(
            "wrong-algorithm", "key \(scenario.keyA.publicKey.keyID) is ed25519, but the entry says p256"))
    }

    @Test("revoked-key: a key revoked by an earlier entry; entries before the revocation stay valid")
    func revokedKey() throws {
        var scenario = try Scenario()
        let before = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20))
        try scenario.accept(before)
        let revocationSeq = scenario.ledger.nextSeq
        try scenario.accept(scenario.ledger.operatorEntry(OperatorBody.partnerKeyRevoke,
            PartnerKeyRevokeBody(gln: GLNs.acme, keyID: scenario.keyA.publicKey.keyID, reason: "compromised").json, at: Times.at(21)))
        #expect(scenario.registry.keys[scenario.keyA.publicKey.keyID]?.revokedSeq == revocationSeq)
        let after = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(22))
        #expect(scenario.checkError(after) == RegistryError(
            "revoked-key", "key \(scenario.keyA.publicKey.keyID) of \(GLNs.acme) was revoked at entry \(revocationSeq)"))
        // Replaying history: the entry before the revocation still checks out against the current registry.
        #expect(scenario.checkError(before) == nil)
        // Another partner's key is unaffected.
        #expect(scenario.checkError(try scenario.custody(GLNs.other, scenario.keyB, at: Times.at(22))) == nil)
    }

    @Test("key-not-yet-valid and key-expired, with inclusive start and exclusive end")
    func validityWindow() throws {
        let scenario = try Scenario()
        let id = scenario.keyA.publicKey.keyID
        #expect(scenario.checkError(try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(10) - 1))
            == RegistryError("key-not-yet-valid", "key \(id) is valid only from 2026-01-01T00:00:10.000Z"))
        #expect(scenario.checkError(try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(10))) == nil)
        #expect(scenario.checkError(try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(100) - 1)) == nil)
        #expect(scenario.checkError(try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(100)))
            == RegistryError("key-expired", "key \(id) expired at 2026-01-01T00:01:40.000Z"))
    }

    @Test("not-operator: a partner signing an operator body", arguments: [
        OperatorBody.genesis, OperatorBody.partnerRegister, OperatorBody.partnerKeyAdd, OperatorBody.partnerKeyRevoke,
    ])
    func notOperator(_ bodyType: String) throws {
        let scenario = try Scenario()
        let entry = try scenario.ledger.next(signer: GLNs.acme, key: scenario.keyA, bodyType: bodyType,
                                             body: registerBody(gln: GLNs.third, key: scenario.keyA.publicKey).canonicalBytes, at: Times.at(20))
        #expect(scenario.checkError(entry) == RegistryError(
            "not-operator", "\(bodyType) bodies must be signed by the operator, not \(GLNs.acme)"))
    }

    @Test("operator-not-partner: the operator signing a custody body")
    func operatorNotPartner() throws {
        let scenario = try Scenario()
        let entry = try scenario.custody(Submission.operatorSigner, scenario.ledger.operatorKey, at: Times.at(20))
        #expect(scenario.checkError(entry) == RegistryError(
            "operator-not-partner", "the operator cannot sign a commission body; partners sign custody events"))
    }

    @Test("bad-signature: a flipped bit, another ledger's origin, another key")
    func badSignature() throws {
        let scenario = try Scenario()
        let id = scenario.keyA.publicKey.keyID
        var flipped = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20))
        flipped.signature[63] ^= 0x80
        #expect(scenario.checkError(flipped) == RegistryError("bad-signature", "the signature of \(GLNs.acme) with key \(id) does not verify"))
        let replayed = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20), origin: "another.example/ledger")
        #expect(scenario.checkError(replayed)?.code == "bad-signature")
        let forged = try scenario.custody(GLNs.acme, try PrivateKey.generate(.ed25519), at: Times.at(20), keyID: id)
        #expect(scenario.checkError(forged)?.code == "bad-signature")
        var changedBody = try scenario.custody(GLNs.other, scenario.keyB, at: Times.at(20))
        changedBody.submission.body = canonical(#"{"gtin":"00312345678913"}"#)
        #expect(scenario.checkError(changedBody)?.code == "bad-signature")
        var changedTime = try scenario.custody(GLNs.other, scenario.keyB, at: Times.at(20))
        changedTime.submission.signedAt += 1
        #expect(scenario.checkError(changedTime)?.code == "bad-signature")
    }
}

@Suite("Registry: applying operator entries")
struct RegistryApplyTests {
    @Test("partner-exists: a GLN registered twice")
    func partnerExists() throws {
        let scenario = try Scenario()
        let entry = try scenario.ledger.operatorEntry(OperatorBody.partnerRegister,
            registerBody(gln: GLNs.acme, key: try PrivateKey.generate(.ed25519).publicKey), at: Times.at(20))
        #expect(scenario.applyError(entry) == RegistryError("partner-exists", "partner \(GLNs.acme) is already registered (entry 1)"))
    }

    @Test("key-exists: a key registered twice, to the same or another owner")
    func keyExists() throws {
        let scenario = try Scenario()
        let id = scenario.keyA.publicKey.keyID
        let reuse = try scenario.ledger.operatorEntry(OperatorBody.partnerRegister,
            registerBody(gln: GLNs.third, key: scenario.keyA.publicKey), at: Times.at(20))
        #expect(scenario.applyError(reuse) == RegistryError("key-exists", "key \(id) is already registered to \(GLNs.acme) (entry 1)"))
        let add = try scenario.ledger.operatorEntry(OperatorBody.partnerKeyAdd,
            PartnerKeyAddBody(gln: GLNs.acme, key: KeyGrant(publicKey: scenario.keyB.publicKey, validFrom: 0)).json, at: Times.at(20))
        #expect(scenario.applyError(add)?.code == "key-exists")
        let operatorKey = try scenario.ledger.operatorEntry(OperatorBody.partnerRegister,
            registerBody(gln: GLNs.third, key: scenario.ledger.operatorKey.publicKey), at: Times.at(20))
        #expect(scenario.applyError(operatorKey) == RegistryError(
            "key-exists", "key \(scenario.ledger.operatorKey.publicKey.keyID) is already registered to operator (entry 0)"))
    }

    @Test("a refused registration leaves the registry unchanged")
    func refusedRegistrationChangesNothing() throws {
        var scenario = try Scenario()
        let reuse = try scenario.ledger.operatorEntry(OperatorBody.partnerRegister,
            registerBody(gln: GLNs.third, key: scenario.keyA.publicKey), at: Times.at(20))
        try scenario.registry.checkSignature(of: reuse)
        let before = scenario.registry
        #expect(registryError { () throws(RegistryError) in try scenario.registry.apply(reuse) }?.code == "key-exists")
        #expect(scenario.registry.partners == before.partners)
        #expect(scenario.registry.keys == before.keys)
        #expect(scenario.registry.partners[GLNs.third] == nil)
    }

    @Test("partner.key.add registers a usable key; unknown-partner when the GLN is not registered")
    func keyAdd() throws {
        var scenario = try Scenario()
        let newKey = try PrivateKey.generate(.p256)
        let stranger = try scenario.ledger.operatorEntry(OperatorBody.partnerKeyAdd,
            PartnerKeyAddBody(gln: GLNs.third, key: KeyGrant(publicKey: newKey.publicKey, validFrom: 0)).json, at: Times.at(20))
        #expect(scenario.applyError(stranger) == RegistryError("unknown-partner", "partner \(GLNs.third) is not registered"))
        let addSeq = scenario.ledger.nextSeq
        try scenario.accept(scenario.ledger.operatorEntry(OperatorBody.partnerKeyAdd,
            PartnerKeyAddBody(gln: GLNs.acme, key: KeyGrant(publicKey: newKey.publicKey, validFrom: 0)).json, at: Times.at(20)))
        #expect(scenario.registry.keys[newKey.publicKey.keyID]?.addedSeq == addSeq)
        #expect(scenario.registry.keys[newKey.publicKey.keyID]?.owner == GLNs.acme)
        #expect(scenario.checkError(try scenario.custody(GLNs.acme, newKey, at: Times.at(200))) == nil, "no validUntil: no expiry")
        #expect(scenario.checkError(try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(30))) == nil, "the old key still works")
    }

    @Test("partner.key.revoke: already-revoked, and unknown-key for another partner's key")
    func revokeErrors() throws {
        var scenario = try Scenario()
        let idA = scenario.keyA.publicKey.keyID
        let revoke = PartnerKeyRevokeBody(gln: GLNs.acme, keyID: idA, reason: "rotated").json
        let first = scenario.ledger.nextSeq
        try scenario.accept(scenario.ledger.operatorEntry(OperatorBody.partnerKeyRevoke, revoke, at: Times.at(20)))
        let again = try scenario.ledger.operatorEntry(OperatorBody.partnerKeyRevoke, revoke, at: Times.at(21))
        #expect(scenario.applyError(again) == RegistryError("already-revoked", "key \(idA) was already revoked at entry \(first)"))
        let foreign = try scenario.ledger.operatorEntry(OperatorBody.partnerKeyRevoke,
            PartnerKeyRevokeBody(gln: GLNs.acme, keyID: scenario.keyB.publicKey.keyID, reason: "x").json, at: Times.at(21))
        #expect(scenario.applyError(foreign) == RegistryError("unknown-key", "partner \(GLNs.acme) has no key \(scenario.keyB.publicKey.keyID)"))
        let missing = try scenario.ledger.operatorEntry(OperatorBody.partnerKeyRevoke,
            PartnerKeyRevokeBody(gln: GLNs.acme, keyID: "0000000000000000", reason: "x").json, at: Times.at(21))
        #expect(scenario.applyError(missing)?.code == "unknown-key")
        let operatorKey = try scenario.ledger.operatorEntry(OperatorBody.partnerKeyRevoke,
            PartnerKeyRevokeBody(gln: GLNs.acme, keyID: scenario.ledger.operatorKey.publicKey.keyID, reason: "x").json, at: Times.at(21))
        #expect(scenario.applyError(operatorKey)?.code == "unknown-key", "the operator key cannot be revoked as a partner's")
    }

    @Test("bad-body: an operator body that does not parse", arguments: [
        OperatorBody.partnerRegister, OperatorBody.partnerKeyAdd, OperatorBody.partnerKeyRevoke,
    ])
    func badBody(_ bodyType: String) throws {
        let scenario = try Scenario()
        let entry = try scenario.ledger.next(signer: Submission.operatorSigner, key: scenario.ledger.operatorKey, bodyType: bodyType,
                                             body: canonical(#"{"gln":"0614141000005","surprise":true}"#), at: Times.at(20))
        let error = try #require(scenario.applyError(entry))
        #expect(error.code == "bad-body")
        #expect(error.message.hasPrefix("\(bodyType) body, field surprise: unknown field for \(bodyType)"))
    }

    @Test("duplicate-genesis: a second ledger.genesis")
    func duplicateGenesis() throws {
        let scenario = try Scenario()
        let entry = try scenario.ledger.operatorEntry(OperatorBody.genesis,
            GenesisBody(origin: LedgerBuilder.origin, operatorKey: scenario.ledger.operatorKey.publicKey).json, at: Times.at(20))
        #expect(scenario.applyError(entry) == RegistryError("duplicate-genesis", "a ledger.genesis body may appear only at entry 0"))
    }

    @Test("custody bodies leave the registry unchanged")
    func custodyChangesNothing() throws {
        var scenario = try Scenario()
        let before = scenario.registry
        try scenario.accept(try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20)))
        #expect(scenario.registry.partners == before.partners)
        #expect(scenario.registry.keys == before.keys)
        #expect(scenario.ledger.entries.count == 4)
    }
}

@Suite("Registry: the lookup cache of the verifier")
struct RegistryLookupCacheTests {
    /// The error of `cache.authorizedKey(for: entry, in: registry)`, or nil when it authorises the entry.
    static func cachedError(_ cache: inout RegistryLookupCache, _ entry: Entry, _ registry: Registry) -> RegistryError? {
        do throws(RegistryError) {
            _ = try cache.authorizedKey(for: entry, in: registry)
            return nil
        } catch {
            return error
        }
    }

    @Test("a key revoked between two entries of the same signer and key: the second is refused, as without the cache")
    func revocationBetweenEntries() throws {
        var scenario = try Scenario()
        var cache = RegistryLookupCache()
        let before = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20))
        #expect(try cache.authorizedKey(for: before, in: scenario.registry) == scenario.keyA.publicKey)
        try scenario.accept(before)
        // The registry changes behind the cache's back (not through it).
        let beforeRevocation = scenario.registry
        let revocationSeq = scenario.ledger.nextSeq
        try scenario.accept(scenario.ledger.operatorEntry(OperatorBody.partnerKeyRevoke,
            PartnerKeyRevokeBody(gln: GLNs.acme, keyID: scenario.keyA.publicKey.keyID, reason: "compromised").json, at: Times.at(21)))
        let after = try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(22))
        let expected = RegistryError("revoked-key", "key \(scenario.keyA.publicKey.keyID) of \(GLNs.acme) was revoked at entry \(revocationSeq)")
        #expect(scenario.checkError(after) == expected)
        #expect(Self.cachedError(&cache, after, scenario.registry) == expected)
        // Asked about the registry as it stood before the revocation (another version), the key is usable again;
        // then about the current one, revoked again.
        #expect(Self.cachedError(&cache, after, beforeRevocation) == nil)
        #expect(Self.cachedError(&cache, after, scenario.registry) == expected)
    }

    @Test("a remembered key still gets every per-entry check: signer, algorithm, validity window")
    func checksStillRun() throws {
        let scenario = try Scenario()
        var cache = RegistryLookupCache()
        let id = scenario.keyA.publicKey.keyID
        #expect(Self.cachedError(&cache, try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20)), scenario.registry) == nil)
        let cases: [(Entry, RegistryError)] = [
            (try scenario.custody(GLNs.other, scenario.keyA, at: Times.at(20)),
             RegistryError("wrong-signer", "key \(id) belongs to \(GLNs.acme), not to signer \(GLNs.other)")),
            (try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(20), algorithm: .p256),
             RegistryError("wrong-algorithm", "key \(id) is ed25519, but the entry says p256")),
            (try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(10) - 1),
             RegistryError("key-not-yet-valid", "key \(id) is valid only from 2026-01-01T00:00:10.000Z")),
            (try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(100)),
             RegistryError("key-expired", "key \(id) expired at 2026-01-01T00:01:40.000Z")),
        ]
        for (entry, error) in cases {
            #expect(scenario.checkError(entry) == error)
            #expect(Self.cachedError(&cache, entry, scenario.registry) == error)
        }
        #expect(Self.cachedError(&cache, try scenario.custody(GLNs.acme, scenario.keyA, at: Times.at(99)), scenario.registry) == nil)
    }

    @Test("a partner and a key registered between two entries are seen: the role and the key found after the change")
    func registrationBetweenEntries() throws {
        var scenario = try Scenario()
        var cache = RegistryLookupCache()
        let keyC = try PrivateKey.generate(.p256)
        #expect(cache.role(of: GLNs.third, in: scenario.registry) == nil)
        #expect(cache.role(of: GLNs.third, in: scenario.registry) == nil)
        let early = try scenario.custody(GLNs.third, keyC, at: Times.at(20))
        #expect(Self.cachedError(&cache, early, scenario.registry) == RegistryError("unknown-key", "key \(keyC.publicKey.keyID) is not registered"))
        try scenario.accept(scenario.ledger.operatorEntry(OperatorBody.partnerRegister,
                                                          registerBody(gln: GLNs.third, key: keyC.publicKey, role: .dispenser), at: Times.at(21)))
        #expect(cache.role(of: GLNs.third, in: scenario.registry) == .dispenser)
        #expect(cache.role(of: GLNs.other, in: scenario.registry) == .wholesaler)
        #expect(try cache.authorizedKey(for: try scenario.custody(GLNs.third, keyC, at: Times.at(22)), in: scenario.registry) == keyC.publicKey)
        // A second key added for the same partner is found too.
        let keyD = try PrivateKey.generate(.ed25519)
        let withD = try scenario.custody(GLNs.third, keyD, at: Times.at(23))
        #expect(Self.cachedError(&cache, withD, scenario.registry)?.code == "unknown-key")
        try scenario.accept(scenario.ledger.operatorEntry(OperatorBody.partnerKeyAdd,
            PartnerKeyAddBody(gln: GLNs.third, key: KeyGrant(publicKey: keyD.publicKey, validFrom: Times.genesis)).json, at: Times.at(24)))
        #expect(try cache.authorizedKey(for: try scenario.custody(GLNs.third, keyD, at: Times.at(25)), in: scenario.registry) == keyD.publicKey)
    }
}
