import LedgerFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a data directory.
public struct StoreLayout: Sendable, Hashable {
    /// The data directory (`ledger-data/` by default).
    public let directory: String

    public init(directory: String) {
        var directory = directory
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        self.directory = directory
    }

    /// Segment files live here.
    public var logDirectory: String { directory + "/log" }
    /// The writer's lock file (holds the writer's pid).
    public var lockFile: String { directory + "/LOCK" }
    /// The last acknowledged entry: `seq hash-hex` (updated after every batch).
    public var headFile: String { directory + "/HEAD" }
    /// Torn tails cut off on recovery are kept here, never deleted.
    public var recoveredDirectory: String { directory + "/recovered" }

    /// The file name of the segment whose first entry is `firstSeq`: 20 decimal digits and `.seg`.
    public static func segmentName(firstSeq: UInt64) -> String {
        let digits = String(firstSeq)
        return String(repeating: "0", count: 20 - digits.count) + digits + ".seg"
    }

    /// The segments present, in order of first sequence number.
    public func segments() throws(StoreIOError) -> [SegmentFile] {
        guard POSIX.isDirectory(logDirectory) else { return [] }
        var found: [SegmentFile] = []
        for name in try POSIX.listDirectory(logDirectory) {
            guard name.hasSuffix(".seg"), name.count == 24, let first = UInt64(name.prefix(20)) else { continue }
            found.append(SegmentFile(path: logDirectory + "/" + name, nameSeq: first))
        }
        return found.sorted { $0.nameSeq < $1.nameSeq }
    }

    /// True when the directory holds a ledger (a log directory with at least one segment).
    public var exists: Bool { (try? segments().isEmpty == false) ?? false }
}

/// One segment file and the first sequence number its name gives.
public struct SegmentFile: Sendable, Hashable {
    public let path: String
    public let nameSeq: UInt64
    public var name: String { String(path.split(separator: "/").last ?? "") }
}

/// A frame as the scanner sees it; the buffers are valid only during the callback.
public struct ScannedFrame: ~Copyable {
    /// The entry's canonical bytes.
    public let entryBytes: UnsafeRawBufferPointer
    /// The entry hash stored in the frame trailer.
    public let storedHash: UnsafeRawBufferPointer
    /// Frame flags (bit 0: batch end).
    public let flags: UInt8
    /// The segment holding the frame.
    public let segment: SegmentFile
    /// Byte offset of the frame within the segment.
    public let offset: Int
    /// Frame length in bytes.
    public let length: Int
}

/// Something wrong with a segment's bytes, found while scanning (not about entry contents).
public enum ScanProblem: Sendable, Hashable, CustomStringConvertible {
    /// The segment header is missing or wrong, or disagrees with the file name.
    case badHeader(segment: String, reason: String)
    /// Bytes at `offset` are not a frame; the rest of the segment cannot be read.
    case malformedFrame(segment: String, offset: Int, reason: String)
    /// The segment ends inside a frame (or in zero bytes): `bytes` from `offset` are an incomplete tail.
    case incompleteTail(segment: String, offset: Int, bytes: Int)

    public var description: String {
        switch self {
        case .badHeader(let segment, let reason): "segment \(segment): bad header: \(reason)"
        case .malformedFrame(let segment, let offset, let reason): "segment \(segment) at byte \(offset): \(reason)"
        case .incompleteTail(let segment, let offset, let bytes): "segment \(segment) ends with \(bytes) bytes of an incomplete frame at byte \(offset)"
        }
    }
}

/// Reads segment files sequentially in large blocks, with no per-entry system call or copy.
public struct SegmentScanner {
    /// Read block size (8 MiB); a frame larger than a block grows the buffer.
    public static let blockSize = 8 << 20

    public let layout: StoreLayout

    public init(layout: StoreLayout) { self.layout = layout }

    /// Calls `onFrame` for each whole frame and `onProblem` for each framing problem, in file order.
    /// `onFrame` returns false to stop the scan. Segments before the one that can hold `fromSeq` are skipped.
    public func scan(fromSeq: UInt64 = 0,
                     onProblem: (ScanProblem) throws -> Void,
                     onFrame: (borrowing ScannedFrame) throws -> Bool) throws {
        var segments = try layout.segments()
        if fromSeq > 0, let start = segments.lastIndex(where: { $0.nameSeq <= fromSeq }) {
            segments.removeFirst(start)
        }
        for segment in segments {
            guard try scanSegment(segment, onProblem: onProblem, onFrame: onFrame) else { return }
        }
    }

    /// Scans one segment; returns false when `onFrame` asked to stop.
    public func scanSegment(_ segment: SegmentFile,
                            onProblem: (ScanProblem) throws -> Void,
                            onFrame: (borrowing ScannedFrame) throws -> Bool) throws -> Bool {
        let fd = try POSIX.open(segment.path, O_RDONLY)
        defer { close(fd) }
        var capacity = Self.blockSize
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        var consumed = 0
        var fileOffset = 0
        var atEOF = false

        func refill() throws {
            if consumed > 0 {
                let remaining = filled - consumed
                if remaining > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + consumed, byteCount: remaining) }
                fileOffset += consumed
                filled = remaining
                consumed = 0
            }
            while filled < capacity {
                let count = try POSIX.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), path: segment.path)
                if count == 0 { atEOF = true; break }
                filled += count
            }
        }

        try refill()
        let header = Array(buffer[0..<min(filled, SegmentHeader.size)])
        switch SegmentHeader.decode(header) {
        case .failure(let error):
            if filled < SegmentHeader.size, atEOF {
                try onProblem(.incompleteTail(segment: segment.name, offset: 0, bytes: filled))
            } else {
                try onProblem(.badHeader(segment: segment.name, reason: error.reason))
            }
            return true
        case .success(let first) where first != segment.nameSeq:
            try onProblem(.badHeader(segment: segment.name, reason: "header says first entry \(first), file name says \(segment.nameSeq)"))
            return true
        case .success:
            consumed = SegmentHeader.size
        }

        while true {
            if consumed == filled, atEOF { return true }
            let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            switch Frame.parse(view, at: consumed) {
            case .frame(let entry, let hash, let flags, let length):
                let frame = ScannedFrame(entryBytes: UnsafeRawBufferPointer(rebasing: view[entry]),
                                         storedHash: UnsafeRawBufferPointer(rebasing: view[hash]),
                                         flags: flags, segment: segment, offset: fileOffset + consumed, length: length)
                guard try onFrame(frame) else { return false }
                consumed += length
            case .incomplete(let needed):
                if atEOF {
                    try onProblem(.incompleteTail(segment: segment.name, offset: fileOffset + consumed, bytes: filled - consumed))
                    return true
                }
                if needed > capacity {
                    let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(needed, capacity * 2), alignment: 16)
                    grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
                    buffer.deallocate()
                    buffer = grown
                    capacity = grown.count
                }
                try refill()
            case .malformed(let reason):
                // Zero bytes from here to the end of the file are an incomplete tail (a torn write). The run may
                // be longer than a block: read on block by block, dropping the zeros already seen.
                let start = fileOffset + consumed
                var zeroBytes = 0
                while buffer[consumed..<filled].allSatisfy({ $0 == 0 }) {
                    zeroBytes += filled - consumed
                    if atEOF {
                        try onProblem(.incompleteTail(segment: segment.name, offset: start, bytes: zeroBytes))
                        return true
                    }
                    consumed = filled
                    try refill()
                }
                try onProblem(.malformedFrame(segment: segment.name, offset: start, reason: reason))
                return true
            }
        }
    }
}
