import Foundation
import VaporCSQLite

/// A value bound to a statement parameter.
enum SQLiteValue {
    case text(String)
    case integer(Int64)
    case real(Double)
    case blob(Data)
}

/// A failure reported by SQLite: its extended result code and message.
struct SQLiteFailure: Error, CustomStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, …).
    let code: Int32
    /// SQLite's message for it.
    let message: String

    /// The primary result code (`SQLITE_CONSTRAINT`, …).
    var primaryCode: Int32 { code & 0xFF }

    var description: String { "SQLite error \(code): \(message)" }
}

/// One `sqlite3` connection (sqlite-nio's bundled SQLite, called directly), keeping every statement
/// it prepares for the next call of the same SQL.
///
/// Not thread-safe: its owner uses it from one thread at a time (``SQLiteStore`` gives the writing
/// connection a serial queue of its own and guards the reading one with a lock). The connection and
/// its statements are closed in `deinit`.
final class SQLiteHandle {
    /// The database file.
    let path: String
    private let database: OpaquePointer
    /// Prepared statements by SQL text; each is reset after use.
    private var statements: [String: OpaquePointer] = [:]

    /// Opens (creating if needed) the database at `path`, with extended result codes and a busy
    /// timeout, so that another process holding the write lock delays this one instead of failing it.
    init(path: String) throws(SQLiteFailure) {
        var database: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let opened = sqlite_nio_sqlite3_open_v2(path, &database, flags, nil)
        guard opened == SQLITE_OK, let database else {
            let message = database.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite_nio_sqlite3_close(database)
            throw SQLiteFailure(code: opened, message: message)
        }
        self.path = path
        self.database = database
        sqlite_nio_sqlite3_busy_timeout(database, Self.busyTimeoutMilliseconds)
    }

    /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
    static let busyTimeoutMilliseconds: Int32 = 30_000

    deinit {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        sqlite_nio_sqlite3_close_v2(database)
    }

    /// Runs `sql`, which may hold several statements and binds nothing (pragmas, `BEGIN`, migrations).
    func execute(_ sql: String) throws(SQLiteFailure) {
        let result = sqlite_nio_sqlite3_exec(database, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw failure(result) }
    }

    /// A passive checkpoint of the WAL into the database file: copies what no reader still needs,
    /// without waiting for the writer or blocking it.
    func checkpoint() throws(SQLiteFailure) {
        let result = sqlite_nio_sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        guard result == SQLITE_OK else { throw failure(result) }
    }

    /// Runs one statement with `binds` (`?` parameters, in order) and calls `row` for each result row.
    func query(_ sql: String, _ binds: [SQLiteValue] = [], row: (SQLiteRow) throws -> Void = { _ in }) throws {
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .text(let text):
                result = sqlite_nio_sqlite3_bind_text64(
                    statement, index, text, UInt64(text.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
            case .integer(let integer):
                result = sqlite_nio_sqlite3_bind_int64(statement, index, integer)
            case .real(let real):
                result = sqlite_nio_sqlite3_bind_double(statement, index, real)
            case .blob(let data):
                result = data.withUnsafeBytes { bytes in
                    // A zero-length blob still needs a non-null pointer, or SQLite binds NULL.
                    sqlite_nio_sqlite3_bind_blob64(statement, index, bytes.baseAddress ?? UnsafeRawPointer(Self.emptyBlob.utf8Start), UInt64(bytes.count), Self.transient)
                }
            }
            guard result == SQLITE_OK else { throw failure(result) }
        }
        while true {
            let stepped = sqlite_nio_sqlite3_step(statement)
            switch stepped {
            case SQLITE_ROW: try row(SQLiteRow(statement: statement))
            case SQLITE_DONE: return
            default: throw failure(stepped)
            }
        }
    }

    /// The statement for `sql`, prepared on first use and kept.
    private func prepared(_ sql: String) throws(SQLiteFailure) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let result = sqlite_nio_sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw failure(result) }
        statements[sql] = statement
        return statement
    }

    private func failure(_ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: sqlite_nio_sqlite3_extended_errcode(database), message: String(cString: sqlite_nio_sqlite3_errmsg(database)))
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the bind call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    /// A valid address for a zero-length blob (SQLite reads no byte of it).
    private static let emptyBlob: StaticString = ""
}

/// The current row of a statement, valid only inside the `row` closure of ``SQLiteHandle/query(_:_:row:)``.
struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    /// Column `index` as text; nil when it is NULL.
    func text(_ index: Int32) -> String? {
        guard sqlite_nio_sqlite3_column_type(statement, index) != SQLITE_NULL,
              let text = sqlite_nio_sqlite3_column_text(statement, index)
        else { return nil }
        let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` as bytes; nil when it is NULL.
    func data(_ index: Int32) -> Data? {
        guard sqlite_nio_sqlite3_column_type(statement, index) != SQLITE_NULL else { return nil }
        let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
        guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(statement, index) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// Column `index` as a floating-point number (0 when NULL).
    func real(_ index: Int32) -> Double {
        sqlite_nio_sqlite3_column_double(statement, index)
    }

    /// Column `index` as an integer (0 when NULL).
    func integer(_ index: Int32) -> Int64 {
        sqlite_nio_sqlite3_column_int64(statement, index)
    }
}
