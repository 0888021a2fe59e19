import LedgerCrypto

/// What a signer submits and signs: who signs, with which key, and the typed body.
///
/// The signer does not know the entry's position; the ledger adds that (see `Entry`). The signature
/// covers `Submission.signingMessage(origin:)`, which binds the ledger's origin so a submission signed
/// for one ledger cannot be replayed into another.
public struct Submission: Sendable, Hashable {
    /// The signer: a partner's GLN-13, or `"operator"` for the ledger operator.
    public var signer: String
    /// The signing key's id (`PublicKey.keyID`: 16 lowercase hex digits).
    public var keyID: String
    /// The signature algorithm.
    public var algorithm: SignatureAlgorithm
    /// When the signer signed, in milliseconds since the Unix epoch (the signer's clock; informative).
    public var signedAt: Int64
    /// The body's type, e.g. `commission` or `partner.register`.
    public var bodyType: String
    /// The version of the body type's schema; bodies grow by new versions, never by format breaks.
    public var bodyVersion: UInt16
    /// The body: RFC 8785 canonical JSON (UTF-8) of a JSON object.
    public var body: [UInt8]

    public init(signer: String, keyID: String, algorithm: SignatureAlgorithm, signedAt: Int64,
                bodyType: String, bodyVersion: UInt16, body: [UInt8]) {
        self.signer = signer
        self.keyID = keyID
        self.algorithm = algorithm
        self.signedAt = signedAt
        self.bodyType = bodyType
        self.bodyVersion = bodyVersion
        self.body = body
    }

    /// The signer id the ledger operator uses.
    public static let operatorSigner = "operator"

    /// The bytes the signer signs: `"custody-ledger/submission/v1" 0x00 ‖ str8(origin) ‖ fields`.
    public func signingMessage(origin: String) -> [UInt8] {
        var counter = ByteCounter()
        writeSigningMessage(origin: origin, into: &counter)
        var writer = ByteWriter(capacity: counter.count)
        writeSigningMessage(origin: origin, into: &writer)
        return writer.bytes
    }

    /// Hands the bytes of `signingMessage(origin:)` to `sink` in order without building the message: what precedes
    /// the body, written into a buffer on the stack, then the body in place. `SignatureChecker` hashes them as they
    /// come. (When the strings before the body pass 1 KiB, which only lengths near str8's limit reach, the message
    /// is built and handed over whole.)
    public func writeSigningMessage(origin: String, to sink: (UnsafeRawBufferPointer) -> Void) {
        // 1,024 bytes: the most the standard library puts on the stack without asking how much stack is left.
        let handed = withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 1) { buffer -> Bool in
            var head = BufferSink(buffer: buffer)
            writeSigningMessageHead(origin: origin, into: &head)
            guard !head.overflowed else { return false }
            sink(head.written)
            body.withUnsafeBytes { sink($0) }
            return true
        }
        if !handed { signingMessage(origin: origin).withUnsafeBytes { sink($0) } }
    }

    /// The signing message's layout (FORMAT.md §5), the one definition of it.
    func writeSigningMessage<Sink: ByteSink>(origin: String, into sink: inout Sink) {
        writeSigningMessageHead(origin: origin, into: &sink)
        sink.raw(body)
    }

    /// The signing message up to the body's bytes.
    func writeSigningMessageHead<Sink: ByteSink>(origin: String, into sink: inout Sink) {
        sink.raw(EntryFormat.submissionDomain)
        sink.str8(origin)
        writeFieldsHead(into: &sink)
    }

    /// The submission fields (FORMAT.md §2).
    func writeFields<Sink: ByteSink>(into writer: inout Sink) {
        writeFieldsHead(into: &writer)
        writer.raw(body)
    }

    /// The submission fields up to the body's bytes (the body is a `bytes32`: its length comes first).
    func writeFieldsHead<Sink: ByteSink>(into writer: inout Sink) {
        writer.str8(signer)
        writer.str8(keyID)
        writer.u8(algorithm.code)
        writer.i64(signedAt)
        writer.str8(bodyType)
        writer.u16(bodyVersion)
        writer.u32(UInt32(body.count))
    }

    /// Signs this submission for the ledger `origin` with `key`, returning the signature.
    public func sign(with key: PrivateKey, origin: String) throws -> [UInt8] {
        try key.signature(for: signingMessage(origin: origin))
    }

    /// The body parsed as JSON.
    public func bodyJSON() throws(JSONError) -> JSONValue { try JSONValue.parse(body) }
}

extension SignatureAlgorithm {
    /// The algorithm's code in the byte format: 1 = Ed25519, 2 = ECDSA P-256 with SHA-256.
    public var code: UInt8 {
        switch self {
        case .ed25519: 1
        case .p256: 2
        }
    }

    /// The algorithm with `code`, or nil.
    public init?(code: UInt8) {
        switch code {
        case 1: self = .ed25519
        case 2: self = .p256
        default: return nil
        }
    }
}

/// One ledger entry: a signed submission plus what the ledger adds (position, time, chain link).
public struct Entry: Sendable, Hashable {
    /// The entry's sequence number: 0 for the genesis entry, then consecutive.
    public var seq: UInt64
    /// When the ledger appended it, in milliseconds since the Unix epoch (UTC).
    public var appendedAt: Int64
    /// The previous entry's hash; 32 zero bytes for seq 0.
    public var prevHash: [UInt8] { previousDigest.bytes }
    /// The previous entry's hash as an inline digest (what the verifier compares, without allocating).
    public var previousDigest: Digest32
    /// The signed submission.
    public var submission: Submission
    /// The signer's signature over `submission.signingMessage(origin:)` (64 bytes).
    public var signature: [UInt8]

    public init(seq: UInt64, appendedAt: Int64, prevHash: [UInt8], submission: Submission, signature: [UInt8]) {
        self.seq = seq
        self.appendedAt = appendedAt
        guard let previous = Digest32(bytes: prevHash) else { preconditionFailure("a previous-entry hash is 32 bytes, not \(prevHash.count)") }
        previousDigest = previous
        self.submission = submission
        self.signature = signature
    }

    /// The canonical bytes (see FORMAT.md): hashed for the entry hash and used as the Merkle leaf.
    public var canonicalBytes: [UInt8] {
        var counter = ByteCounter()
        writeCanonical(into: &counter)
        var writer = ByteWriter(capacity: counter.count)
        writeCanonical(into: &writer)
        return writer.bytes
    }

    /// The canonical layout (FORMAT.md §3), the one definition of it.
    func writeCanonical<Sink: ByteSink>(into writer: inout Sink) {
        writer.u8(EntryFormat.version)
        writer.u64(seq)
        writer.i64(appendedAt)
        previousDigest.withUnsafeBytes { writer.raw($0) }
        submission.writeFields(into: &writer)
        writer.bytes16(signature)
    }

    /// SHA-256 over the entry domain tag and the canonical bytes.
    public var hash: [UInt8] { EntryFormat.entryHash(ofCanonicalBytes: canonicalBytes) }

    /// Decodes canonical entry bytes, refusing trailing bytes, unknown versions and out-of-range fields.
    public init(canonicalBytes bytes: UnsafeRawBufferPointer) throws(DecodeError) {
        var reader = ByteReader(bytes)
        let version = try reader.u8("version")
        guard version == EntryFormat.version else {
            throw DecodeError(field: "version", reason: "unknown entry format version \(version) (this program reads version \(EntryFormat.version))")
        }
        seq = try reader.u64("seq")
        appendedAt = try reader.i64("appendedAt")
        previousDigest = try reader.digest("prevHash")
        let signer = try reader.str8("signer")
        let keyID = try reader.str8("keyID")
        let code = try reader.u8("algorithm")
        guard let algorithm = SignatureAlgorithm(code: code) else {
            throw DecodeError(field: "algorithm", reason: "unknown signature algorithm code \(code)")
        }
        let signedAt = try reader.i64("signedAt")
        let bodyType = try reader.str8("bodyType")
        let bodyVersion = try reader.u16("bodyVersion")
        let body = try reader.bytes32("body", max: EntryFormat.maxBodyBytes)
        submission = Submission(signer: signer, keyID: keyID, algorithm: algorithm, signedAt: signedAt,
                                bodyType: bodyType, bodyVersion: bodyVersion, body: body)
        signature = try reader.bytes16("signature")
        guard reader.remaining == 0 else {
            throw DecodeError(field: "signature", reason: "\(reader.remaining) unexpected bytes after the last field")
        }
    }

    /// Decodes canonical entry bytes.
    public init(canonicalBytes bytes: [UInt8]) throws(DecodeError) {
        let result: Result<Entry, DecodeError> = bytes.withUnsafeBytes { raw in
            do throws(DecodeError) { return .success(try Entry(canonicalBytes: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }
}

/// Constants of the byte format (docs/FORMAT.md).
public enum EntryFormat {
    /// The entry format version written in every entry's first byte.
    public static let version: UInt8 = 1
    /// The largest body accepted, in bytes (16 MiB).
    public static let maxBodyBytes = 16 << 20
    /// Domain tag hashed before an entry's canonical bytes: `custody-ledger/entry/v1` and a zero byte.
    public static let entryDomain: [UInt8] = Array("custody-ledger/entry/v1".utf8) + [0]
    /// Domain tag signed before a submission: `custody-ledger/submission/v1` and a zero byte.
    public static let submissionDomain: [UInt8] = Array("custody-ledger/submission/v1".utf8) + [0]
    /// The previous-hash of the genesis entry.
    public static let zeroHash = [UInt8](repeating: 0, count: 32)

    /// The entry hash of canonical entry bytes.
    public static func entryHash(ofCanonicalBytes bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { entryDigest(ofCanonicalBytes: $0).bytes }
    }

    /// The entry hash of canonical entry bytes given as a raw buffer, as an inline digest (no copy, no allocation).
    public static func entryDigest(ofCanonicalBytes bytes: UnsafeRawBufferPointer) -> Digest32 {
        entryDomain.withUnsafeBytes { SHA256.digest($0, bytes) }
    }

    /// The entry hash of canonical entry bytes given as a raw buffer (no copy).
    public static func entryHash(ofCanonicalBytes bytes: UnsafeRawBufferPointer, using hasher: SHA256) -> [UInt8] {
        hasher.update(entryDomain)
        hasher.update(bytes)
        return hasher.finalize()
    }
}
