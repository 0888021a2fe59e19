import LedgerCrypto

/// Where the ledger's big-endian primitives are written: `ByteWriter` gathers them into an array; the signature
/// path hashes a signing message's pieces as they come (`Submission.writeSigningMessage(origin:to:)`). Every
/// structure's layout is written once, against this protocol, whatever the bytes are for.
public protocol ByteSink {
    /// Takes the next bytes (only for the duration of the call).
    mutating func write(_ bytes: UnsafeRawBufferPointer)
}

extension ByteSink {
    /// One byte.
    public mutating func u8(_ value: UInt8) { withUnsafeBytes(of: value) { write($0) } }
    /// Two bytes, big-endian.
    public mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.bigEndian) { write($0) } }
    /// Four bytes, big-endian.
    public mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { write($0) } }
    /// Eight bytes, big-endian.
    public mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.bigEndian) { write($0) } }
    /// Eight bytes, big-endian two's complement.
    public mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    /// The bytes as they are.
    public mutating func raw<Bytes: Sequence>(_ value: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = value.withContiguousStorageIfAvailable { write(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(value).withUnsafeBytes { write($0) } }
    }
    /// A string of at most 255 UTF-8 bytes after a one-byte length, read in place (no copy of the string).
    public mutating func str8(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            precondition(utf8.count <= 255, "str8 longer than 255 bytes")
            u8(UInt8(utf8.count))
            write(UnsafeRawBufferPointer(utf8))
        }
    }
    /// Bytes after a two-byte length.
    public mutating func bytes16(_ value: [UInt8]) {
        precondition(value.count <= 0xFFFF, "bytes16 longer than 65535 bytes")
        u16(UInt16(value.count))
        raw(value)
    }
    /// Bytes after a four-byte length.
    public mutating func bytes32(_ value: [UInt8]) {
        u32(UInt32(value.count))
        raw(value)
    }
}

/// Appends the ledger's big-endian primitives to a byte buffer.
public struct ByteWriter: ByteSink, Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends `bytes`.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
    }
}

/// Counts what is written, writing nothing: the exact size of a layout, from the layout's own code.
struct ByteCounter: ByteSink {
    private(set) var count = 0
    mutating func write(_ bytes: UnsafeRawBufferPointer) { count += bytes.count }
}

/// Copies what is written into a caller's fixed buffer; a write that does not fit is not copied, and
/// `overflowed` says so (nothing after it is copied either).
struct BufferSink: ByteSink {
    let buffer: UnsafeMutableRawBufferPointer
    private(set) var count = 0
    private(set) var overflowed = false

    init(buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard !overflowed, bytes.count <= buffer.count - count else {
            overflowed = true
            return
        }
        if let source = bytes.baseAddress { (buffer.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    /// What has been copied.
    var written: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[0..<count]) }
}

/// Why bytes could not be decoded: the field and the reason.
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field being read, e.g. "signer".
    public var field: String
    /// What was wrong with it.
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { "field \(field): \(reason)" }
}

/// Reads the ledger's big-endian primitives from a buffer, refusing anything short or malformed.
public struct ByteReader: ~Copyable {
    let base: UnsafeRawBufferPointer
    /// The read position.
    public private(set) var offset: Int

    public init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        self.offset = 0
    }

    /// Bytes not yet read.
    public var remaining: Int { base.count - offset }

    mutating func take(_ count: Int, _ field: String) throws(DecodeError) -> UnsafeRawBufferPointer {
        guard count <= remaining else {
            throw DecodeError(field: field, reason: "needs \(count) bytes but only \(remaining) remain")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + count])
    }

    public mutating func u8(_ field: String) throws(DecodeError) -> UInt8 { try take(1, field)[0] }
    public mutating func u16(_ field: String) throws(DecodeError) -> UInt16 {
        let b = try take(2, field)
        return UInt16(b[0]) << 8 | UInt16(b[1])
    }
    public mutating func u32(_ field: String) throws(DecodeError) -> UInt32 {
        let b = try take(4, field)
        return b.reduce(0) { $0 << 8 | UInt32($1) }
    }
    public mutating func u64(_ field: String) throws(DecodeError) -> UInt64 {
        let b = try take(8, field)
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }
    public mutating func i64(_ field: String) throws(DecodeError) -> Int64 { Int64(bitPattern: try u64(field)) }
    public mutating func raw(_ count: Int, _ field: String) throws(DecodeError) -> [UInt8] { Array(try take(count, field)) }
    /// Reads a 32-byte hash as an inline digest (no allocation).
    public mutating func digest(_ field: String) throws(DecodeError) -> Digest32 { Digest32(try take(Digest32.byteCount, field)) }
    public mutating func str8(_ field: String) throws(DecodeError) -> String {
        let length = Int(try u8(field))
        let bytes = try take(length, field)
        // ASCII is valid UTF-8 as it stands: copy it without the generic validating decoder (the usual case).
        if !bytes.contains(where: { $0 >= 0x80 }) {
            return String(unsafeUninitializedCapacity: length) { buffer in
                _ = buffer.initialize(from: bytes)
                return length
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DecodeError(field: field, reason: "is not valid UTF-8")
        }
        return text
    }
    public mutating func bytes16(_ field: String) throws(DecodeError) -> [UInt8] {
        let length = Int(try u16(field))
        return Array(try take(length, field))
    }
    public mutating func bytes32(_ field: String, max: Int) throws(DecodeError) -> [UInt8] {
        let length = Int(try u32(field))
        guard length <= max else { throw DecodeError(field: field, reason: "length \(length) exceeds the limit of \(max) bytes") }
        return Array(try take(length, field))
    }
}
