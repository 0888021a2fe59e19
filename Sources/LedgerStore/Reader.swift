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

    /// Calls `body` for each decodable entry from `fromSeq` on, in log order, until it returns false.
    public func forEach(fromSeq: UInt64 = 0, _ body: (AppendedEntry) throws -> Bool) throws {
        try SegmentScanner(layout: layout).scan(fromSeq: fromSeq, onProblem: { _ in }, onFrame: { frame in
            let entry = try Entry(canonicalBytes: frame.entryBytes)
            guard entry.seq >= fromSeq else { return true }
            return try body(AppendedEntry(entry: entry, hash: Array(frame.storedHash)))
        })
    }
}
