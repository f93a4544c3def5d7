import Foundation
import GRDB
import GRDBSQLite

/// A cached statement bound and stepped through SQLite's C API: the bulk paths (loading files,
/// publishing grades) insert hundreds of thousands of rows a second, and a proof reads dozens of
/// tree nodes; boxing every value in GRDB's `StatementArguments` and rows would cost more than
/// SQLite's own work. Values are bound by position, in the order of the statement's `?`s.
struct BulkStatement {
    private let db: Database
    private let statement: SQLiteStatement
    private var column: Int32 = 0

    /// SQLite copies text and blobs bound with this destructor before the call returns.
    /// SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
    static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(_ db: Database, _ sql: String) throws {
        self.init(db, prepared: try db.cachedStatement(sql: sql))
    }

    /// A statement the caller keeps (``PreparedStatements``), which must outlive this value.
    init(_ db: Database, prepared: Statement) {
        self.db = db
        statement = prepared.sqliteStatement
    }

    mutating func bind(_ value: Int64) {
        column += 1
        sqlite3_bind_int64(statement, column, value)
    }

    mutating func bind(_ value: Int64?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    mutating func bind(_ value: String?) {
        guard let value else { return bindNull() }
        column += 1
        var text = value
        text.withUTF8 { utf8 in
            let empty: CChar = 0
            withUnsafePointer(to: empty) { fallback in
                let start = utf8.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? fallback
                _ = sqlite3_bind_text(statement, column, start, Int32(utf8.count), Self.transient)
            }
        }
    }

    mutating func bind(blob: [UInt8]) {
        column += 1
        blob.withUnsafeBytes { raw in
            // A nil pointer would bind NULL; an empty blob needs any non-nil one.
            let start = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
            _ = sqlite3_bind_blob(statement, column, start, Int32(raw.count), Self.transient)
        }
    }

    mutating func bindNull() {
        column += 1
        sqlite3_bind_null(statement, column)
    }

    /// Runs the query with the values bound since the last run and returns its first row's first
    /// column as bytes, nil when there is no row (or the column is NULL).
    mutating func fetchBlob() throws -> [UInt8]? {
        try fetchFirstColumn { statement in
            sqlite3_column_blob(statement, 0).map { Array(UnsafeRawBufferPointer(start: $0, count: Int(sqlite3_column_bytes(statement, 0)))) }
        }
    }

    /// Runs the query with the values bound since the last run and returns its first row's first
    /// column as an integer, nil when there is no row (or the column is NULL).
    mutating func fetchInt64() throws -> Int64? {
        try fetchFirstColumn { statement in
            sqlite3_column_type(statement, 0) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, 0)
        }
    }

    /// Runs the query with the values bound since the last run and reads its first row by column
    /// position; nil when there is no row.
    mutating func fetchRow<Value>(_ read: (Columns) throws -> Value) throws -> Value? {
        try fetchFirstColumn { statement in try read(Columns(statement: statement)) }
    }

    /// The columns of the row a statement is on, read by position (from 0). Only valid inside
    /// ``fetchRow(_:)``'s closure.
    struct Columns {
        fileprivate let statement: SQLiteStatement

        func isNull(_ index: Int32) -> Bool { sqlite3_column_type(statement, index) == SQLITE_NULL }

        func int64(_ index: Int32) -> Int64? { isNull(index) ? nil : sqlite3_column_int64(statement, index) }

        func bool(_ index: Int32) -> Bool? { int64(index).map { $0 != 0 } }

        func text(_ index: Int32) -> String? {
            guard let start = sqlite3_column_text(statement, index) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
        }
    }

    private mutating func fetchFirstColumn<Value>(_ read: (SQLiteStatement) throws -> Value?) throws -> Value? {
        column = 0
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        let code = sqlite3_step(statement)
        guard code == SQLITE_ROW else {
            guard code == SQLITE_DONE else { throw failure(code) }
            return nil
        }
        return try read(statement)
    }

    private func failure(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: String(cString: sqlite3_sql(statement)))
    }

    /// Runs the insert with the values bound since the last run and returns the new row's id.
    @discardableResult
    mutating func run() throws -> Int64 {
        column = 0
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        // The failure is read before the reset: the message is the connection's latest.
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw failure(code) }
        return sqlite3_last_insert_rowid(db.sqliteConnection)
    }
}
