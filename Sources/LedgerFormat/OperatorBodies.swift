import GS1
import LedgerCrypto

/// A key grant inside an operator body: `{"publicKey": base64 SPKI DER, "validFrom": ms, "validUntil": ms|null}`.
public struct KeyGrant: Sendable, Hashable {
    public var publicKey: PublicKey
    public var validFrom: Int64
    public var validUntil: Int64?

    public init(publicKey: PublicKey, validFrom: Int64, validUntil: Int64? = nil) {
        self.publicKey = publicKey
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["publicKey", "validFrom", "validUntil"])
        let encoded = try reader.string("publicKey", maxLength: 4096)
        guard let der = Base64.decode(encoded) else { throw reader.error("publicKey", "is not valid base64") }
        do { publicKey = try PublicKey(spkiDER: der) } catch { throw reader.error("publicKey", "\(error)") }
        validFrom = try reader.integer("validFrom")
        validUntil = try reader.optionalInteger("validUntil")
        if let validUntil, validUntil <= validFrom { throw reader.error("validUntil", "must be later than validFrom") }
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["publicKey": .string(Base64.encode(publicKey.spkiDER)), "validFrom": .integer(validFrom)]
        if let validUntil { members["validUntil"] = .integer(validUntil) }
        return .object(members)
    }
}

func parseBody(_ body: [UInt8], type: String) throws(BodyError) -> BodyReader {
    let value: JSONValue
    do { value = try JSONValue.parse(body) } catch { throw BodyError(bodyType: type, field: "", reason: error.description) }
    return try BodyReader(value, bodyType: type)
}

/// Checks a GLN-13: 13 digits with a valid GS1 mod-10 check digit. Returns why not, or nil.
public func validateGLN(_ gln: String) -> String? {
    do {
        _ = try GLN(gln)
        return nil
    } catch where error.code == .badCheckDigit {
        return "has a wrong check digit (expected \(GS1CheckDigit.compute(Array(gln.utf8).dropLast())))"
    } catch {
        return "must be 13 digits (a GLN-13)"
    }
}

/// `ledger.genesis` v1: `{"origin": string, "operatorKey": base64 SPKI DER (Ed25519)}`.
public struct GenesisBody: Sendable {
    public var origin: String
    public var operatorKey: PublicKey

    public init(origin: String, operatorKey: PublicKey) {
        self.origin = origin
        self.operatorKey = operatorKey
    }

    public init(body: [UInt8]) throws(BodyError) {
        let reader = try parseBody(body, type: OperatorBody.genesis)
        try reader.allowOnly(["origin", "operatorKey"])
        origin = try reader.string("origin", maxLength: 255)
        if let problem = GenesisBody.originProblem(origin) { throw reader.error("origin", problem) }
        let encoded = try reader.string("operatorKey", maxLength: 4096)
        guard let der = Base64.decode(encoded) else { throw reader.error("operatorKey", "is not valid base64") }
        do { operatorKey = try PublicKey(spkiDER: der) } catch { throw reader.error("operatorKey", "\(error)") }
        guard operatorKey.algorithm == .ed25519 else { throw reader.error("operatorKey", "must be an Ed25519 key (checkpoints are Ed25519 signed notes)") }
    }

    /// Why `origin` cannot be a ledger origin (C2SP checkpoint origin line), or nil.
    public static func originProblem(_ origin: String) -> String? {
        guard !origin.isEmpty, origin.utf8.count <= 255 else { return "must be 1 to 255 bytes" }
        guard origin.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "+" }) else {
            return "must be printable ASCII without spaces or '+' (it becomes the checkpoint origin line)"
        }
        return nil
    }

    public var json: JSONValue {
        .object(["origin": .string(origin), "operatorKey": .string(Base64.encode(operatorKey.spkiDER))])
    }
}

/// `partner.register` v1: `{"gln", "name", "role", "address", "companyPrefixes": [..], "key": KeyGrant}`.
public struct PartnerRegisterBody: Sendable {
    public var gln: String
    public var name: String
    public var role: PartnerRole
    public var address: String
    public var companyPrefixes: [String]
    public var key: KeyGrant

    public init(gln: String, name: String, role: PartnerRole, address: String, companyPrefixes: [String], key: KeyGrant) {
        self.gln = gln
        self.name = name
        self.role = role
        self.address = address
        self.companyPrefixes = companyPrefixes
        self.key = key
    }

    public init(body: [UInt8]) throws(BodyError) {
        let reader = try parseBody(body, type: OperatorBody.partnerRegister)
        try reader.allowOnly(["gln", "name", "role", "address", "companyPrefixes", "key"])
        gln = try reader.string("gln")
        if let problem = validateGLN(gln) { throw reader.error("gln", problem) }
        name = try reader.string("name", maxLength: 200)
        let roleText = try reader.string("role")
        guard let role = PartnerRole(rawValue: roleText) else {
            throw reader.error("role", "unknown role \"\(roleText)\" (one of: \(PartnerRole.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.role = role
        address = try reader.string("address", maxLength: 500)
        companyPrefixes = reader.optional("companyPrefixes") == nil ? [] : try reader.stringArray("companyPrefixes", nonEmpty: false)
        for (index, prefix) in companyPrefixes.enumerated() {
            guard (6...12).contains(prefix.utf8.count), prefix.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw reader.error("companyPrefixes[\(index)]", "a GS1 company prefix is 6 to 12 digits")
            }
        }
        key = try KeyGrant(try reader.object("key"))
    }

    public var json: JSONValue {
        .object(["gln": .string(gln), "name": .string(name), "role": .string(role.rawValue), "address": .string(address),
                 "companyPrefixes": .array(companyPrefixes.map { .string($0) }), "key": key.json])
    }
}

/// `partner.key.add` v1: `{"gln", "key": KeyGrant}`.
public struct PartnerKeyAddBody: Sendable {
    public var gln: String
    public var key: KeyGrant

    public init(gln: String, key: KeyGrant) {
        self.gln = gln
        self.key = key
    }

    public init(body: [UInt8]) throws(BodyError) {
        let reader = try parseBody(body, type: OperatorBody.partnerKeyAdd)
        try reader.allowOnly(["gln", "key"])
        gln = try reader.string("gln")
        if let problem = validateGLN(gln) { throw reader.error("gln", problem) }
        key = try KeyGrant(try reader.object("key"))
    }

    public var json: JSONValue { .object(["gln": .string(gln), "key": key.json]) }
}

/// `partner.key.revoke` v1: `{"gln", "keyID", "reason"}`.
public struct PartnerKeyRevokeBody: Sendable {
    public var gln: String
    public var keyID: String
    public var reason: String

    public init(gln: String, keyID: String, reason: String) {
        self.gln = gln
        self.keyID = keyID
        self.reason = reason
    }

    public init(body: [UInt8]) throws(BodyError) {
        let reader = try parseBody(body, type: OperatorBody.partnerKeyRevoke)
        try reader.allowOnly(["gln", "keyID", "reason"])
        gln = try reader.string("gln")
        if let problem = validateGLN(gln) { throw reader.error("gln", problem) }
        keyID = try reader.string("keyID")
        reason = try reader.string("reason", maxLength: 500)
    }

    public var json: JSONValue { .object(["gln": .string(gln), "keyID": .string(keyID), "reason": .string(reason)]) }
}
