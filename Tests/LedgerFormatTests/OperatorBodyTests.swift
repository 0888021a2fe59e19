import LedgerCrypto
import LedgerFormat
import Testing

/// The canonical bytes of `value` (an object) after `change` edits its members.
func edited(_ value: JSONValue, _ change: (inout [String: JSONValue]) -> Void) -> [UInt8] {
    var members = value.objectValue ?? [:]
    change(&members)
    return JSONValue.object(members).canonicalBytes
}

/// `value`'s `key` member (an object) after `change` edits it.
func editedKey(_ value: JSONValue, _ change: (inout [String: JSONValue]) -> Void) -> [UInt8] {
    edited(value) { members in
        var key = members["key"]?.objectValue ?? [:]
        change(&key)
        members["key"] = .object(key)
    }
}

@Suite("Operator bodies")
struct OperatorBodyTests {
    static let partnerKey = try! PrivateKey(ed25519Seed: Array(UInt8(0x20)...UInt8(0x3f))).publicKey
    static let register = registerBody(gln: GLNs.acme, key: partnerKey, validFrom: 1000, validUntil: 2000)

    static func registerError(_ bytes: [UInt8]) -> BodyError? {
        bodyError { () throws(BodyError) in try PartnerRegisterBody(body: bytes) }
    }

    static func expectRegister(_ bytes: [UInt8], field: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(registerError(bytes) == BodyError(bodyType: "partner.register", field: field, reason: reason), sourceLocation: sourceLocation)
    }

    // MARK: partner.register

    @Test("partner.register round trips through canonical JSON")
    func registerRoundTrip() throws {
        let body = try PartnerRegisterBody(body: Self.register.canonicalBytes)
        #expect(body.gln == GLNs.acme)
        #expect(body.name == "Partner \(GLNs.acme)")
        #expect(body.role == .manufacturer)
        #expect(body.address == "1 Main St, Springfield")
        #expect(body.companyPrefixes == ["0614141"])
        #expect(body.key == KeyGrant(publicKey: Self.partnerKey, validFrom: 1000, validUntil: 2000))
        #expect(body.json == Self.register)
        let key = try #require(Self.register["key"]?.objectValue)
        #expect(key["publicKey"] == .string(Base64.encode(Self.partnerKey.spkiDER)))
    }

    @Test("optional parts: no validUntil, null validUntil, no companyPrefixes, every role")
    func registerOptionalParts() throws {
        let noUntil = try PartnerRegisterBody(body: editedKey(Self.register) { $0["validUntil"] = nil })
        #expect(noUntil.key.validUntil == nil)
        let nullUntil = try PartnerRegisterBody(body: editedKey(Self.register) { $0["validUntil"] = .null })
        #expect(nullUntil.key.validUntil == nil)
        let noPrefixes = try PartnerRegisterBody(body: edited(Self.register) { $0["companyPrefixes"] = nil })
        #expect(noPrefixes.companyPrefixes == [])
        let bounds = try PartnerRegisterBody(body: edited(Self.register) { $0["companyPrefixes"] = .array([.string("123456"), .string("123456789012")]) })
        #expect(bounds.companyPrefixes == ["123456", "123456789012"])
        for role in PartnerRole.allCases {
            #expect(try PartnerRegisterBody(body: edited(Self.register) { $0["role"] = .string(role.rawValue) }).role == role)
        }
        #expect(PartnerRole.thirdPartyLogistics.rawValue == "3pl")
        let justAfter = try PartnerRegisterBody(body: editedKey(Self.register) { $0["validUntil"] = .integer(1001) })
        #expect(justAfter.key.validUntil == 1001)
    }

    @Test("unknown fields are refused, at the top and inside the key")
    func registerUnknownFields() {
        Self.expectRegister(edited(Self.register) { $0["extra"] = .integer(1) }, field: "extra",
                            reason: "unknown field for partner.register (allowed: address, companyPrefixes, gln, key, name, role)")
        Self.expectRegister(edited(Self.register) { $0["GLN"] = .string(GLNs.acme) }, field: "GLN",
                            reason: "unknown field for partner.register (allowed: address, companyPrefixes, gln, key, name, role)")
        Self.expectRegister(editedKey(Self.register) { $0["keyID"] = .string("x") }, field: "key.keyID",
                            reason: "unknown field for partner.register (allowed: publicKey, validFrom, validUntil)")
    }

    @Test("bad GLNs are refused")
    func registerBadGLN() {
        Self.expectRegister(edited(Self.register) { $0["gln"] = .string("0614141000006") }, field: "gln", reason: "has a wrong check digit (expected 5)")
        Self.expectRegister(edited(Self.register) { $0["gln"] = .string("061414100000") }, field: "gln", reason: "must be 13 digits (a GLN-13)")
        Self.expectRegister(edited(Self.register) { $0["gln"] = .integer(614_141_000_005) }, field: "gln", reason: "must be a string, not an integer")
        Self.expectRegister(edited(Self.register) { $0["gln"] = nil }, field: "gln", reason: "is required")
    }

    @Test("bad roles are refused", arguments: ["distributor", "Manufacturer", "3PL", "thirdPartyLogistics"])
    func registerBadRole(_ role: String) {
        Self.expectRegister(edited(Self.register) { $0["role"] = .string(role) }, field: "role",
                            reason: "unknown role \"\(role)\" (one of: manufacturer, repackager, wholesaler, dispenser, 3pl)")
    }

    @Test("bad company prefixes are refused, naming the element")
    func registerBadPrefixes() {
        let reason = "a GS1 company prefix is 6 to 12 digits"
        Self.expectRegister(edited(Self.register) { $0["companyPrefixes"] = .array([.string("12345")]) }, field: "companyPrefixes[0]", reason: reason)
        Self.expectRegister(edited(Self.register) { $0["companyPrefixes"] = .array([.string("061414"), .string("1234567890123")]) },
                            field: "companyPrefixes[1]", reason: reason)
        Self.expectRegister(edited(Self.register) { $0["companyPrefixes"] = .array([.string("06141a1")]) }, field: "companyPrefixes[0]", reason: reason)
        Self.expectRegister(edited(Self.register) { $0["companyPrefixes"] = .array([.string("٠٦١٤١٤١")]) }, field: "companyPrefixes[0]", reason: reason)
        Self.expectRegister(edited(Self.register) { $0["companyPrefixes"] = .array([.integer(614_141)]) }, field: "companyPrefixes[0]",
                            reason: "must be a string, not an integer")
        Self.expectRegister(edited(Self.register) { $0["companyPrefixes"] = .string("0614141") }, field: "companyPrefixes",
                            reason: "must be an array, not a string")
    }

    @Test("validUntil must be later than validFrom", arguments: [1000, 999, -5] as [Int64])
    func registerValidity(_ until: Int64) {
        Self.expectRegister(editedKey(Self.register) { $0["validUntil"] = .integer(until) }, field: "key.validUntil", reason: "must be later than validFrom")
    }

    @Test("bad key grants are refused")
    func registerBadKey() throws {
        Self.expectRegister(edited(Self.register) { $0["key"] = nil }, field: "key", reason: "is required")
        Self.expectRegister(edited(Self.register) { $0["key"] = .string("x") }, field: "key", reason: "must be a JSON object, not a string")
        Self.expectRegister(editedKey(Self.register) { $0["publicKey"] = .string("not base64!") }, field: "key.publicKey", reason: "is not valid base64")
        Self.expectRegister(editedKey(Self.register) { $0["validFrom"] = nil }, field: "key.validFrom", reason: "is required")
        Self.expectRegister(editedKey(Self.register) { $0["validFrom"] = .string("2026-01-01") }, field: "key.validFrom",
                            reason: "must be an integer, not a string")
        let notAKey = try #require(Self.registerError(editedKey(Self.register) { $0["publicKey"] = .string(Base64.encode([0x30, 0x03, 0x02, 0x01, 0x01])) }))
        #expect(notAKey.field == "key.publicKey")
        #expect(notAKey.reason.hasPrefix("cannot parse a DER public key"))
    }

    @Test("names and addresses must be present, non-blank and bounded")
    func registerText() {
        Self.expectRegister(edited(Self.register) { $0["name"] = .string(" \t ") }, field: "name", reason: "must not be empty")
        Self.expectRegister(edited(Self.register) { $0["name"] = .string(String(repeating: "n", count: 201)) }, field: "name", reason: "is longer than 200 bytes")
        Self.expectRegister(edited(Self.register) { $0["address"] = .string(String(repeating: "é", count: 251)) }, field: "address", reason: "is longer than 500 bytes")
        Self.expectRegister(edited(Self.register) { $0["address"] = .null }, field: "address", reason: "is required")
        #expect(Self.registerError(edited(Self.register) { $0["name"] = .string(String(repeating: "n", count: 200)) }) == nil)
    }

    @Test("a body that is not a JSON object is refused")
    func registerNotAnObject() throws {
        let array = try #require(Self.registerError(Array("[]".utf8)))
        #expect(array == BodyError(bodyType: "partner.register", field: "", reason: "must be a JSON object, not an array"))
        #expect(array.description == "partner.register body: must be a JSON object, not an array")
        let broken = try #require(Self.registerError(Array("{\"gln\":".utf8)))
        #expect(broken.field == "")
        #expect(broken.reason == "invalid JSON at byte 7: unexpected end of input")
        let fieldError = BodyError(bodyType: "partner.register", field: "gln", reason: "is required")
        #expect(fieldError.description == "partner.register body, field gln: is required")
    }

    // MARK: partner.key.add and partner.key.revoke

    @Test("partner.key.add round trips and refuses unknown fields and bad GLNs")
    func keyAdd() throws {
        let value = PartnerKeyAddBody(gln: GLNs.acme, key: KeyGrant(publicKey: Self.partnerKey, validFrom: 5)).json
        let body = try PartnerKeyAddBody(body: value.canonicalBytes)
        #expect(body.gln == GLNs.acme)
        #expect(body.key == KeyGrant(publicKey: Self.partnerKey, validFrom: 5, validUntil: nil))
        func error(_ bytes: [UInt8]) -> BodyError? { bodyError { () throws(BodyError) in try PartnerKeyAddBody(body: bytes) } }
        #expect(error(edited(value) { $0["role"] = .string("3pl") })
            == BodyError(bodyType: "partner.key.add", field: "role", reason: "unknown field for partner.key.add (allowed: gln, key)"))
        #expect(error(edited(value) { $0["gln"] = .string("0614141000001") })
            == BodyError(bodyType: "partner.key.add", field: "gln", reason: "has a wrong check digit (expected 5)"))
        #expect(error(editedKey(value) { $0["validUntil"] = .integer(5) })
            == BodyError(bodyType: "partner.key.add", field: "key.validUntil", reason: "must be later than validFrom"))
    }

    @Test("partner.key.revoke round trips and refuses unknown fields, bad GLNs and missing reasons")
    func keyRevoke() throws {
        let value = PartnerKeyRevokeBody(gln: GLNs.acme, keyID: Self.partnerKey.keyID, reason: "laptop stolen").json
        let body = try PartnerKeyRevokeBody(body: value.canonicalBytes)
        #expect(body.gln == GLNs.acme)
        #expect(body.keyID == Self.partnerKey.keyID)
        #expect(body.reason == "laptop stolen")
        func error(_ bytes: [UInt8]) -> BodyError? { bodyError { () throws(BodyError) in try PartnerKeyRevokeBody(body: bytes) } }
        #expect(error(edited(value) { $0["at"] = .integer(1) })
            == BodyError(bodyType: "partner.key.revoke", field: "at", reason: "unknown field for partner.key.revoke (allowed: gln, keyID, reason)"))
        #expect(error(edited(value) { $0["gln"] = .string("1234") })
            == BodyError(bodyType: "partner.key.revoke", field: "gln", reason: "must be 13 digits (a GLN-13)"))
        #expect(error(edited(value) { $0["reason"] = nil })
            == BodyError(bodyType: "partner.key.revoke", field: "reason", reason: "is required"))
    }

    // MARK: ledger.genesis

    @Test("ledger.genesis round trips")
    func genesisRoundTrip() throws {
        let value = GenesisBody(origin: "example.com/log", operatorKey: Self.partnerKey).json
        let body = try GenesisBody(body: value.canonicalBytes)
        #expect(body.origin == "example.com/log")
        #expect(body.operatorKey == Self.partnerKey)
    }

    @Test("ledger.genesis refuses bad origins, non-Ed25519 keys and unknown fields")
    func genesisRefusals() throws {
        let value = GenesisBody(origin: "example.com/log", operatorKey: Self.partnerKey).json
        func error(_ bytes: [UInt8]) -> BodyError? { bodyError { () throws(BodyError) in try GenesisBody(body: bytes) } }
        let printable = "must be printable ASCII without spaces or '+' (it becomes the checkpoint origin line)"
        for origin in ["example.com log", "a+b", "tab\there", "é", "del\u{7F}"] {
            #expect(error(edited(value) { $0["origin"] = .string(origin) }) == BodyError(bodyType: "ledger.genesis", field: "origin", reason: printable), "\(origin)")
        }
        #expect(error(edited(value) { $0["origin"] = .string(String(repeating: "o", count: 256)) })
            == BodyError(bodyType: "ledger.genesis", field: "origin", reason: "is longer than 255 bytes"))
        #expect(error(edited(value) { $0["origin"] = .string(String(repeating: "o", count: 255)) }) == nil)
        #expect(error(edited(value) { $0["origin"] = .string("") }) == BodyError(bodyType: "ledger.genesis", field: "origin", reason: "must not be empty"))
        let p256 = try PrivateKey.generate(.p256).publicKey
        #expect(error(edited(value) { $0["operatorKey"] = .string(Base64.encode(p256.spkiDER)) })
            == BodyError(bodyType: "ledger.genesis", field: "operatorKey", reason: "must be an Ed25519 key (checkpoints are Ed25519 signed notes)"))
        #expect(error(edited(value) { $0["operatorKey"] = .string("MCow") })?.field == "operatorKey")
        #expect(error(edited(value) { $0["version"] = .integer(1) })
            == BodyError(bodyType: "ledger.genesis", field: "version", reason: "unknown field for ledger.genesis (allowed: operatorKey, origin)"))
    }

    @Test("originProblem")
    func originProblem() {
        #expect(GenesisBody.originProblem("example.com/vectors") == nil)
        #expect(GenesisBody.originProblem("") == "must be 1 to 255 bytes")
        #expect(GenesisBody.originProblem(String(repeating: "x", count: 256)) == "must be 1 to 255 bytes")
        #expect(GenesisBody.originProblem("a b") != nil)
        #expect(GenesisBody.originProblem("a\u{0}b") != nil)
    }
}
