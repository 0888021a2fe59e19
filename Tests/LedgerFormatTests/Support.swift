import LedgerCrypto
import LedgerFormat
import Testing

/// The JSON error for `text`, or nil when it parses.
func jsonError(_ text: String, maxDepth: Int = 64) -> JSONError? {
    jsonError(Array(text.utf8), maxDepth: maxDepth)
}

/// The JSON error for `bytes`, or nil when they parse.
func jsonError(_ bytes: [UInt8], maxDepth: Int = 64) -> JSONError? {
    do throws(JSONError) {
        _ = try JSONValue.parse(bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

/// The decode error for entry bytes, or nil when they decode.
func decodeError(_ bytes: [UInt8]) -> DecodeError? {
    do throws(DecodeError) {
        _ = try Entry(canonicalBytes: bytes)
        return nil
    } catch {
        return error
    }
}

/// The body error `parse` throws, or nil.
func bodyError<T>(_ parse: () throws(BodyError) -> T) -> BodyError? {
    do throws(BodyError) {
        _ = try parse()
        return nil
    } catch {
        return error
    }
}

/// The registry error `body` throws, or nil.
func registryError<T>(_ body: () throws(RegistryError) -> T) -> RegistryError? {
    do throws(RegistryError) {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Canonical JSON bytes of a JSON text given in the test (traps on a broken fixture).
func canonical(_ text: String) -> [UInt8] {
    do { return try JSONValue.parse(text).canonicalBytes } catch { fatalError("fixture is not valid JSON: \(error)") }
}

/// Fixed times used by the registry tests.
enum Times {
    static let genesis: Int64 = 1_767_225_600_000   // 2026-01-01T00:00:00Z
    static func at(_ seconds: Int64) -> Int64 { genesis + seconds * 1000 }
}

/// An in-memory ledger under construction: real keys, real signatures, entries appended in order.
struct LedgerBuilder {
    static let origin = "test.example/ledger"
    let operatorKey: PrivateKey
    private(set) var entries: [Entry] = []

    init(operatorKey: PrivateKey? = nil) throws {
        self.operatorKey = try operatorKey ?? PrivateKey.generate(.ed25519)
        let body = GenesisBody(origin: Self.origin, operatorKey: self.operatorKey.publicKey).json.canonicalBytes
        entries.append(try Self.entry(seq: 0, appendedAt: Times.genesis, prevHash: EntryFormat.zeroHash,
                                      signer: Submission.operatorSigner, key: self.operatorKey,
                                      bodyType: OperatorBody.genesis, body: body))
    }

    var genesis: Entry { entries[0] }
    var nextSeq: UInt64 { UInt64(entries.count) }

    /// A signed entry; `keyID` and `algorithm` default to those of `key`.
    static func entry(seq: UInt64, appendedAt: Int64, prevHash: [UInt8], signer: String, key: PrivateKey,
                      bodyType: String, body: [UInt8], keyID: String? = nil, algorithm: SignatureAlgorithm? = nil,
                      origin: String = origin) throws -> Entry {
        let submission = Submission(signer: signer, keyID: keyID ?? key.publicKey.keyID, algorithm: algorithm ?? key.algorithm,
                                    signedAt: appendedAt - 5, bodyType: bodyType, bodyVersion: 1, body: body)
        return Entry(seq: seq, appendedAt: appendedAt, prevHash: prevHash, submission: submission,
                     signature: try submission.sign(with: key, origin: origin))
    }

    /// The next entry (not appended).
    func next(signer: String, key: PrivateKey, bodyType: String, body: [UInt8], at time: Int64,
              keyID: String? = nil, algorithm: SignatureAlgorithm? = nil, origin: String = origin) throws -> Entry {
        try Self.entry(seq: nextSeq, appendedAt: time, prevHash: entries.last!.hash, signer: signer, key: key,
                       bodyType: bodyType, body: body, keyID: keyID, algorithm: algorithm, origin: origin)
    }

    /// An operator entry (not appended).
    func operatorEntry(_ bodyType: String, _ body: JSONValue, at time: Int64) throws -> Entry {
        try next(signer: Submission.operatorSigner, key: operatorKey, bodyType: bodyType, body: body.canonicalBytes, at: time)
    }

    mutating func append(_ entry: Entry) { entries.append(entry) }
}

/// A `partner.register` body.
func registerBody(gln: String, key: PublicKey, validFrom: Int64 = Times.genesis, validUntil: Int64? = nil,
                  role: PartnerRole = .manufacturer, prefixes: [String] = ["0614141"]) -> JSONValue {
    PartnerRegisterBody(gln: gln, name: "Partner \(gln)", role: role, address: "1 Main St, Springfield",
                        companyPrefixes: prefixes, key: KeyGrant(publicKey: key, validFrom: validFrom, validUntil: validUntil)).json
}

/// Valid GLN-13s (GS1 check digits verified by hand).
enum GLNs {
    static let acme = "0614141000005"
    static let other = "0012345000058"
    static let third = "4006381333931"
}
