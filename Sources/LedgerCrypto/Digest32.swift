/// A 32-byte digest (SHA-256) held inline, with no heap allocation: four 64-bit words in the byte order of the
/// digest, so comparing two is four word compares and `withUnsafeBytes` sees the digest's bytes as they are.
///
/// The per-entry paths (the verifier's hashes, chain link and Merkle frontier) use it instead of `[UInt8]`;
/// `bytes` and `hex` convert for the rare places (findings, reports) that need them.
public struct Digest32: Hashable, Sendable, CustomStringConvertible {
    /// The digest's bytes 0…7, 8…15, 16…23 and 24…31, each word as loaded from memory (native byte order).
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    /// The digest's length in bytes.
    public static let byteCount = 32
    /// Thirty-two zero bytes.
    public static let zero = Digest32()

    private init() {}

    /// The 32 bytes in `buffer`, which must hold exactly 32 bytes.
    public init(_ buffer: UnsafeRawBufferPointer) {
        precondition(buffer.count == Self.byteCount, "a digest is 32 bytes, not \(buffer.count)")
        w0 = buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        w1 = buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        w2 = buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        w3 = buffer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    }

    /// The 32 bytes of `bytes`, or nil when it does not hold exactly 32.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self = bytes.withUnsafeBytes { Digest32($0) }
    }

    /// Fills a digest by writing its 32 bytes through `body` (OpenSSL's finalisation writes here directly).
    public init(writing body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        var digest = Digest32()
        try Swift.withUnsafeMutableBytes(of: &digest) { try body($0) }
        self = digest
    }

    /// Calls `body` with the digest's 32 bytes.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var copy = self
        return try Swift.withUnsafeBytes(of: &copy) { try body($0) }
    }

    /// The bytes as a new array (one allocation: for findings and reports, not per-entry paths).
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, count in
            let out = UnsafeMutableRawBufferPointer(buffer)
            out.storeBytes(of: w0, toByteOffset: 0, as: UInt64.self)
            out.storeBytes(of: w1, toByteOffset: 8, as: UInt64.self)
            out.storeBytes(of: w2, toByteOffset: 16, as: UInt64.self)
            out.storeBytes(of: w3, toByteOffset: 24, as: UInt64.self)
            count = Self.byteCount
        }
    }

    /// Lowercase hex of the bytes (allocates a string).
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    /// True when `bytes` holds these 32 bytes (no allocation).
    public func matches(_ bytes: [UInt8]) -> Bool {
        bytes.count == Self.byteCount && bytes.withUnsafeBytes { Digest32($0) } == self
    }

    /// The lowercase hex of the bytes, as findings and reports print hashes.
    public var description: String { hex }
}
