import LedgerFormat

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
                if entry.seq == seq { found = AppendedEntry(entry: entry, hash: Array(frame.storedHash)) }
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
            let next = lastSeq.map { $0 + 1 } ?? fromSeq
            switch problem {
            case .incompleteTail(let segment, _, _) where segment == segments.last?.name:
                return
            case .incompleteTail(let segment, let offset, _), .malformedFrame(let segment, let offset, _):
                throw StoreError.damaged(seq: next, segment: segment, offset: offset, reason: "\(problem)")
            case .badHeader(let segment, _):
                throw StoreError.damaged(seq: next, segment: segment, offset: 0, reason: "\(problem)")
            }
        }, onFrame: { frame in
            let entry: Entry
            do { entry = try Entry(canonicalBytes: frame.entryBytes) } catch {
                throw StoreError.damaged(seq: lastSeq.map { $0 + 1 } ?? fromSeq, segment: frame.segment.name, offset: frame.offset,
                                         reason: "entry does not decode: \(error)")
            }
            lastSeq = entry.seq
            guard entry.seq >= fromSeq else { return true }
            return try body(AppendedEntry(entry: entry, hash: Array(frame.storedHash)))
        })
    }
}
