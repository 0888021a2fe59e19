import LedgerFormat
#if canImport(Glibc)
import Glibc
#endif

/// Read-only access to a ledger's entries; never takes the writer lock, so it never blocks or is blocked.
public struct LedgerReader: Sendable {
    public let layout: StoreLayout

    public init(layout: StoreLayout) throws {
        guard layout.exists else { throw StoreError.noLedger(directory: layout.directory) }
        self.layout = layout
    }

    /// The entry with sequence number `seq` and its stored hash, or nil when the log does not hold it.
    public func entry(_ seq: UInt64) throws -> AppendedEntry? {
        var found: AppendedEntry?
        var failure: Error?
        try SegmentScanner(layout: layout).scan(fromSeq: seq, onProblem: { _ in }, onFrame: { frame in
            do {
                let entry = try Entry(canonicalBytes: frame.entryBytes)
                guard entry.seq >= seq else { return true }
                if entry.seq == seq { found = AppendedEntry(entry: entry, hash: Array(frame.storedHash), location: frame.location) }
                return false
            } catch {
                failure = error
                return false
            }
        })
        if let failure { throw failure }
        return found
    }

    /// Calls `body` for each entry from `fromSeq` on, in log order, until it returns false.
    ///
    /// Damage is not skipped: an undecodable entry or frame, or a segment header that is wrong, throws
    /// `StoreError.damaged` naming where (an incomplete frame at the end of the last segment, a write in
    /// progress, is not damage). Run `Verifier` to see every finding.
    public func forEach(fromSeq: UInt64 = 0, _ body: (AppendedEntry) throws -> Bool) throws {
        let segments = try layout.segments()
        var lastSeq: UInt64?
        try SegmentScanner(layout: layout).scan(fromSeq: fromSeq, onProblem: { problem in
            try Self.check(problem, next: lastSeq.map { $0 + 1 } ?? fromSeq, lastSegment: segments.last?.name)
        }, onFrame: { frame in
            let entry: Entry
            do throws(DecodeError) { entry = try Entry(canonicalBytes: frame.entryBytes) } catch {
                throw Self.undecodable(error, next: lastSeq.map { $0 + 1 } ?? fromSeq, segment: frame.segment.name, offset: frame.offset)
            }
            lastSeq = entry.seq
            guard entry.seq >= fromSeq else { return true }
            return try body(AppendedEntry(entry: entry, hash: Array(frame.storedHash), location: frame.location))
        })
    }

    /// Like `forEach`, with each entry decoded and `prepare` run on it on worker threads (up to `2 × workers`
    /// batches ahead), the results handed to `body` in log order; the same errors at the same places.
    public func forEachPrepared<Prepared: Sendable>(fromSeq: UInt64 = 0, workers: Int, prepare: @escaping @Sendable (AppendedEntry) -> Prepared,
                                                    _ body: (AppendedEntry, Prepared) throws -> Bool) throws {
        let map = OrderedParallelMap<ReadItem, PreparedRead<Prepared>>(workers: workers) { item in
            switch item {
            case .problem(let problem):
                return .problem(problem)
            case .frame(let bytes, let hash, let location, let segment, let offset):
                do throws(DecodeError) {
                    let appended = AppendedEntry(entry: try Entry(canonicalBytes: bytes), hash: hash, location: location)
                    guard appended.entry.seq >= fromSeq else { return .before(appended.entry.seq) }
                    return .entry(appended, prepare(appended))
                } catch {
                    return .undecodable(error, segment: segment, offset: offset)
                }
            }
        }
        let segments = try layout.segments()
        var lastSeq: UInt64?
        var stopped = false
        func consume(_ output: PreparedRead<Prepared>) throws {
            guard !stopped else { return }
            switch output {
            case .problem(let problem):
                try Self.check(problem, next: lastSeq.map { $0 + 1 } ?? fromSeq, lastSegment: segments.last?.name)
            case .undecodable(let error, let segment, let offset):
                throw Self.undecodable(error, next: lastSeq.map { $0 + 1 } ?? fromSeq, segment: segment, offset: offset)
            case .before(let seq):
                lastSeq = seq
            case .entry(let appended, let prepared):
                lastSeq = appended.entry.seq
                stopped = try !body(appended, prepared)
            }
        }
        try SegmentScanner(layout: layout).scan(fromSeq: fromSeq, onProblem: { problem in
            try map.submit(.problem(problem), consume: consume)
        }, onFrame: { frame in
            guard !stopped else { return false }
            try map.submit(.frame(bytes: Array(frame.entryBytes), hash: Array(frame.storedHash), location: frame.location,
                                  segment: frame.segment.name, offset: frame.offset), consume: consume)
            return !stopped
        })
        try map.finish(consume: consume)
    }

    /// Throws for damage the scanner found (an incomplete frame at the end of the last segment is a write in
    /// progress, not damage); `next` is the entry expected there.
    static func check(_ problem: ScanProblem, next: UInt64, lastSegment: String?) throws {
        switch problem {
        case .incompleteTail(let segment, _, _) where segment == lastSegment:
            return
        case .incompleteTail(let segment, let offset, _), .malformedFrame(let segment, let offset, _):
            throw StoreError.damaged(seq: next, segment: segment, offset: offset, reason: "\(problem)")
        case .badHeader(let segment, _):
            throw StoreError.damaged(seq: next, segment: segment, offset: 0, reason: "\(problem)")
        }
    }

    static func undecodable(_ error: DecodeError, next: UInt64, segment: String, offset: Int) -> StoreError {
        StoreError.damaged(seq: next, segment: segment, offset: offset, reason: "entry does not decode: \(error)")
    }
}

/// A frame copied out of the scanner's buffer, or damage between frames (`forEachPrepared`).
private enum ReadItem: Sendable {
    case frame(bytes: [UInt8], hash: [UInt8], location: FrameLocation, segment: String, offset: Int)
    case problem(ScanProblem)
}

/// A `ReadItem` decoded and prepared on a worker thread.
private enum PreparedRead<Prepared: Sendable>: Sendable {
    case entry(AppendedEntry, Prepared)
    /// An entry before the first one asked for: decoded for its sequence number only.
    case before(UInt64)
    case undecodable(DecodeError, segment: String, offset: Int)
    case problem(ScanProblem)
}

extension ScannedFrame {
    /// Where this frame lives.
    public var location: FrameLocation { FrameLocation(segment: segment.nameSeq, offset: offset, length: length) }
}

extension LedgerReader {
    /// The entry at `location` (one positioned read, no scan), checked against its stored hash's framing.
    public func entry(at location: FrameLocation) throws -> AppendedEntry {
        let path = layout.logDirectory + "/" + StoreLayout.segmentName(firstSeq: location.segment)
        let fd = try POSIX.open(path, O_RDONLY)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: location.length)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, location.length, off_t(location.offset)) }
        guard count == location.length else {
            throw StoreError.damaged(seq: 0, segment: StoreLayout.segmentName(firstSeq: location.segment), offset: location.offset,
                                     reason: "the frame the index points to is not there (read \(count) of \(location.length) bytes)")
        }
        let parsed: AppendedEntry? = try buffer.withUnsafeBytes { raw in
            guard case .frame(let entryRange, let hashRange, _, _) = Frame.parse(raw, at: 0) else { return nil }
            let entry = try Entry(canonicalBytes: UnsafeRawBufferPointer(rebasing: raw[entryRange]))
            return AppendedEntry(entry: entry, hash: Array(raw[hashRange]), location: location)
        }
        guard let parsed else {
            throw StoreError.damaged(seq: 0, segment: StoreLayout.segmentName(firstSeq: location.segment), offset: location.offset,
                                     reason: "the bytes the index points to are not a frame")
        }
        return parsed
    }
}

extension LedgerReader {
    /// The number of entries: the last entry's sequence number + 1 (reads the last segment only).
    public func count() throws -> UInt64 {
        var last: UInt64?
        try SegmentScanner(layout: layout).scan(fromSeq: (try layout.segments().last?.nameSeq) ?? 0, onProblem: { _ in }, onFrame: { frame in
            if let entry = try? Entry(canonicalBytes: frame.entryBytes) { last = entry.seq }
            return true
        })
        return last.map { $0 + 1 } ?? 0
    }
}
