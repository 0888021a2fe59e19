import GRDBSQLite

/// Binds, steps and reads a prepared statement with C calls only (no boxing of arguments or values, no
/// generic decoding per column): for the bulk load's millions of rows and for the custody lookups.
struct RawStatement {
    let statement: OpaquePointer
    init(_ statement: OpaquePointer) { self.statement = statement }

    /// Clears the previous step, keeping the bindings until they are replaced.
    func reset() { sqlite3_reset(statement) }

    /// Binds an integer, or NULL for nil, to parameter `index` (1-based).
    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }

    /// Binds a text (copied by SQLite), or NULL for nil, to parameter `index` (1-based).
    func bind(_ index: Int32, _ value: String?) {
        guard let value else { sqlite3_bind_null(statement, index); return }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        _ = value.withCString { sqlite3_bind_text(statement, index, $0, -1, transient) }
    }

    /// Binds `arguments` as texts to parameters 1, 2, … after clearing the previous step (for a query).
    func start(_ arguments: String...) {
        reset()
        for (offset, argument) in arguments.enumerated() { bind(Int32(offset + 1), argument) }
    }

    /// Steps a query: true with a row to read, false when done (the statement is then reset).
    func next() throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: reset(); return false
        case let code:
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(statement)))
            reset()
            throw IndexError("query failed: \(String(cString: sqlite3_errstr(code))): \(message)")
        }
    }

    /// The integer in column `column` (0-based) of the current row, or nil for NULL.
    func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    /// The text in column `column` (0-based) of the current row, or nil for NULL.
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: bytes)
    }

    /// Runs the statement, which must complete in one step (an INSERT).
    func step() throws {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw IndexError("insert failed: \(String(cString: sqlite3_errstr(code)))")
        }
    }
}
