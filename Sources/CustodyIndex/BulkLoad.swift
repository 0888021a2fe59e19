import Custody
import Foundation
import GRDB
import GRDBSQLite
import LedgerCrypto
import LedgerFormat
import LedgerStore
import Synchronization

/// Loads an empty index from a replay held in memory: entries and unit events are streamed in as the log is
/// replayed, and the units' final state is written once at the end. Used to rebuild an index from scratch,
/// where looking units up in SQLite one by one would cost far more than keeping the replay in memory.
public final class BulkLoader {
    let index: CustodyIndex
    private var unitIDs: [UnitID: Int64] = [:]
    /// The open stay of each contained unit: its container's id and the entry that packed it.
    private var openStays: [Int64: (parent: Int64, from: UInt64)] = [:]

    /// Starts loading `index`, which must be empty.
    public init(index: CustodyIndex) throws {
        self.index = index
        guard try index.indexedHead() == nil else { throw IndexError("a bulk load needs an empty index") }
        // Created again, each in one sort, by `finish` (and by the next open should the load not finish).
        try index.pool.write { db in
            // Until `finish` removes it, this row says the index is incomplete: a load cut short (a crash, Ctrl-C)
            // leaves `entries` rows without their units and events, and the next open must rebuild, not catch up.
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", arguments: [CustodyIndex.bulkLoadingKey])
            for secondary in CustodyIndex.secondaryIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(secondary.name)") }
            // Unit events go straight into `unit_events` in log order, on the pipeline's writer thread: landing
            // in a B-tree keyed by unit costs that thread more than appending to a scratch table would, but spares
            // the replay's thread a sorted copy of every event at the end, which nothing else could overlap.
        }
    }

    /// The last `via` and `parent` looked up: consecutive events mostly name the same containers.
    private var lastVia: (unit: UnitID, id: Int64)?
    private var lastParent: (unit: UnitID, id: Int64)?

    private func id(_ unit: UnitID) -> Int64 {
        if let id = unitIDs[unit] { return id }
        let id = Int64(unitIDs.count + 1)
        unitIDs[unit] = id
        return id
    }

    /// The last owner and possessor looked up (a handful of parties, mostly the same from one event to the next).
    private var lastOwner: (gln: String, id: Int64)?
    private var lastPossessor: (gln: String, id: Int64)?

    private func party(_ gln: String, _ last: inout (gln: String, id: Int64)?, _ db: Database) throws -> Int64 {
        if let last, last.gln == gln { return last.id }
        let found = try index.party(gln, db)
        last = (gln, found)
        return found
    }

    private func containerID(_ unit: UnitID, _ last: inout (unit: UnitID, id: Int64)?) -> Int64 {
        if let last, last.unit == unit { return last.id }
        let found = id(unit)
        last = (unit, found)
        return found
    }

    /// Streams in entries, the unit events and containment changes they made, and the EPCIS events they keep.
    public func load(entries: [AppendedEntry], events: [UnitEvent], containment: [ContainmentChange], epcisEvents: [EPCISEventRecord] = []) throws {
        try index.pool.write { db in
            try CustodyIndex.insertEPCISEvents(epcisEvents, db)
            let insertEntry = try db.cachedStatement(sql: """
                INSERT INTO entries(seq, hash, type, signer, segment, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for appended in entries {
                let submission = appended.entry.submission
                try insertEntry.execute(arguments: [Int64(appended.entry.seq), Data(appended.hash), submission.bodyType, submission.signer,
                                                    Int64(appended.location.segment), appended.location.offset, appended.location.length])
            }
            // Several events of one unit in one entry: the last one stands, as in an incremental update.
            let insertEvent = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO unit_events(unit, seq, via, owner, possessor, state, parent) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            // Millions of rows: bind through SQLite's C API (GRDB's argument boxing costs more than the insert).
            let raw = RawStatement(insertEvent.sqliteStatement)
            for event in events {
                raw.reset()
                raw.bind(1, id(event.unit))
                raw.bind(2, Int64(event.seq))
                raw.bind(3, event.via.map { containerID($0, &lastVia) })
                raw.bind(4, try party(event.owner, &lastOwner, db))
                raw.bind(5, try event.possessor.map { try party($0, &lastPossessor, db) })
                raw.bind(6, event.state)
                raw.bind(7, event.parent.map { containerID($0, &lastParent) })
                try raw.step()
            }
            let insertStay = try db.cachedStatement(sql: "INSERT INTO containment(parent, from_seq, child, to_seq) VALUES (?, ?, ?, ?)")
            for change in containment {
                let child = id(change.child)
                if let open = openStays.removeValue(forKey: child) {
                    try insertStay.execute(arguments: [open.parent, Int64(open.from), child, Int64(change.seq)])
                }
                if let parent = change.parent { openStays[child] = (id(parent), change.seq) }
            }
        }
    }

    /// Writes every unit's final state, the stays still open, the open shipments; ends the load.
    public func finish(state: CustodyState) throws {
        try index.pool.write { db in
            let insertLot = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO lots(commission_seq, gtin, lot, expiry, product) VALUES (?, ?, ?, ?, ?)
                """)
            let insertUnit = try db.cachedStatement(sql: """
                INSERT INTO units(id, key, lot, created_seq, owner, possessor, shipment, parent, parent_since, state, status_seq,
                                  last_seller, owner_since)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            // In id order: the table grows at its end instead of taking rows all over its B-tree.
            let records = state.units.values.map { (id: id($0.id), record: $0) }.sorted { $0.id < $1.id }
            let raw = RawStatement(insertUnit.sqliteStatement)
            var lots = Set<UInt64>()
            for (rowID, record) in records {
                if let lot = record.lot, lots.insert(lot.commissionSeq).inserted {
                    try insertLot.execute(arguments: [Int64(lot.commissionSeq), lot.gtin, lot.lot, lot.expiry, lot.product.json.canonicalString])
                }
                var statusSeq: Int64?
                if case .decommissioned(_, let seq) = record.status { statusSeq = Int64(seq) }
                raw.reset()
                raw.bind(1, rowID)
                raw.bind(2, record.id.canonical)
                raw.bind(3, record.lot.map { Int64($0.commissionSeq) })
                raw.bind(4, Int64(record.createdSeq))
                raw.bind(5, try index.party(record.owner, db))
                raw.bind(6, try record.possessor.map { try index.party($0, db) })
                raw.bind(7, record.shipment)
                raw.bind(8, record.parent.map(id))
                raw.bind(9, record.parentSince.map(Int64.init))
                raw.bind(10, record.stateName)
                raw.bind(11, statusSeq)
                raw.bind(12, try record.lastSeller.map { try index.party($0, db) })
                raw.bind(13, Int64(record.ownerSince))
                try raw.step()
            }
            let insertStay = try db.cachedStatement(sql: "INSERT INTO containment(parent, from_seq, child, to_seq) VALUES (?, ?, ?, NULL)")
            for (child, stay) in openStays { try insertStay.execute(arguments: [stay.parent, Int64(stay.from), child]) }
            let insertShipment = try db.cachedStatement(sql: """
                INSERT INTO shipments(hash, seq, kind, from_party, to_party, items) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for shipment in state.shipments.values {
                try insertShipment.execute(arguments: [shipment.hash, Int64(shipment.seq), shipment.kind.rawValue, try index.party(shipment.from, db),
                                                       try index.party(shipment.to, db),
                                                       JSONValue.array(shipment.items.map { .string($0.canonical) }).canonicalString])
            }
            try CustodyIndex.createSecondaryIndexes(db)
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [CustodyIndex.bulkLoadingKey])
        }
        openStays = [:]
        unitIDs = [:]
    }
}

/// Runs a `BulkLoader` on a thread of its own, fed through a bounded queue: SQLite's inserts take one core
/// while the caller replays the log on the other.
///
/// At most `depth` batches are queued or being written at once, so memory stays bounded whatever the log's
/// size. An error of the writer thread surfaces at the next `load` or at `finish`, naming the entries of
/// the batch that failed; the batches after it are dropped unwritten. Until `finish` succeeds the index
/// keeps its `bulk-loading` mark, so a rebuild that fails or is cut short is rebuilt again on the next open.
/// One thread (the replay) calls `load`, then `finish` or `abandon`.
public final class BulkLoadPipeline: @unchecked Sendable {
    private struct Batch: Sendable {
        var entries: [AppendedEntry]
        var events: [UnitEvent]
        var containment: [ContainmentChange]
        var epcisEvents: [EPCISEventRecord]
    }

    private struct Queue {
        var batches: [Batch] = []
        var failure: IndexError?
    }

    /// Touched only by the writer thread until it has stopped (then by the caller, in `finish`).
    private let loader: BulkLoader
    private let queue = Mutex(Queue())
    /// Free places in the queue (a batch holds one from `load` until it is written).
    private let slots: DispatchSemaphore
    /// One signal per queued batch, and one for the close.
    private let ready = DispatchSemaphore(value: 0)
    /// Signalled once when the writer thread stops.
    private let stopped = DispatchSemaphore(value: 0)
    private var joined = false

    /// Starts loading `index`, which must be empty, with at most `depth` batches in flight.
    public init(index: CustodyIndex, depth: Int = 4) throws {
        precondition(depth > 0, "a pipeline needs room for one batch")
        loader = try BulkLoader(index: index)
        slots = DispatchSemaphore(value: depth)
        let thread = Thread { [self] in run() }
        thread.name = "index bulk load"
        thread.start()
    }

    /// Queues entries and the unit events and containment changes they made, waiting while the queue is full.
    /// Throws the writer thread's error if an earlier batch failed.
    public func load(entries: [AppendedEntry], events: [UnitEvent], containment: [ContainmentChange], epcisEvents: [EPCISEventRecord] = []) throws {
        if let failure = queue.withLock({ $0.failure }) { throw failure }
        slots.wait()
        queue.withLock { $0.batches.append(Batch(entries: entries, events: events, containment: containment, epcisEvents: epcisEvents)) }
        ready.signal()
    }

    /// Waits for every queued batch to be written, then writes the units' final state and ends the load
    /// (`BulkLoader.finish`). Throws the writer thread's error, if any batch failed.
    public func finish(state: CustodyState) throws {
        join()
        if let failure = queue.withLock({ $0.failure }) { throw failure }
        try loader.finish(state: state)
    }

    /// Stops the writer thread after the batches already queued, leaving the load unfinished (the index
    /// keeps its `bulk-loading` mark). For a replay that failed.
    public func abandon() { join() }

    private func join() {
        guard !joined else { return }
        joined = true
        ready.signal()  // the close: a wake-up with nothing queued
        stopped.wait()
    }

    private func run() {
        defer { stopped.signal() }
        while true {
            ready.wait()
            let next: Batch? = queue.withLock { queue in
                if queue.batches.isEmpty { return nil }
                return queue.batches.removeFirst()
            }
            // Woken with nothing queued: the close (every batch brings its own signal).
            guard let batch = next else { return }
            defer { slots.signal() }
            guard queue.withLock({ $0.failure == nil }) else { continue }
            do {
                try loader.load(entries: batch.entries, events: batch.events, containment: batch.containment, epcisEvents: batch.epcisEvents)
            } catch {
                let seqs = batch.entries.map(\.entry.seq)
                let which = seqs.isEmpty ? "a batch without entries" : "entries \(seqs.min()!)–\(seqs.max()!)"
                let why = (error as? DatabaseError)?.message ?? (error as? IndexError)?.reason ?? "\(error)"
                queue.withLock { $0.failure = IndexError("writing \(which) into the index failed: \(why)") }
            }
        }
    }
}
