import Custody
import GRDBSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the custody replay's scratch store, or a budget that cannot be used: what, where, why.
public struct ReplaySpillError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was being done ("create the scratch directory", "write the replay", "budget").
    public var operation: String
    /// Where: the scratch file or directory, or the option.
    public var path: String
    /// Why it failed.
    public var reason: String

    /// An error naming the operation, the place and the reason.
    public init(_ operation: String, path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    public var description: String { "custody replay scratch store: cannot \(operation) \(path): \(reason)" }
}

/// How much of the custody replay the verifier keeps in memory before it spills it to a scratch file.
///
/// The replay keeps the state of every identifier ever commissioned. Changed records stay in memory (an
/// overlay) until there are `overlayRecords` of them; they are then written, in one transaction, to a SQLite
/// scratch file in `directory` (whose page cache is held to `cacheKiB`), and later lookups read them back
/// from there. A ledger whose replay never reaches the budget never creates the file.
public struct ReplayBudget: Sendable, Hashable {
    /// Records (units, open or closed shipments, transfer hashes) held in memory before a spill.
    public var overlayRecords: Int
    /// The scratch file's SQLite page cache, in KiB.
    public var cacheKiB: Int
    /// Where the scratch directory is made; nil: `$TMPDIR`, else `/tmp`.
    public var directory: String?

    /// The default memory budget of `ledger verify`'s replay, in MiB.
    public static let defaultMemoryMiB = 256
    /// The largest budget accepted, in MiB (1 TiB).
    public static let maximumMemoryMiB = 1 << 20
    /// Resident memory an overlay record costs at its peak (while a spill copies the overlay), as measured with
    /// `/usr/bin/time` on one-serial commissions.
    static let bytesPerRecord = 1400

    /// A budget of `memoryMiB` MiB: a quarter for the scratch file's page cache, the rest for the overlay.
    ///
    /// Refuses a budget below 1 MiB or above `maximumMemoryMiB`.
    public init(memoryMiB: Int, directory: String? = nil) throws(ReplaySpillError) {
        guard memoryMiB >= 1, memoryMiB <= Self.maximumMemoryMiB else {
            throw ReplaySpillError("use a replay memory budget of", path: "\(memoryMiB) MiB",
                                   reason: "it must be a whole number of MiB from 1 to \(Self.maximumMemoryMiB)")
        }
        self.init(overlayRecords: max(1, memoryMiB * 768 * 1024 / Self.bytesPerRecord), cacheKiB: memoryMiB * 256, directory: directory)
    }

    /// A budget counted in records (tests spill every few records with a small one); at least one record and
    /// 1 KiB of cache.
    public init(overlayRecords: Int, cacheKiB: Int = 1024, directory: String? = nil) {
        self.overlayRecords = max(1, overlayRecords)
        self.cacheKiB = max(1, cacheKiB)
        self.directory = directory
    }
}

/// The verifier's scratch store: the custody replay's committed state in a SQLite file, under `CustodyState`'s
/// overlay (its `CustodyBacking`).
///
/// The file is made on the first `flush`, in a fresh directory (`custody-verify-XXXXXX`) that `close` removes
/// with it. It is never synced (`journal_mode=OFF`, `synchronous=OFF`): it lives only as long as the run.
/// Used by one thread. A lookup that fails (the disk, a damaged record) returns nil and is kept in `failure`,
/// which the verifier turns into an error at once: no report is made from a replay that lost state.
final class ReplaySpill: CustodyBacking, @unchecked Sendable {
    let budget: ReplayBudget
    /// The first failed lookup, if any.
    private(set) var failure: ReplaySpillError?
    /// Flushes made so far.
    private(set) var flushes = 0
    private var db: OpaquePointer?
    private var directory: String?
    private var path: String { (directory ?? "?") + "/replay.sqlite" }
    private var statements: [String: OpaquePointer] = [:]
    /// Lots read back, by commission sequence number (bounded: cleared when full).
    private var lots: [UInt64: LotInfo] = [:]
    private static let lotCacheLimit = 4096

    init(budget: ReplayBudget) {
        self.budget = budget
    }

    deinit { close() }

    /// The scratch directory while it exists.
    var scratchDirectory: String? { directory }

    // MARK: Writing

    /// Spills `state`'s overlay when it holds the budget's count of records (true when it did); first throws
    /// a lookup that failed since the last call.
    func spillIfNeeded(_ state: inout CustodyState) throws(ReplaySpillError) -> Bool {
        if let failure { throw failure }
        let overlay = state.units.count + state.shipments.count + state.closedShipments.count + state.transferHashes.count
        guard overlay >= budget.overlayRecords else { return false }
        try flush(state.takeChanges())
        return true
    }

    /// Writes the overlay's changes in one transaction (creating the file the first time).
    func flush(_ changes: CustodyState.Changes) throws(ReplaySpillError) {
        if db == nil { try open() }
        try exec("BEGIN")
        var lotsWritten = Set<UInt64>()
        // In key order: the B-tree is filled page by page rather than all over.
        let units = changes.units.map { (ReplayCodec.key($0.id), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        for (key, record) in units {
            if let lot = record.lot, lotsWritten.insert(lot.commissionSeq).inserted {
                try write("INSERT OR IGNORE INTO lots(seq, lot) VALUES (?1, ?2)", .integer(lot.commissionSeq), .blob(ReplayCodec.encode(lot)))
            }
            try write("INSERT OR REPLACE INTO units(key, record) VALUES (?1, ?2)", .blob(key), .blob(ReplayCodec.encode(record)))
        }
        for hash in changes.closedShipments {
            try write("DELETE FROM shipments WHERE hash = ?1", .text(hash))
        }
        for shipment in changes.openShipments {
            try write("INSERT OR REPLACE INTO shipments(hash, shipment) VALUES (?1, ?2)", .text(shipment.hash), .blob(ReplayCodec.encode(shipment)))
        }
        for (seq, hash) in changes.transferHashes {
            try write("INSERT OR REPLACE INTO transfers(seq, hash) VALUES (?1, ?2)", .integer(seq), .text(hash))
        }
        try exec("COMMIT")
        flushes += 1
    }

    private func open() throws(ReplaySpillError) {
        let base = budget.directory ?? ProcessEnvironment.temporaryDirectory
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast()) + Array("custody-verify-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ReplaySpillError("create a scratch directory in", path: base, reason: String(cString: strerror(errno)))
        }
        directory = String(cString: made)
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        db = handle
        guard code == SQLITE_OK else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            close()
            throw ReplaySpillError("create", path: path, reason: reason)
        }
        do {
            try exec("""
                PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-\(budget.cacheKiB);
                PRAGMA temp_store=FILE;
                CREATE TABLE units(key BLOB PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE lots(seq INTEGER PRIMARY KEY, lot BLOB NOT NULL);
                CREATE TABLE shipments(hash TEXT PRIMARY KEY, shipment BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE transfers(seq INTEGER PRIMARY KEY, hash TEXT NOT NULL);
                """)
        } catch {
            close()
            throw error
        }
    }

    /// Closes the file and removes it with its directory (also after a failure; again is harmless).
    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements = [:]
        if let db { sqlite3_close(db) }
        db = nil
        lots = [:]
        if let directory {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
            rmdir(directory)
        }
        directory = nil
    }

    // MARK: Scans (after a final flush)

    /// Calls `body` with every unit in the file, in key order, reading one row at a time.
    func forEachUnit(_ body: (UnitID) throws -> Void) throws {
        guard db != nil else { return }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT key FROM units ORDER BY key", -1, &statement, nil) == SQLITE_OK, let statement else {
            throw ReplaySpillError("scan the units of", path: path, reason: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_DONE: return
            case SQLITE_ROW:
                let key = UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, 0), count: Int(sqlite3_column_bytes(statement, 0)))
                try body(try ReplayCodec.unitID(key: key))
            default:
                throw ReplaySpillError("scan the units of", path: path, reason: String(cString: sqlite3_errmsg(db)))
            }
        }
    }

    /// The open shipments in the file, by hash.
    func allShipments() throws(ReplaySpillError) -> [String: OpenShipment] {
        guard db != nil else { return [:] }
        var hashes: [String] = []
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT hash FROM shipments", -1, &statement, nil) == SQLITE_OK, let statement else {
            throw ReplaySpillError("scan the shipments of", path: path, reason: String(cString: sqlite3_errmsg(db)))
        }
        while sqlite3_step(statement) == SQLITE_ROW { hashes.append(String(cString: sqlite3_column_text(statement, 0))) }
        sqlite3_finalize(statement)
        var out: [String: OpenShipment] = [:]
        for hash in hashes { out[hash] = shipment(hash) }
        if let failure { throw failure }
        return out
    }

    // MARK: CustodyBacking

    func unit(_ id: UnitID) -> UnitRecord? {
        guard db != nil else { return nil }
        return lookup("SELECT record FROM units WHERE key = ?1", .blob(ReplayCodec.key(id)), "read unit \(id) from") { bytes throws(ReplayCodecError) in
            try ReplayCodec.decodeUnit(bytes) { seq throws(ReplayCodecError) in try self.lot(seq) }
        }
    }

    func shipment(_ hash: String) -> OpenShipment? {
        guard db != nil else { return nil }
        return lookup("SELECT shipment FROM shipments WHERE hash = ?1", .text(hash), "read shipment \(hash) from") { bytes throws(ReplayCodecError) in
            try ReplayCodec.decodeShipment(bytes, hash: hash)
        }
    }

    func transferHash(_ seq: UInt64) -> String? {
        guard db != nil else { return nil }
        return lookup("SELECT hash FROM transfers WHERE seq = ?1", .integer(seq), "read the transfer hash of entry \(seq) from") { bytes throws(ReplayCodecError) in
            guard let hash = String(validating: bytes, as: UTF8.self) else {
                throw ReplayCodecError(record: "transfer \(seq)", field: "hash", reason: "not UTF-8")
            }
            return hash
        }
    }

    private func lot(_ seq: UInt64) throws(ReplayCodecError) -> LotInfo {
        if let lot = lots[seq] { return lot }
        let found = lookup("SELECT lot FROM lots WHERE seq = ?1", .integer(seq), "read the lot of entry \(seq) from") { bytes throws(ReplayCodecError) in
            try ReplayCodec.decodeLot(bytes, seq: seq)
        }
        guard let found else { throw ReplayCodecError(record: "lot of entry \(seq)", field: "seq", reason: "no such lot in the scratch store") }
        if lots.count >= Self.lotCacheLimit { lots.removeAll(keepingCapacity: true) }
        lots[seq] = found
        return found
    }

    // MARK: SQLite

    enum Value {
        case integer(UInt64)
        case blob([UInt8])
        case text(String)
    }

    private func exec(_ sql: String) throws(ReplaySpillError) {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let reason = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw ReplaySpillError("write the replay to", path: path, reason: reason)
        }
    }

    private func prepared(_ sql: String) throws(ReplaySpillError) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement else {
            throw ReplaySpillError("prepare a statement on", path: path, reason: String(cString: sqlite3_errmsg(db)))
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ statement: OpaquePointer, _ index: Int32, _ value: Value) -> Int32 {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        switch value {
        case .integer(let number): return sqlite3_bind_int64(statement, index, Int64(bitPattern: number))
        case .blob(let bytes): return bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
        case .text(let text): return sqlite3_bind_text(statement, index, text, -1, transient)
        }
    }

    private func write(_ sql: String, _ values: Value...) throws(ReplaySpillError) {
        let statement = try prepared(sql)
        defer { sqlite3_reset(statement) }
        for (index, value) in values.enumerated() where bind(statement, Int32(index + 1), value) != SQLITE_OK {
            throw ReplaySpillError("write the replay to", path: path, reason: String(cString: sqlite3_errmsg(db)))
        }
        guard sqlite3_step(statement) == SQLITE_DONE else {
            throw ReplaySpillError("write the replay to", path: path, reason: String(cString: sqlite3_errmsg(db)))
        }
    }

    /// The first column of the row `sql` finds for `key`, decoded; nil when there is none or on a failure
    /// (kept in `failure`).
    private func lookup<T>(_ sql: String, _ key: Value, _ operation: String,
                           _ decode: (UnsafeRawBufferPointer) throws(ReplayCodecError) -> T) -> T? {
        do throws(ReplaySpillError) {
            let statement = try prepared(sql)
            defer { sqlite3_reset(statement) }
            guard bind(statement, 1, key) == SQLITE_OK else {
                throw ReplaySpillError(operation, path: path, reason: String(cString: sqlite3_errmsg(db)))
            }
            switch sqlite3_step(statement) {
            case SQLITE_DONE: return nil
            case SQLITE_ROW:
                let bytes = UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, 0), count: Int(sqlite3_column_bytes(statement, 0)))
                do throws(ReplayCodecError) { return try decode(bytes) } catch {
                    throw ReplaySpillError(operation, path: path, reason: error.description)
                }
            default:
                throw ReplaySpillError(operation, path: path, reason: String(cString: sqlite3_errmsg(db)))
            }
        } catch {
            if failure == nil { failure = error }
            return nil
        }
    }
}

/// The process's temporary directory: `$TMPDIR` when set, else `/tmp`.
enum ProcessEnvironment {
    static var temporaryDirectory: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }
}

extension VerifyState {
    /// After an entry: stops the run if the scratch store failed a lookup; spills the replay's overlay to it
    /// when it has reached the budget.
    mutating func spillReplayIfNeeded() throws(ReplaySpillError) {
        if let spill, try spill.spillIfNeeded(&custody) { report.replaySpills += 1 }
    }
}
