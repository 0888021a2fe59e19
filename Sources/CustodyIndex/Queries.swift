import Custody
import Foundation
import GRDB
import LedgerStore

/// One entry that touched a unit, as the index records it, with the unit's state after it.
public struct IndexedEvent: Sendable, Hashable {
    public var seq: UInt64
    /// The container named in the entry through which it reached the unit, or nil when it named the unit.
    public var via: UnitID?
    public var owner: String
    public var possessor: String?
    public var state: String
    public var parent: UnitID?
    public var type: String
    public var location: FrameLocation
}

/// A stay of a child in a parent: from the packing entry to the unpacking entry (nil while still inside).
public struct ContainmentInterval: Sendable, Hashable {
    public var parent: UnitID
    public var child: UnitID
    public var fromSeq: UInt64
    public var toSeq: UInt64?

    /// An interval from the packing entry `fromSeq` to the unpacking entry `toSeq` (nil while still inside).
    public init(parent: UnitID, child: UnitID, fromSeq: UInt64, toSeq: UInt64?) {
        self.parent = parent
        self.child = child
        self.fromSeq = fromSeq
        self.toSeq = toSeq
    }
}

/// Where one unit stands now (for lot and holdings answers).
public struct UnitSummary: Sendable, Hashable {
    public var id: UnitID
    public var owner: String
    public var possessor: String?
    public var state: String
    public var parent: UnitID?
    public var gtin: String?
    public var lot: String?
    public var expiry: String?
}

/// Container keys read while answering one query, parsed once each (a unit's events name the same few).
private struct ContainerKeys {
    var parsed: [String: UnitID] = [:]

    mutating func parse(_ key: String?) throws -> UnitID? {
        guard let key else { return nil }
        return try parse(key)
    }

    mutating func parse(_ key: String) throws -> UnitID {
        if let known = parsed[key] { return known }
        let id = try UnitID(canonical: key)
        parsed[key] = id
        return id
    }
}

extension CustodyIndex {
    /// Every entry that touched `unit`, directly or through a container it was in, in ledger order.
    public func events(of unit: UnitID) throws -> [IndexedEvent] {
        // One cached statement: no SQL compiled per lookup, one B-tree descent per table touched. A single
        // SELECT reads one snapshot by itself, so no BEGIN/COMMIT around it (`unsafeRead`): two statements fewer.
        // Columns are read through SQLite's C API, by position in the SELECT's order.
        try pool.unsafeRead { db in
            let raw = RawStatement(try db.cachedStatement(sql: """
                SELECT e.seq, v.key AS via, e.owner, e.possessor, e.state, p.key AS parent, x.type, x.segment, x.offset, x.length
                FROM unit_events e JOIN entries x ON x.seq = e.seq
                LEFT JOIN units v ON v.id = e.via LEFT JOIN units p ON p.id = e.parent
                WHERE e.unit = (SELECT id FROM units WHERE key = ?) ORDER BY e.seq
                """).sqliteStatement)
            raw.start(unit.canonical)
            defer { raw.reset() }
            var containers = ContainerKeys()
            var events: [IndexedEvent] = []
            while try raw.next() {
                guard let seq = raw.int64(0), let owner = raw.int64(2), let state = raw.text(4), let type = raw.text(6),
                      let segment = raw.int64(7), let offset = raw.int64(8), let length = raw.int64(9) else {
                    throw IndexError("an event of \(unit) lacks its entry, owner or state")
                }
                events.append(IndexedEvent(seq: UInt64(seq), via: try containers.parse(raw.text(1)), owner: try gln(owner, db),
                                           possessor: try raw.int64(3).map { try gln($0, db) }, state: state,
                                           parent: try containers.parse(raw.text(5)), type: type,
                                           location: FrameLocation(segment: UInt64(segment), offset: Int(offset), length: Int(length))))
            }
            return events
        }
    }

    /// The containers `unit` has been in, in order.
    public func parents(of unit: UnitID) throws -> [ContainmentInterval] {
        try containment(sql: """
            SELECT p.key AS parent, c.key AS child, k.from_seq, k.to_seq FROM containment k
            JOIN units c ON c.id = k.child JOIN units p ON p.id = k.parent
            WHERE k.child = (SELECT id FROM units WHERE key = ?) ORDER BY k.from_seq
            """, unit)
    }

    /// Everything that has been inside `container`, in order of packing.
    public func contents(of container: UnitID) throws -> [ContainmentInterval] {
        try containment(sql: """
            SELECT p.key AS parent, c.key AS child, k.from_seq, k.to_seq FROM containment k
            JOIN units c ON c.id = k.child JOIN units p ON p.id = k.parent
            WHERE k.parent = (SELECT id FROM units WHERE key = ?) ORDER BY k.from_seq, c.key
            """, container)
    }

    /// Containment intervals from `sql`, one SELECT of parent, child, from_seq, to_seq (one snapshot by itself:
    /// no transaction around it; columns read through SQLite's C API).
    private func containment(sql: String, _ unit: UnitID) throws -> [ContainmentInterval] {
        try pool.unsafeRead { db in
            let raw = RawStatement(try db.cachedStatement(sql: sql).sqliteStatement)
            raw.start(unit.canonical)
            defer { raw.reset() }
            var keys = ContainerKeys()
            var intervals: [ContainmentInterval] = []
            while try raw.next() {
                guard let parent = raw.text(0), let child = raw.text(1), let from = raw.int64(2) else {
                    throw IndexError("a containment interval of \(unit) lacks its parent, child or start")
                }
                intervals.append(ContainmentInterval(parent: try keys.parse(parent), child: try keys.parse(child), fromSeq: UInt64(from),
                                                     toSeq: raw.int64(3).map(UInt64.init)))
            }
            return intervals
        }
    }

    private static let summarySQL = """
        SELECT u.key, u.owner, u.possessor, u.state, p.key AS parent, l.gtin, l.lot, l.expiry
        FROM units u LEFT JOIN units p ON p.id = u.parent LEFT JOIN lots l ON l.commission_seq = u.lot
        """

    private func summaries(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [UnitSummary] {
        try Row.fetchAll(db, sql: Self.summarySQL + sql, arguments: arguments).map { row in
            UnitSummary(id: try UnitID(canonical: row["key"]), owner: try gln(row["owner"], db),
                        possessor: try (row["possessor"] as Int64?).map { try gln($0, db) }, state: row["state"],
                        parent: try (row["parent"] as String?).map { try UnitID(canonical: $0) },
                        gtin: row["gtin"], lot: row["lot"], expiry: row["expiry"])
        }
    }

    /// Every serial of lot `lot` of `gtin` and where it stands now (a recall's first question).
    public func lot(gtin: String, lot: String) throws -> [UnitSummary] {
        try pool.read { db in
            try summaries(db, " WHERE u.lot IN (SELECT commission_seq FROM lots WHERE gtin = ? AND lot = ?) ORDER BY u.key", [gtin, lot])
        }
    }

    /// For every serial of lot `lot` of `gtin`, the sequence number of the latest entry that touched it (the one
    /// its current owner, holder and state come from), keyed by the unit's canonical key. One query for the lot.
    public func latestEventSeqs(gtin: String, lot: String) throws -> [String: UInt64] {
        try pool.read { db in
            var out: [String: UInt64] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT u.key, (SELECT max(e.seq) FROM unit_events e WHERE e.unit = u.id) AS seq FROM units u
                WHERE u.lot IN (SELECT commission_seq FROM lots WHERE gtin = ? AND lot = ?)
                """, arguments: [gtin, lot]) {
                if let seq = row["seq"] as Int64? { out[row["key"]] = UInt64(seq) }
            }
            return out
        }
    }

    /// The entries that commissioned lot `lot` of `gtin`.
    public func commissionSeqs(gtin: String, lot: String) throws -> [UInt64] {
        try pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT commission_seq FROM lots WHERE gtin = ? AND lot = ? ORDER BY commission_seq",
                               arguments: [gtin, lot]).map(UInt64.init)
        }
    }

    /// What `gln` owns and what it holds now (decommissioned units excluded).
    public func holdings(gln: String) throws -> (owned: [UnitSummary], held: [UnitSummary]) {
        try pool.read { db in
            guard let party = try Int64.fetchOne(db, sql: "SELECT id FROM parties WHERE gln = ?", arguments: [gln]) else { return ([], []) }
            let live = " AND u.status_seq IS NULL ORDER BY u.key"
            return (try summaries(db, " WHERE u.owner = ?" + live, [party]), try summaries(db, " WHERE u.possessor = ?" + live, [party]))
        }
    }

    /// Sizes for reports: units, unit events, entries, and the file's bytes (with its WAL).
    public func statistics() throws -> (units: Int, events: Int, entries: Int, bytes: Int) {
        let counts = try pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM units") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM unit_events") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0)
        }
        var bytes = 0
        for suffix in ["", "-wal"] {
            var info = stat()
            if stat(path + suffix, &info) == 0 { bytes += Int(info.st_size) }
        }
        return (counts.0, counts.1, counts.2, bytes)
    }

    /// Every unit's current record, in key order, for comparing the index with a replay of the log (read a page
    /// of keys at a time: memory does not grow with the index).
    public func allUnits(_ body: (UnitRecord) throws -> Void) throws {
        var after = ""
        while true {
            let keys = try pool.read { db in
                try String.fetchAll(db, sql: "SELECT key FROM units WHERE key > ? ORDER BY key LIMIT \(Self.pageSize)", arguments: [after])
            }
            for key in keys {
                let id = try UnitID(canonical: key)
                guard let record = unit(id) else { throw IndexError("unit \(key) vanished while reading") }
                try body(record)
            }
            guard keys.count == Self.pageSize, let last = keys.last else { return }
            after = last
        }
    }

    /// Rows read at a time by the audit's scans.
    public static let pageSize = 4096

    /// Whether the index holds identifier `id`.
    public func contains(_ id: UnitID) throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM units WHERE key = ?)", arguments: [id.canonical]) ?? false }
    }

    /// Up to `limit` of the entries the index knows from sequence number `seq` on: sequence number and hash, in order.
    public func entries(from seq: UInt64, limit: Int) throws -> [(seq: UInt64, hash: [UInt8])] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, hash FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?", arguments: [Int64(bitPattern: seq), limit])
                .map { (UInt64($0["seq"] as Int64), [UInt8]($0["hash"] as Data)) }
        }
    }

    /// The entry that keeps each of `hashes` (CBV 2.0 event hash IDs) as its EPCIS event, the latest when
    /// several do; hashes no entry keeps are absent.
    public func recordedEvents(_ hashes: Set<String>) throws -> [String: UInt64] {
        try pool.read { db in
            var found: [String: UInt64] = [:]
            for hash in hashes {
                if let seq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM epcis_events WHERE hash = ?", arguments: [hash]) {
                    found[hash] = UInt64(seq)
                }
            }
            return found
        }
    }

    /// Every entry that keeps an EPCIS event with its hash, in entry order.
    /// Up to `limit` recorded events after `after` in (entry, event hash) order: the index's list a page at a time.
    public func epcisEvents(after: EPCISEventRecord?, limit: Int) throws -> [EPCISEventRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT hash, seq FROM epcis_events WHERE (seq, hash) > (?, ?) ORDER BY seq, hash LIMIT ?",
                             arguments: [Int64(after?.seq ?? 0), after?.eventHash ?? "", limit]).map {
                EPCISEventRecord(eventHash: $0["hash"], seq: UInt64($0["seq"] as Int64))
            }
        }
    }

    /// The open shipments the index holds, by hash.
    public func allShipments() throws -> [String: OpenShipment] {
        let hashes = try pool.read { db in try String.fetchAll(db, sql: "SELECT hash FROM shipments") }
        var out: [String: OpenShipment] = [:]
        for hash in hashes { out[hash] = shipment(hash) }
        return out
    }
}

extension CustodyIndex {
    /// Runs raw SQL against the index (maintenance and tests; the index is derived state).
    public func execute(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: sql, arguments: arguments) }
    }
}
