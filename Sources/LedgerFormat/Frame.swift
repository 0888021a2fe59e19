/// The on-disk framing of entries in segment files (docs/FORMAT.md, "Segments and frames").
public enum Frame {
    /// `CLFR`: the first four bytes of every frame.
    public static let magic: UInt32 = 0x434C_4652
    /// Bytes before the entry: magic (4), flags (1), entry length (4).
    public static let headerSize = 9
    /// Bytes after the entry: the entry hash.
    public static let trailerSize = 32
    /// Flag bit 0: this entry is the last of its append batch (a batch is durable as a whole).
    public static let flagBatchEnd: UInt8 = 0x01
    /// The largest entry a frame may carry.
    public static let maxEntryBytes = EntryFormat.maxBodyBytes + 4096

    /// The length of the frame of an entry of `entryByteCount` canonical bytes: header, entry, hash.
    public static func size(entryByteCount: Int) -> Int { headerSize + entryByteCount + trailerSize }

    /// Frames one entry: header, canonical bytes, entry hash (`size(entryByteCount:)` bytes).
    public static func encode(canonicalBytes: [UInt8], hash: [UInt8], batchEnd: Bool, into out: inout [UInt8]) {
        var writer = ByteWriter(capacity: headerSize)
        writer.u32(magic)
        writer.u8(batchEnd ? flagBatchEnd : 0)
        writer.u32(UInt32(canonicalBytes.count))
        out += writer.bytes
        out += canonicalBytes
        out += hash
    }

    /// What `parse` found at a position in a buffer.
    public enum Parsed: Sendable, Equatable {
        /// A whole frame: the entry's byte range within the buffer, its stored hash's range, flags, and the frame's total length.
        case frame(entry: Range<Int>, storedHash: Range<Int>, flags: UInt8, length: Int)
        /// The buffer ends inside a frame; `needed` bytes would complete the header or frame.
        case incomplete(needed: Int)
        /// The bytes at this position are not a frame.
        case malformed(reason: String)
    }

    /// Parses the frame starting at `offset` in `buffer` without copying.
    public static func parse(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> Parsed {
        let available = buffer.count - offset
        guard available >= headerSize else { return .incomplete(needed: headerSize) }
        let foundMagic = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(buffer[offset + $1]) }
        guard foundMagic == magic else {
            return .malformed(reason: "frame magic is 0x\(String(foundMagic, radix: 16)), expected 0x434c4652 (\"CLFR\")")
        }
        let flags = buffer[offset + 4]
        guard flags & ~flagBatchEnd == 0 else { return .malformed(reason: "unknown frame flags 0x\(String(flags, radix: 16))") }
        let length = Int((5..<9).reduce(UInt32(0)) { $0 << 8 | UInt32(buffer[offset + $1]) })
        guard length <= maxEntryBytes else { return .malformed(reason: "entry length \(length) exceeds the limit of \(maxEntryBytes) bytes") }
        let total = size(entryByteCount: length)
        guard available >= total else { return .incomplete(needed: total) }
        let entryStart = offset + headerSize
        return .frame(entry: entryStart..<entryStart + length,
                      storedHash: entryStart + length..<entryStart + length + trailerSize,
                      flags: flags, length: total)
    }
}

/// The header at the start of every segment file.
public enum SegmentHeader {
    /// `CLSEGv1\n`.
    public static let magic: [UInt8] = Array("CLSEGv1\n".utf8)
    /// Magic (8) and the first sequence number (8).
    public static let size = 16

    /// The header of a segment whose first entry is `firstSeq`.
    public static func encode(firstSeq: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: size)
        writer.raw(magic)
        writer.u64(firstSeq)
        return writer.bytes
    }

    /// The first sequence number recorded in a header, or a reason it is not a header.
    public static func decode(_ bytes: [UInt8]) -> Result<UInt64, DecodeError> {
        guard bytes.count >= size else {
            return .failure(DecodeError(field: "segment header", reason: "file is \(bytes.count) bytes, shorter than the 16-byte header"))
        }
        guard Array(bytes.prefix(8)) == magic else {
            return .failure(DecodeError(field: "segment header", reason: "magic is not \"CLSEGv1\\n\""))
        }
        return .success(bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
}
