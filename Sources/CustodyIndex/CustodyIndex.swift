import Custody
import Foundation
import GRDB
import LedgerCrypto
import LedgerFormat
import LedgerStore
import Synchronization

/// Why the index could not be read or written.
public struct IndexError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "index: \(reason)" }
}

/// The derived, persistent custody index (SQLite in WAL mode, through GRDB): per-unit current state,
/// every entry that touched each unit (directly or through a container), containment over time, open
/// shipments and where every entry's frame lies in the log.
///
/// It is never the source of truth: `Ledger` updates it after each durable append, catches it up from
/// `indexedSeq` after a crash, and `ledger index rebuild` recreates it from the log.
public final class CustodyIndex: CustodyBacking, @unchecked Sendable {
    /// The schema version recorded in `meta`; a different one means rebuild.
    public static let schemaVersion = "3"

    public let path: String
    let pool: DatabasePool
    private let partyCache = Mutex<[String: Int64]>([:])
    /// Records read or written recently, so rule checks do not query SQLite for units they just touched.
    /// Every change goes through `commit`, which refreshes it; it is emptied when it outgrows `cacheLimit`.
    /// A `UnitTable` (records in chunks under 8-byte slots) rather than a dictionary of records: about half the
    /// memory per record, and growing it copies no record.
    private let recordCache = Mutex<UnitTable>(UnitTable())
    /// The most records `recordCache` holds before it is emptied.
    public var cacheLimit = 400_000
    private let glnCache = Mutex<[Int64: String]>([:])

    /// The index file of a data directory.
    public static func path(in layout: StoreLayout) -> String { layout.directory + "/index.sqlite" }

    /// Opens (creating if needed) the index at `path`, with a page cache of 128 MiB per connection.
    public convenience init(path: String) throws {
        try self.init(path: path, cacheKiB: 131_072)
    }

    /// Opens (creating if needed) the index at `path`, with a page cache of `cacheKiB` KiB per connection
    /// (a scan that reads everything once, like the audit, wants a small one).
    public init(path: String, cacheKiB: Int) throws {
        self.path = path
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        let cacheKiB = max(64, cacheKiB)
        configuration.prepareDatabase { db in
            // Derived data: a large page cache keeps rebuilds and rule checks off the disk.
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in try Self.createSchema(db) }
        } catch let error as DatabaseError {
            throw IndexError("cannot open \(path): \(error.message ?? "\(error)")")
        }
    }

    /// Deletes an index file and its WAL companions.
    public static func remove(at path: String) {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }

    /// The indexes over `units` and `containment` besides their primary keys, by name. A bulk load drops them
    /// and creates them once at the end: one sort each instead of millions of random B-tree inserts.
    static let secondaryIndexes: [(name: String, create: String)] = [
        ("units_key", "CREATE UNIQUE INDEX IF NOT EXISTS units_key ON units(key)"),
        ("units_parent", "CREATE INDEX IF NOT EXISTS units_parent ON units(parent) WHERE parent IS NOT NULL"),
        ("units_lot", "CREATE INDEX IF NOT EXISTS units_lot ON units(lot)"),
        ("units_owner", "CREATE INDEX IF NOT EXISTS units_owner ON units(owner)"),
        ("units_possessor", "CREATE INDEX IF NOT EXISTS units_possessor ON units(possessor)"),
        ("containment_child", "CREATE INDEX IF NOT EXISTS containment_child ON containment(child, from_seq)"),
        // `verify --index` pages through recorded events in entry order.
        ("epcis_events_seq", "CREATE INDEX IF NOT EXISTS epcis_events_seq ON epcis_events(seq, hash)"),
    ]

    static func createSecondaryIndexes(_ db: Database) throws {
        for index in secondaryIndexes { try db.execute(sql: index.create) }
    }

    static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS parties (id INTEGER PRIMARY KEY, gln TEXT NOT NULL UNIQUE);
            CREATE TABLE IF NOT EXISTS entries (
                seq INTEGER PRIMARY KEY, hash BLOB NOT NULL, type TEXT NOT NULL, signer TEXT NOT NULL,
                segment INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS entries_operator ON entries(type) WHERE signer = 'operator';
            CREATE TABLE IF NOT EXISTS lots (
                commission_seq INTEGER PRIMARY KEY, gtin TEXT NOT NULL, lot TEXT NOT NULL, expiry TEXT NOT NULL, product TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS lots_gtin_lot ON lots(gtin, lot);
            CREATE TABLE IF NOT EXISTS units (
                id INTEGER PRIMARY KEY, key TEXT NOT NULL, lot INTEGER, created_seq INTEGER NOT NULL,
                owner INTEGER NOT NULL, possessor INTEGER, shipment TEXT, parent INTEGER, parent_since INTEGER,
                state TEXT NOT NULL, status_seq INTEGER, last_seller INTEGER, owner_since INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS unit_events (
                unit INTEGER NOT NULL, seq INTEGER NOT NULL, via INTEGER, owner INTEGER NOT NULL, possessor INTEGER,
                state TEXT NOT NULL, parent INTEGER, PRIMARY KEY (unit, seq)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS containment (
                parent INTEGER NOT NULL, from_seq INTEGER NOT NULL, child INTEGER NOT NULL, to_seq INTEGER,
                PRIMARY KEY (parent, from_seq, child)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS shipments (
                hash TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, from_party INTEGER NOT NULL,
                to_party INTEGER NOT NULL, items TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS epcis_events (hash TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (hash, seq)) WITHOUT ROWID;
            INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '\(schemaVersion)');
            """)
        let schema = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema'")
        guard schema == schemaVersion else {
            throw IndexError("schema version \(schema ?? "?") is not \(schemaVersion); run `ledger index rebuild`")
        }
        try createSecondaryIndexes(db)
    }

    /// Records which entries keep which EPCIS events (by CBV 2.0 event hash).
    static func insertEPCISEvents(_ records: [EPCISEventRecord], _ db: Database) throws {
        guard !records.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO epcis_events(hash, seq) VALUES (?, ?)")
        for record in records { try insert.execute(arguments: [record.eventHash, Int64(record.seq)]) }
    }

    // MARK: Progress

    /// The last entry the index reflects, or nil for an empty index.
    /// The `meta` key a bulk load sets when it starts and removes when it finishes.
    static let bulkLoadingKey = "bulk-loading"

    /// Whether a bulk load (a rebuild from scratch) began and never finished: the index is then incomplete
    /// and must be rebuilt, whatever its head says.
    public func bulkLoadInterrupted() throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM meta WHERE key = ?)", arguments: [Self.bulkLoadingKey]) ?? false }
    }

    public func indexedHead() throws -> (seq: UInt64, hash: [UInt8])? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1") else { return nil }
            return (UInt64(row["seq"] as Int64), [UInt8](row["hash"] as Data))
        }
    }

    /// Frame locations of the operator entries (registry changes), in order, up to the indexed head.
    public func operatorEntryLocations() throws -> [FrameLocation] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT segment, offset, length FROM entries WHERE signer = 'operator' ORDER BY seq").map {
                FrameLocation(segment: UInt64($0["segment"] as Int64), offset: $0["offset"], length: $0["length"])
            }
        }
    }

    /// Where entry `seq` lies in the log.
    public func location(of seq: UInt64) throws -> FrameLocation? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT segment, offset, length FROM entries WHERE seq = ?", arguments: [Int64(seq)]).map {
                FrameLocation(segment: UInt64($0["segment"] as Int64), offset: $0["offset"], length: $0["length"])
            }
        }
    }

    // MARK: Writing

    /// Records `entries` and the custody changes they made, in one transaction.
    ///
    /// `changes` is consumed: a part is released as soon as it is written (the unit events and containment
    /// changes before the record cache is refreshed), so a large batch's commit holds less at once.
    public func commit(entries: [AppendedEntry], changes: consuming CustodyState.Changes) throws {
        // Owned here alone (taken out of `changes`), so emptying them frees their storage.
        var events = changes.events
        var containment = changes.containment
        changes.events = []
        changes.containment = []
        let units = changes.units
        changes.units = []
        try pool.write { db in
            let insertEntry = try db.cachedStatement(sql: """
                INSERT INTO entries(seq, hash, type, signer, segment, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for appended in entries {
                let submission = appended.entry.submission
                try insertEntry.execute(arguments: [Int64(appended.entry.seq), Data(appended.hash), submission.bodyType, submission.signer,
                                                    Int64(appended.location.segment), appended.location.offset, appended.location.length])
            }
            let insertLot = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO lots(commission_seq, gtin, lot, expiry, product) VALUES (?, ?, ?, ?, ?)
                """)
            let upsertUnit = try db.cachedStatement(sql: """
                INSERT INTO units(key, lot, created_seq, owner, possessor, shipment, state, status_seq, last_seller, owner_since)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, possessor = excluded.possessor, shipment = excluded.shipment,
                    state = excluded.state, status_seq = excluded.status_seq, last_seller = excluded.last_seller,
                    owner_since = excluded.owner_since
                RETURNING id
                """)
            var ids: [UnitID: Int64] = [:]
            var lotsSeen = Set<UInt64>()
            for record in units {
                if let lot = record.lot, lotsSeen.insert(lot.commissionSeq).inserted {
                    try insertLot.execute(arguments: [Int64(lot.commissionSeq), lot.gtin, lot.lot, lot.expiry, lot.product.json.canonicalString])
                }
                var statusSeq: Int64?
                if case .decommissioned(_, let seq) = record.status { statusSeq = Int64(seq) }
                let id = try Int64.fetchOne(upsertUnit, arguments: [
                    record.id.canonical, record.lot.map { Int64($0.commissionSeq) }, Int64(record.createdSeq),
                    try party(record.owner, db), try record.possessor.map { try party($0, db) }, record.shipment, record.stateName,
                    statusSeq, try record.lastSeller.map { try party($0, db) }, Int64(record.ownerSince),
                ])!
                ids[record.id] = id
            }
            // Only packing, unpacking and decommissioning out of a container change a unit's container.
            let setParent = try db.cachedStatement(sql: "UPDATE units SET parent = ?, parent_since = ? WHERE id = ?")
            var moved = Set(containment.map(\.child))
            for record in units where moved.contains(record.id) {
                try setParent.execute(arguments: [try record.parent.map { try unitID($0, ids, db) }, record.parentSince.map(Int64.init), ids[record.id]!])
            }
            let insertEvent = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO unit_events(unit, seq, via, owner, possessor, state, parent) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            moved = []
            for event in events {
                try insertEvent.execute(arguments: [
                    try unitID(event.unit, ids, db), Int64(event.seq), try event.via.map { try unitID($0, ids, db) },
                    try party(event.owner, db), try event.possessor.map { try party($0, db) }, event.state,
                    try event.parent.map { try unitID($0, ids, db) },
                ])
            }
            let closeContainment = try db.cachedStatement(sql: "UPDATE containment SET to_seq = ? WHERE child = ? AND to_seq IS NULL")
            let openContainment = try db.cachedStatement(sql: "INSERT INTO containment(parent, from_seq, child) VALUES (?, ?, ?)")
            events = []
            for change in containment {
                let child = try unitID(change.child, ids, db)
                try closeContainment.execute(arguments: [Int64(change.seq), child])
                if let parent = change.parent {
                    try openContainment.execute(arguments: [try unitID(parent, ids, db), Int64(change.seq), child])
                }
            }
            containment = []
            ids = [:]
            let deleteShipment = try db.cachedStatement(sql: "DELETE FROM shipments WHERE hash = ?")
            for hash in changes.closedShipments {
                try deleteShipment.execute(arguments: [hash])
            }
            let insertShipment = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO shipments(hash, seq, kind, from_party, to_party, items) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for shipment in changes.openShipments {
                try insertShipment.execute(arguments: [shipment.hash, Int64(shipment.seq), shipment.kind.rawValue, try party(shipment.from, db),
                                           try party(shipment.to, db), JSONValue.array(shipment.items.map { .string($0.canonical) }).canonicalString])
            }
            try Self.insertEPCISEvents(changes.epcisEvents, db)
            // Last, when the events and containment changes above are released.
            cache(units)
        }
    }

    /// The id of party `gln`, created on first use.
    func party(_ gln: String, _ db: Database) throws -> Int64 {
        if let id = partyCache.withLock({ $0[gln] }) { return id }
        try db.execute(sql: "INSERT OR IGNORE INTO parties(gln) VALUES (?)", arguments: [gln])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM parties WHERE gln = ?", arguments: [gln])!
        partyCache.withLock { $0[gln] = id }
        return id
    }

    /// The GLN of party `id`.
    func gln(_ id: Int64, _ db: Database) throws -> String {
        if let gln = glnCache.withLock({ $0[id] }) { return gln }
        guard let gln = try String.fetchOne(db, sql: "SELECT gln FROM parties WHERE id = ?", arguments: [id]) else {
            throw IndexError("party \(id) is missing")
        }
        glnCache.withLock { $0[id] = gln }
        return gln
    }

    func unitID(_ unit: UnitID, _ known: [UnitID: Int64], _ db: Database) throws -> Int64 {
        if let id = known[unit] { return id }
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM units WHERE key = ?"), arguments: [unit.canonical]) else {
            throw IndexError("unit \(unit) is referenced before it is indexed")
        }
        return id
    }

    // MARK: CustodyBacking

    public func unit(_ id: UnitID) -> UnitRecord? {
        if let cached = recordCache.withLock({ $0[id] }) { return cached }
        guard let record = try? pool.read({ db in try self.record(id, db) }) else { return nil }
        cache([record])
        return record
    }

    /// Caches `records`; a batch of more than `cacheLimit` records leaves only its last `cacheLimit` cached.
    private func cache(_ records: [UnitRecord]) {
        recordCache.withLock { cache in
            if cache.count + records.count > cacheLimit { cache.removeAll() }
            for record in records.suffix(cacheLimit) { cache.store(record) }
        }
    }

    func record(_ id: UnitID, _ db: Database) throws -> UnitRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT u.id, u.lot, u.created_seq, u.owner, u.possessor, u.shipment, p.key AS parent_key, u.parent_since, u.state,
                   u.status_seq, u.last_seller, u.owner_since, l.gtin, l.lot AS lot_text, l.expiry, l.product
            FROM units u LEFT JOIN units p ON p.id = u.parent LEFT JOIN lots l ON l.commission_seq = u.lot
            WHERE u.key = ?
            """), arguments: [id.canonical]) else { return nil }
        let rowID: Int64 = row["id"]
        var lot: LotInfo?
        if let commission = row["lot"] as Int64?, let productText = row["product"] as String?,
           let product = try? ProductMaster.parse(json: productText) {
            lot = LotInfo(gtin: row["gtin"], lot: row["lot_text"], expiry: row["expiry"], product: product, commissionSeq: UInt64(commission))
        }
        var record = UnitRecord(id: id, createdSeq: UInt64(row["created_seq"] as Int64), lot: lot,
                                owner: try gln(row["owner"], db), possessor: try (row["possessor"] as Int64?).map { try gln($0, db) },
                                ownerSince: UInt64(row["owner_since"] as Int64))
        record.shipment = row["shipment"]
        record.parent = try (row["parent_key"] as String?).map { try UnitID(canonical: $0) }
        record.parentSince = (row["parent_since"] as Int64?).map(UInt64.init)
        if let statusSeq = row["status_seq"] as Int64?, let reason = DecommissionReason(rawValue: row["state"]) {
            record.status = UnitStatus.decommissioned(reason, seq: UInt64(statusSeq))
        }
        record.lastSeller = try (row["last_seller"] as Int64?).map { try gln($0, db) }
        record.children = Set(try String.fetchAll(db.cachedStatement(sql: "SELECT key FROM units WHERE parent = ?"), arguments: [rowID])
            .map { try UnitID(canonical: $0) })
        record.transfers = try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT e.seq FROM unit_events e JOIN entries x ON x.seq = e.seq
            WHERE e.unit = ? AND x.type IN ('transfer', 'return') ORDER BY e.seq
            """), arguments: [rowID]).map(UInt64.init)
        return record
    }

    public func shipment(_ hash: String) -> OpenShipment? {
        try? pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM shipments WHERE hash = ?", arguments: [hash]),
                  let kind = CustodyBodyType(rawValue: row["kind"]),
                  let items = try JSONValue.parse(row["items"] as String).arrayValue else { return nil }
            return OpenShipment(hash: hash, seq: UInt64(row["seq"] as Int64), kind: kind, from: try gln(row["from_party"], db),
                                to: try gln(row["to_party"], db),
                                items: try items.compactMap(\.stringValue).map { try UnitID(canonical: $0) })
        }
    }

    public func transferHash(_ seq: UInt64) -> String? {
        try? pool.read { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM entries WHERE seq = ? AND type IN ('transfer', 'return')", arguments: [Int64(seq)])
                .map { Hex.encode([UInt8]($0)) }
        }
    }
}

extension ProductMaster {
    /// Parses the canonical JSON the index stores.
    static func parse(json text: String) throws -> ProductMaster {
        try ProductMaster.fromJSON(JSONValue.parse(text))
    }
}
