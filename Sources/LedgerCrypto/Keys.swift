import COpenSSL

/// The signature algorithms the ledger accepts.
public enum SignatureAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    /// Ed25519 (RFC 8032), pure mode: 32-byte public keys, 64-byte signatures.
    case ed25519
    /// ECDSA over NIST P-256 with SHA-256; signatures are 64 bytes `r ‖ s` (IEEE P1363 form).
    case p256

    /// The length of a signature in the ledger's fixed form.
    public var signatureByteCount: Int { 64 }
}

/// Owns one `EVP_PKEY` and frees it exactly once. `EVP_PKEY` is reference counted and safe to share
/// for signing and verifying across threads, hence `@unchecked Sendable`.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    var algorithm: SignatureAlgorithm? {
        if cl_EVP_PKEY_is_ed25519(pointer) == 1 { return .ed25519 }
        if cl_EVP_PKEY_is_p256(pointer) == 1 { return .p256 }
        return nil
    }
}

/// Runs `body` with a read-only memory BIO over `bytes`.
func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
    try bytes.withUnsafeBytes { raw in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
            throw CryptoError.openSSL("allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

/// Runs `body` with a writable memory BIO and returns what it wrote.
func collectingBIO(_ operation: String, _ body: (OpaquePointer) -> Int32) throws -> [UInt8] {
    guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.openSSL("allocate a memory BIO") }
    defer { BIO_free(bio) }
    guard body(bio) == 1 else { throw CryptoError.openSSL(operation) }
    var data: UnsafeMutablePointer<CChar>? = nil
    let length = cl_BIO_get_mem_data(bio, &data)
    guard let data, length > 0 else { return [] }
    return data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
}

/// The DER prefix of a P-256 SubjectPublicKeyInfo, before the 65-byte uncompressed point.
private let p256SPKIPrefix: [UInt8] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]

/// A public key for Ed25519 or ECDSA P-256. Equal keys have equal SPKI DER encodings.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The key's algorithm.
    public let algorithm: SignatureAlgorithm
    /// The DER-encoded SubjectPublicKeyInfo (RFC 5280), the form the ledger records.
    public let spkiDER: [UInt8]
    let key: EVPKey

    /// Parses a DER SubjectPublicKeyInfo; refuses keys other than Ed25519 and P-256.
    public init(spkiDER: [UInt8]) throws {
        var cursor: UnsafePointer<UInt8>? = nil
        let parsed: OpaquePointer? = spkiDER.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            let result = d2i_PUBKEY(nil, &cursor, buffer.count)
            if result != nil, cursor != buffer.baseAddress.map({ $0 + buffer.count }) {
                EVP_PKEY_free(result)
                return nil
            }
            return result
        }
        guard let parsed else { throw CryptoError.openSSL("parse a DER public key (SubjectPublicKeyInfo)") }
        let key = EVPKey(parsed)
        guard let algorithm = key.algorithm else {
            throw CryptoError("use the public key", reason: "only Ed25519 and ECDSA P-256 keys are accepted")
        }
        // One encoding per key, so the key id (a hash of these bytes) is unique: strict DER, uncompressed P-256 points.
        let canonical = try collectingBIO("encode a public key as DER") { i2d_PUBKEY_bio($0, parsed) }
        guard canonical == spkiDER, algorithm != .p256 || spkiDER.count == p256SPKIPrefix.count + 65 else {
            throw CryptoError("use the public key", reason: "its SubjectPublicKeyInfo is not canonical DER (P-256 points must be uncompressed)")
        }
        self.algorithm = algorithm
        self.key = key
        self.spkiDER = spkiDER
    }

    /// Parses a PEM `PUBLIC KEY` block (SubjectPublicKeyInfo).
    public init(pem: String) throws {
        let parsed = try withMemoryBIO(Array(pem.utf8)) { bio -> OpaquePointer in
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                throw CryptoError.openSSL("parse a PEM public key")
            }
            return key
        }
        defer { EVP_PKEY_free(parsed) }
        let der = try collectingBIO("encode a public key as DER") { i2d_PUBKEY_bio($0, parsed) }
        try self.init(spkiDER: der)
    }

    /// An Ed25519 public key from its 32 raw bytes (RFC 8032).
    public init(ed25519Raw raw: [UInt8]) throws {
        guard raw.count == 32 else { throw CryptoError("use an Ed25519 public key", reason: "it must be 32 bytes, not \(raw.count)") }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw CryptoError.openSSL("load a raw Ed25519 public key")
        }
        defer { EVP_PKEY_free(key) }
        let der = try collectingBIO("encode a public key as DER") { i2d_PUBKEY_bio($0, key) }
        try self.init(spkiDER: der)
    }

    /// A P-256 public key from its uncompressed point `04 ‖ x ‖ y` (SEC 1, 65 bytes).
    public init(p256Uncompressed point: [UInt8]) throws {
        guard point.count == 65, point.first == 0x04 else {
            throw CryptoError("use a P-256 public key", reason: "an uncompressed point is 65 bytes starting 0x04")
        }
        try self.init(spkiDER: p256SPKIPrefix + point)
    }

    /// The raw key: 32 bytes for Ed25519, the 65-byte uncompressed point for P-256.
    public var rawRepresentation: [UInt8] {
        switch algorithm {
        case .ed25519:
            var length = 32
            var raw = [UInt8](repeating: 0, count: 32)
            _ = EVP_PKEY_get_raw_public_key(key.pointer, &raw, &length)
            return raw
        case .p256:
            return Array(spkiDER.suffix(65))
        }
    }

    /// The PEM `PUBLIC KEY` text.
    public var pem: String {
        let bytes = (try? collectingBIO("write a PEM public key") { PEM_write_bio_PUBKEY($0, key.pointer) }) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The key's identifier in the ledger: the first 8 bytes of SHA-256(SPKI DER), as 16 lowercase hex digits.
    public var keyID: String { Hex.encode(SHA256.hash(spkiDER).prefix(8)) }

    /// Checks a signature in the ledger's fixed form (Ed25519: 64 bytes; P-256: 64 bytes `r ‖ s`).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch algorithm {
        case .ed25519:
            guard signature.count == 64 else { return false }
            return verifyOneShot(signature: signature, message: message, digest: nil)
        case .p256:
            guard let der = ECDSASignature.der(fromRaw: signature) else { return false }
            return verifyOneShot(signature: der, message: message, digest: EVP_sha256())
        }
    }

    /// Checks an ECDSA P-256 signature in DER form (as X.509 and Wycheproof use); strict DER only.
    public func isValidECDSASignature(der: [UInt8], for message: [UInt8]) -> Bool {
        guard algorithm == .p256 else { return false }
        return verifyOneShot(signature: der, message: message, digest: EVP_sha256())
    }

    private func verifyOneShot(signature: [UInt8], message: [UInt8], digest: OpaquePointer?) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, digest, nil, key.pointer) == 1 else {
            ERR_clear_error()
            return false
        }
        let result = EVP_DigestVerify(context, signature, signature.count, message, message.count)
        if result != 1 { ERR_clear_error() }
        return result == 1
    }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.spkiDER == rhs.spkiDER }
    public func hash(into hasher: inout Hasher) { hasher.combine(spkiDER) }
    public var description: String { "\(algorithm.rawValue) key \(keyID)" }
}

/// A private signing key for Ed25519 or ECDSA P-256.
///
/// Its `description` never shows key material, so it is safe to log or print by accident.
public struct PrivateKey: Sendable, CustomStringConvertible {
    /// The key's algorithm.
    public let algorithm: SignatureAlgorithm
    /// The matching public key.
    public let publicKey: PublicKey
    let key: EVPKey

    private init(key: EVPKey) throws {
        guard let algorithm = key.algorithm else {
            throw CryptoError("use the private key", reason: "only Ed25519 and ECDSA P-256 keys are accepted")
        }
        let der = try collectingBIO("encode a public key as DER") { i2d_PUBKEY_bio($0, key.pointer) }
        self.algorithm = algorithm
        self.key = key
        self.publicKey = try PublicKey(spkiDER: der)
    }

    /// Generates a new key from OpenSSL's CSPRNG.
    public static func generate(_ algorithm: SignatureAlgorithm) throws -> PrivateKey {
        let generated: OpaquePointer?
        switch algorithm {
        case .ed25519: generated = cl_keygen_ed25519()
        case .p256: generated = cl_keygen_p256()
        }
        guard let generated else { throw CryptoError.openSSL("generate an \(algorithm.rawValue) key") }
        return try PrivateKey(key: EVPKey(generated))
    }

    /// An Ed25519 key from its 32-byte seed (the "secret key" of RFC 8032).
    public init(ed25519Seed seed: [UInt8]) throws {
        guard seed.count == 32 else { throw CryptoError("use an Ed25519 seed", reason: "it must be 32 bytes, not \(seed.count)") }
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
            throw CryptoError.openSSL("load a raw Ed25519 private key")
        }
        try self.init(key: EVPKey(key))
    }

    /// Parses a PEM private key (PKCS#8 `PRIVATE KEY`, or OpenSSL's traditional EC form); never prompts for a passphrase.
    public init(pem: String) throws {
        let parsed = try withMemoryBIO(Array(pem.utf8)) { bio -> OpaquePointer in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil) else {
                throw CryptoError.openSSL("parse a PEM private key")
            }
            return key
        }
        try self.init(key: EVPKey(parsed))
    }

    /// The unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Write it only to a file of mode 0600.
    public func pemPKCS8() throws -> String {
        let bytes = try collectingBIO("write a PKCS#8 private key") {
            PEM_write_bio_PKCS8PrivateKey($0, key.pointer, nil, nil, 0, nil, nil)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Signs `message`. Ed25519 signs the message itself (pure Ed25519); P-256 signs its SHA-256 and
    /// returns the 64-byte `r ‖ s` form.
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("allocate a signing context") }
        defer { EVP_MD_CTX_free(context) }
        let digest: OpaquePointer? = algorithm == .p256 ? EVP_sha256() : nil
        guard EVP_DigestSignInit(context, nil, digest, nil, key.pointer) == 1 else {
            throw CryptoError.openSSL("start an \(algorithm.rawValue) signature")
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw CryptoError.openSSL("size an \(algorithm.rawValue) signature")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw CryptoError.openSSL("make an \(algorithm.rawValue) signature")
        }
        signature.removeSubrange(length...)
        switch algorithm {
        case .ed25519: return signature
        case .p256:
            guard let raw = ECDSASignature.raw(fromDER: signature) else {
                throw CryptoError("make a P-256 signature", reason: "OpenSSL returned a malformed DER signature")
            }
            return raw
        }
    }

    public var description: String { "\(algorithm.rawValue) private key for \(publicKey.keyID) (material not shown)" }
}

/// Conversions between ECDSA's DER `SEQUENCE { r, s }` and the fixed 64-byte `r ‖ s` form.
public enum ECDSASignature {
    /// `r ‖ s` (32 bytes each, big-endian) from strict DER; nil when the DER is malformed.
    public static func raw(fromDER der: [UInt8]) -> [UInt8]? {
        var cursor: UnsafePointer<UInt8>? = nil
        let raw = der.withUnsafeBufferPointer { buffer -> [UInt8]? in
            cursor = buffer.baseAddress
            guard let sig = d2i_ECDSA_SIG(nil, &cursor, buffer.count) else { ERR_clear_error(); return nil }
            defer { ECDSA_SIG_free(sig) }
            var r: OpaquePointer? = nil
            var s: OpaquePointer? = nil
            ECDSA_SIG_get0(sig, &r, &s)
            var out = [UInt8](repeating: 0, count: 64)
            let ok = out.withUnsafeMutableBufferPointer { o -> Bool in
                BN_bn2binpad(r, o.baseAddress, 32) == 32 && BN_bn2binpad(s, o.baseAddress! + 32, 32) == 32
            }
            return ok ? out : nil
        }
        // d2i_ECDSA_SIG accepts trailing bytes and BER lengths: strict DER is what re-encodes to the input.
        guard let raw, ECDSASignature.der(fromRaw: raw) == der else { return nil }
        return raw
    }

    /// Strict DER from `r ‖ s`; nil unless `raw` is 64 bytes.
    ///
    /// Written out by hand (X.690 §8.3, §10): `30 len 02 len r 02 len s`, each integer in its fewest bytes, with a
    /// leading zero byte when its top bit is set (the integers are non-negative). Both fit in one length byte.
    public static func der(fromRaw raw: [UInt8]) -> [UInt8]? {
        withDER(fromRaw: raw) { Array($0) }
    }

    /// The most bytes `der(fromRaw:)` writes: two 33-byte integers (a zero byte before a high bit) and three headers.
    public static let maxDERByteCount = 72

    /// Calls `body` with the strict DER of `r ‖ s` (as `der(fromRaw:)` gives it), written into a buffer on the stack
    /// that lives only for the call; nil, without calling `body`, unless `raw` is 64 bytes. The verifier converts
    /// every P-256 signature this way, without a heap allocation.
    public static func withDER<Result>(fromRaw raw: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        guard raw.count == 64 else { return nil }
        return raw.withUnsafeBufferPointer { raw in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxDERByteCount) { der in
                var count = 0
                func put(_ byte: UInt8) {
                    der[count] = byte
                    count += 1
                }
                // One INTEGER from the 32-byte big-endian half at `base`: its first significant byte (the last
                // byte when it is zero), after a zero byte when that byte's top bit is set.
                func integer(_ base: Int) {
                    var start = base
                    while start < base + 31, raw[start] == 0 { start += 1 }
                    let pad = raw[start] & 0x80 != 0
                    put(0x02)
                    put(UInt8(base + 32 - start + (pad ? 1 : 0)))
                    if pad { put(0) }
                    for index in start..<(base + 32) { put(raw[index]) }
                }
                put(0x30)
                put(0)
                integer(0)
                integer(32)
                der[1] = UInt8(count - 2)
                return body(UnsafeBufferPointer(rebasing: der[0..<count]))
            }
        }
    }
}
