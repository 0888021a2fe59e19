import Custody
import CustodyIndex
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
#if canImport(Glibc)
import Glibc
#endif

/// Compares the custody index with the log it is derived from (`ledger verify --index`).
public enum IndexAudit {
    /// One disagreement between the index and the log.
    public struct Difference: Sendable, Hashable, CustomStringConvertible {
        /// The entry concerned, when there is one.
        public var seq: UInt64?
        /// The identifier concerned, when there is one.
        public var unit: String?
        public var reason: String
        public var description: String {
            [seq.map { "entry \($0)" }, unit].compactMap { $0 }.joined(separator: ", ") + (seq == nil && unit == nil ? "" : ": ") + reason
        }
    }

    /// Every disagreement (up to `max`) between the index file as it stands and a fresh replay of the log:
    /// entries (sequence numbers and hashes), every identifier's state, open shipments, and which entries keep
    /// which EPCIS events.
    ///
    /// The replay keeps to `replay` (nil: all in memory), spilling to a scratch file beyond it; the index is
    /// read a page at a time. Only the open shipments are held whole (goods in transit, not history).
    public static func differences(layout: StoreLayout, max: Int = 100, replay budget: ReplayBudget? = nil) throws -> [Difference] {
        let path = CustodyIndex.path(in: layout)
        guard POSIXFile.exists(path) else { return [Difference(reason: "the index file \(path) is missing")] }
        // Each record is read once here: within a budget, the index's caches (128 MiB of pages per connection and
        // 400,000 records by default) would only grow; they get what the replay's scratch file gets.
        let index = try CustodyIndex(path: path, cacheKiB: min(budget?.cacheKiB ?? .max, 131_072))
        if budget != nil { index.cacheLimit = CustodyIndex.pageSize }
        let budget = budget ?? ReplayBudget(overlayRecords: .max)
        var found: [Difference] = []
        func add(_ difference: Difference) { if found.count < max { found.append(difference) } }
        let replay = BoundedReplay(budget: budget)
        defer { replay.close() }
        var registry: Registry?
        var indexed = IndexedEntries(index: index)
        var indexedEvents = IndexedEvents(index: index)
        func extraEvent(_ record: EPCISEventRecord) {
            add(Difference(seq: record.seq, reason: "the index says the entry keeps EPCIS event \(record.eventHash); the log's entry does not"))
        }
        try LedgerReader(layout: layout).forEach { appended in
            try Ledger.replayEntry(appended, registry: &registry, custody: &replay.state, trustAnchor: nil)
            try replay.spillIfNeeded()
            let seq = appended.entry.seq
            while let extra = try indexed.next(before: seq) {
                add(Difference(seq: extra.seq, reason: "the index has an entry the log does not"))
            }
            if let hash = try indexed.take(seq) {
                if hash != appended.hash { add(Difference(seq: seq, reason: "the index records hash \(Hex.encode(hash)), the log \(Hex.encode(appended.hash))")) }
            } else {
                add(Difference(seq: seq, reason: "the log's entry is not in the index (the index is behind; a writer catches it up)"))
            }
            while let extra = try indexedEvents.next(before: seq) { extraEvent(extra) }
            var listed = Set(try indexedEvents.take(seq))
            let submission = appended.entry.submission
            if let body = try? CustodyBody.parse(type: submission.bodyType, body: submission.body), let eventHash = body.epcis?.eventHash,
               listed.remove(EPCISEventRecord(eventHash: eventHash, seq: seq)) == nil {
                add(Difference(seq: seq, reason: "the entry keeps EPCIS event \(eventHash), which the index does not list"))
            }
            for extra in listed.sorted(by: { $0.eventHash < $1.eventHash }) { extraEvent(extra) }
            return true
        }
        while let extra = try indexed.next(before: .max) {
            add(Difference(seq: extra.seq, reason: "the index has an entry the log does not"))
        }
        while let extra = try indexedEvents.next(before: .max) { extraEvent(extra) }
        try index.allUnits { record in
            guard let expected = replay.record(record.id) else {
                add(Difference(unit: record.id.canonical, reason: "the index has an identifier no entry created"))
                return
            }
            if expected != record { add(Difference(unit: record.id.canonical, reason: describe(expected: expected, indexed: record))) }
        }
        try replay.forEachUnit { id in
            if try !index.contains(id) { add(Difference(unit: id.canonical, reason: "the identifier is missing from the index")) }
        }
        if try index.allShipments() != replay.openShipments() {
            add(Difference(reason: "the index's open shipments differ from the log's"))
        }
        return found
    }

    /// The index's entries read a page at a time, in order, beside the log's.
    struct IndexedEntries {
        let index: CustodyIndex
        private var page: ArraySlice<(seq: UInt64, hash: [UInt8])> = []
        private var nextSeq: UInt64 = 0
        private var exhausted = false

        init(index: CustodyIndex) { self.index = index }

        private mutating func peek() throws -> (seq: UInt64, hash: [UInt8])? {
            if page.isEmpty, !exhausted {
                let read = try index.entries(from: nextSeq, limit: CustodyIndex.pageSize)
                if let last = read.last { nextSeq = last.seq + 1 } else { exhausted = true }
                page = read[...]
            }
            return page.first
        }

        /// The next indexed entry if it comes before `seq` (one the log does not have), else nil.
        mutating func next(before seq: UInt64) throws -> (seq: UInt64, hash: [UInt8])? {
            guard let first = try peek(), first.seq < seq else { return nil }
            return page.popFirst()
        }

        /// The indexed hash of entry `seq`, if the index's next entry is it.
        mutating func take(_ seq: UInt64) throws -> [UInt8]? {
            guard let first = try peek(), first.seq == seq else { return nil }
            return page.popFirst()?.hash
        }
    }

    /// The index's recorded EPCIS events read a page at a time, in entry order, beside the log's.
    struct IndexedEvents {
        let index: CustodyIndex
        private var page: ArraySlice<EPCISEventRecord> = []
        private var last: EPCISEventRecord?
        private var exhausted = false

        init(index: CustodyIndex) { self.index = index }

        private mutating func peek() throws -> EPCISEventRecord? {
            if page.isEmpty, !exhausted {
                let read = try index.epcisEvents(after: last, limit: CustodyIndex.pageSize)
                if let final = read.last { last = final } else { exhausted = true }
                page = read[...]
            }
            return page.first
        }

        /// The next recorded event if its entry comes before `seq`, else nil.
        mutating func next(before seq: UInt64) throws -> EPCISEventRecord? {
            guard let first = try peek(), first.seq < seq else { return nil }
            return page.popFirst()
        }

        /// Every recorded event of entry `seq`.
        mutating func take(_ seq: UInt64) throws -> [EPCISEventRecord] {
            var out: [EPCISEventRecord] = []
            while let first = try peek(), first.seq == seq { out.append(page.popFirst()!) }
            return out
        }
    }

    static func describe(expected: UnitRecord, indexed: UnitRecord) -> String {
        var parts: [String] = []
        if expected.owner != indexed.owner { parts.append("owner \(indexed.owner) in the index, \(expected.owner) in the log") }
        if expected.possessor != indexed.possessor { parts.append("holder \(indexed.possessor ?? "none") in the index, \(expected.possessor ?? "none") in the log") }
        if expected.stateName != indexed.stateName { parts.append("state \(indexed.stateName) in the index, \(expected.stateName) in the log") }
        if expected.parent != indexed.parent { parts.append("container \(indexed.parent?.canonical ?? "none") in the index, \(expected.parent?.canonical ?? "none") in the log") }
        if expected.children != indexed.children { parts.append("contents differ") }
        if expected.transfers != indexed.transfers { parts.append("transaction history differs") }
        return parts.isEmpty ? "the record differs from the log's" : parts.joined(separator: "; ")
    }
}

/// File existence without Foundation.
enum POSIXFile {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
