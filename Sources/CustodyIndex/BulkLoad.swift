import Custody
import Foundation
import GRDB
import GRDBSQLite
import LedgerCrypto
import LedgerFormat
import LedgerStore

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
    }

    private func id(_ unit: UnitID) -> Int64 {
        if let id = unitIDs[unit] { return id }
        let id = Int64(unitIDs.count + 1)
        unitIDs[unit] = id
        return id
    }

    /// Streams in entries and the unit events and containment changes they made.
    public func load(entries: [AppendedEntry], events: [UnitEvent], containment: [ContainmentChange]) throws {
        try index.pool.write { db in
            let insertEntry = try db.cachedStatement(sql: """
                INSERT INTO entries(seq, hash, type, signer, segment, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for appended in entries {
                let submission = appended.entry.submission
                try insertEntry.execute(arguments: [Int64(appended.entry.seq), Data(appended.hash), submission.bodyType, submission.signer,
                                                    Int64(appended.location.segment), appended.location.offset, appended.location.length])
            }
            let insertEvent = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO unit_events(unit, seq, via, owner, possessor, state, parent) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            // Millions of rows: bind through SQLite's C API (GRDB's argument boxing costs more than the insert).
            let raw = RawInsert(insertEvent.sqliteStatement)
            for event in events {
                try raw.run(id(event.unit), Int64(event.seq), event.via.map(id), try index.party(event.owner, db),
                            try event.possessor.map { try index.party($0, db) }, event.state, event.parent.map(id))
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
            var lots = Set<UInt64>()
            for record in state.units.values {
                if let lot = record.lot, lots.insert(lot.commissionSeq).inserted {
                    try insertLot.execute(arguments: [Int64(lot.commissionSeq), lot.gtin, lot.lot, lot.expiry, lot.product.json.canonicalString])
                }
                var statusSeq: Int64?
                if case .decommissioned(_, let seq) = record.status { statusSeq = Int64(seq) }
                try insertUnit.execute(arguments: [
                    id(record.id), record.id.canonical, record.lot.map { Int64($0.commissionSeq) }, Int64(record.createdSeq),
                    try index.party(record.owner, db), try record.possessor.map { try index.party($0, db) }, record.shipment,
                    record.parent.map(id), record.parentSince.map(Int64.init), record.stateName, statusSeq,
                    try record.lastSeller.map { try index.party($0, db) }, Int64(record.ownerSince),
                ])
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
        }
        openStays = [:]
        unitIDs = [:]
    }
}

/// Binds and steps one prepared INSERT of integer columns and one text column, with C calls only.
struct RawInsert {
    let statement: OpaquePointer
    init(_ statement: OpaquePointer) { self.statement = statement }

    /// `unit, seq, via, owner, possessor, state, parent` as in `unit_events`.
    func run(_ unit: Int64, _ seq: Int64, _ via: Int64?, _ owner: Int64, _ possessor: Int64?, _ state: String, _ parent: Int64?) throws {
        sqlite3_reset(statement)
        bind(1, unit)
        bind(2, seq)
        bind(3, via)
        bind(4, owner)
        bind(5, possessor)
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        _ = state.withCString { sqlite3_bind_text(statement, 6, $0, -1, transient) }
        bind(7, parent)
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw IndexError("insert failed: \(String(cString: sqlite3_errstr(code)))")
        }
    }

    private func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }
}
