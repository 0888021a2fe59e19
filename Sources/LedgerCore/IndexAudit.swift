import Custody
import CustodyIndex
import LedgerCrypto
import LedgerFormat
import LedgerStore
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
    public static func differences(layout: StoreLayout, max: Int = 100) throws -> [Difference] {
        let path = CustodyIndex.path(in: layout)
        guard POSIXFile.exists(path) else { return [Difference(reason: "the index file \(path) is missing")] }
        let index = try CustodyIndex(path: path)
        var found: [Difference] = []
        func add(_ difference: Difference) { if found.count < max { found.append(difference) } }
        let (_, replayed) = try Ledger.replay(layout: layout, trustAnchor: nil)
        var logEntries: [UInt64: [UInt8]] = [:]
        var logEvents = Set<EPCISEventRecord>()
        try LedgerReader(layout: layout).forEach { appended in
            logEntries[appended.entry.seq] = appended.hash
            let submission = appended.entry.submission
            if let body = try? CustodyBody.parse(type: submission.bodyType, body: submission.body), let eventHash = body.epcis?.eventHash {
                logEvents.insert(EPCISEventRecord(eventHash: eventHash, seq: appended.entry.seq))
            }
            return true
        }
        let indexed = try index.allEntries()
        var seen = Set<UInt64>()
        for (seq, hash) in indexed {
            seen.insert(seq)
            guard let logHash = logEntries[seq] else {
                add(Difference(seq: seq, reason: "the index has an entry the log does not"))
                continue
            }
            if logHash != hash { add(Difference(seq: seq, reason: "the index records hash \(Hex.encode(hash)), the log \(Hex.encode(logHash))")) }
        }
        for seq in logEntries.keys.sorted() where !seen.contains(seq) {
            add(Difference(seq: seq, reason: "the log's entry is not in the index (the index is behind; a writer catches it up)"))
        }
        var indexedUnits = Set<UnitID>()
        try index.allUnits { record in
            indexedUnits.insert(record.id)
            guard let expected = replayed.units[record.id] else {
                add(Difference(unit: record.id.canonical, reason: "the index has an identifier no entry created"))
                return
            }
            if expected != record { add(Difference(unit: record.id.canonical, reason: describe(expected: expected, indexed: record))) }
        }
        for id in replayed.units.keys.sorted() where !indexedUnits.contains(id) {
            add(Difference(unit: id.canonical, reason: "the identifier is missing from the index"))
        }
        if try index.allShipments() != replayed.shipments {
            add(Difference(reason: "the index's open shipments differ from the log's"))
        }
        let indexedEvents = try index.allEPCISEvents()
        for record in indexedEvents where !logEvents.contains(record) {
            add(Difference(seq: record.seq, reason: "the index says the entry keeps EPCIS event \(record.eventHash); the log's entry does not"))
        }
        for record in logEvents.subtracting(indexedEvents).sorted(by: { $0.seq < $1.seq }) {
            add(Difference(seq: record.seq, reason: "the entry keeps EPCIS event \(record.eventHash), which the index does not list"))
        }
        return found
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
