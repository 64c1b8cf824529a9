import Foundation
import FlowEngine
import Logging
import SQLiteNIO

/// A ``DirectoryStore`` in one SQLite file: the embedded default, zero setup (DESIGN.md §7).
///
/// The file is opened in WAL mode with `synchronous = FULL`, so a committed write survives `kill -9`
/// and power loss, and readers in other processes are not blocked by a writer. The schema is created
/// and upgraded by migrations when the file is opened (``SQLiteSchema``).
///
/// One connection serves the store. Every operation runs alone on it, in arrival order, so a
/// multi-statement transaction (a directory import) is never interleaved with another operation;
/// single-statement writes such as ``insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:)`` are
/// atomic in SQLite itself, also against other processes.
///
/// Call ``close()`` when done: the underlying connection must be closed before it is released.
///
/// ```swift
/// let store = try await SQLiteStore.open(path: "/var/lib/gatehouse/gatehouse.sqlite")
/// try await store.replaceDirectory(with: config)
/// try await store.close()
/// ```
public actor SQLiteStore: DirectoryStore {
    /// The database file.
    public nonisolated let path: String
    private let connection: SQLiteConnection
    private let logger: Logger
    private var isClosed = false
    private var isBusy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    private let decoder = JSONDecoder()

    private init(path: String, connection: SQLiteConnection, logger: Logger) {
        self.path = path
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// - Parameters:
    ///   - path: The database file; its directory must exist.
    ///   - logger: Where SQLite activity is logged (never with secrets); no-op by default.
    /// - Throws: ``DirectoryError`` `storage` when the file cannot be opened or migrated, `schemaTooNew`
    ///   when a newer Gatehouse wrote it.
    public static func open(
        path: String, logger: Logger = Logger(label: "gatehouse.directory.sqlite", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(DirectoryError) -> SQLiteStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw .storage("cannot open the database '\(path)'", underlying: error)
        }
        do {
            let mode = try await connection.query("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
            guard mode?.lowercased() == "wal" else {
                throw DirectoryError.storage("the database '\(path)' cannot use WAL mode (journal_mode is \(mode ?? "unknown"))")
            }
            _ = try await connection.query("PRAGMA synchronous = FULL")
            _ = try await connection.query("PRAGMA foreign_keys = ON")
            try await migrate(connection, path: path, logger: logger)
        } catch {
            try? await connection.close()
            throw Self.translate(error, doing: "open the database '\(path)'")
        }
        return SQLiteStore(path: path, connection: connection, logger: logger)
    }

    /// Closes the database after the operations already queued. Later calls fail with `closed`;
    /// closing twice is harmless.
    public func close() async throws(DirectoryError) {
        guard !isClosed else { return }
        await acquire()
        defer { release() }
        guard !isClosed else { return }
        isClosed = true
        do {
            try await connection.close()
        } catch {
            throw .storage("cannot close the database '\(path)'", underlying: error)
        }
    }

    private static func migrate(_ connection: SQLiteConnection, path: String, logger: Logger) async throws {
        let version = Int(try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0)
        guard version <= SQLiteSchema.currentVersion else {
            throw DirectoryError.schemaTooNew(
                "the database '\(path)' has schema version \(version); this Gatehouse knows up to \(SQLiteSchema.currentVersion)")
        }
        for (index, statements) in SQLiteSchema.migrations.enumerated() where index >= version {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                for statement in statements { _ = try await connection.query(statement) }
                _ = try await connection.query("PRAGMA user_version = \(index + 1)")
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
            logger.info("migrated the directory database", metadata: ["path": "\(path)", "version": "\(index + 1)"])
        }
    }

    // MARK: - Directory

    /// See ``DirectoryStore/replaceDirectory(with:)``. Relies on the schema's uniqueness constraints; a
    /// violation rolls the whole import back.
    public func replaceDirectory(with config: DirectoryConfig) async throws(DirectoryError) {
        try await exclusive("import the directory") {
            try await transaction {
                for table in ["settings", "levels", "connections", "organizations", "apps", "users"] {
                    _ = try await query("DELETE FROM \(table)")
                }
                if let flowsDirectory = config.flowsDirectory {
                    _ = try await query("INSERT INTO settings (key, value) VALUES ('flows_directory', ?)", [.text(flowsDirectory)])
                }
                for (position, level) in config.levels.enumerated() {
                    _ = try await query(
                        "INSERT INTO levels (name, position, body) VALUES (?, ?, ?)",
                        [.text(level.name.rawValue), .integer(position), .text(try encode(level))])
                }
                for (position, connection) in config.connections.enumerated() {
                    _ = try await query(
                        "INSERT INTO connections (id, position, body) VALUES (?, ?, ?)",
                        [.text(connection.id.rawValue), .integer(position), .text(try encode(connection))])
                }
                for (position, organization) in config.organizations.enumerated() {
                    _ = try await query(
                        "INSERT INTO organizations (id, position, body) VALUES (?, ?, ?)",
                        [.text(organization.id.rawValue), .integer(position), .text(try encode(organization))])
                }
                for (position, app) in config.apps.enumerated() {
                    _ = try await query(
                        "INSERT INTO apps (id, position, body) VALUES (?, ?, ?)",
                        [.text(app.id.rawValue), .integer(position), .text(try encode(app))])
                }
                for (position, user) in config.users.enumerated() {
                    _ = try await query(
                        "INSERT INTO users (id, position, email_key, body) VALUES (?, ?, ?, ?)",
                        [.text(user.id.rawValue), .integer(position), .text(EmailAddress.lookupKey(for: user.email)), .text(try encode(user))])
                }
                _ = try await query("DELETE FROM credentials WHERE user_id NOT IN (SELECT id FROM users)")
            }
        }
    }

    /// See ``DirectoryStore/loadDirectory()``. Reads one consistent snapshot.
    public func loadDirectory() async throws(DirectoryError) -> DirectoryConfig {
        try await exclusive("load the directory") {
            try await transaction(mode: "DEFERRED") {
                DirectoryConfig(
                    levels: try await bodies("SELECT body FROM levels ORDER BY position"),
                    connections: try await bodies("SELECT body FROM connections ORDER BY position"),
                    organizations: try await bodies("SELECT body FROM organizations ORDER BY position"),
                    apps: try await bodies("SELECT body FROM apps ORDER BY position"),
                    users: try await bodies("SELECT body FROM users ORDER BY position"),
                    flowsDirectory: try await query("SELECT value FROM settings WHERE key = 'flows_directory'").first?.column("value")?.string)
            }
        }
    }

    /// See ``DirectoryStore/user(id:)``.
    public func user(id: UserID) async throws(DirectoryError) -> UserRecord? {
        try await exclusive("read a user") {
            try await bodies("SELECT body FROM users WHERE id = ?", [.text(id.rawValue)], as: UserRecord.self).first
        }
    }

    /// See ``DirectoryStore/user(email:)``.
    public func user(email: String) async throws(DirectoryError) -> UserRecord? {
        try await exclusive("read a user") {
            try await bodies("SELECT body FROM users WHERE email_key = ?", [.text(EmailAddress.lookupKey(for: email))], as: UserRecord.self).first
        }
    }

    /// See ``DirectoryStore/saveUser(_:)``.
    public func saveUser(_ user: UserRecord) async throws(DirectoryError) {
        try await exclusive("save a user") {
            let emailKey = EmailAddress.lookupKey(for: user.email)
            let owners = try await query("SELECT id FROM users WHERE email_key = ? AND id <> ?", [.text(emailKey), .text(user.id.rawValue)])
            if !owners.isEmpty { throw DirectoryError.conflict("the email '\(user.email)' already belongs to another user") }
            _ = try await query(
                """
                INSERT INTO users (id, position, email_key, body)
                VALUES (?, (SELECT COALESCE(MAX(position), -1) + 1 FROM users), ?, ?)
                ON CONFLICT (id) DO UPDATE SET email_key = excluded.email_key, body = excluded.body
                """,
                [.text(user.id.rawValue), .text(emailKey), .text(try encode(user))])
        }
    }

    // MARK: - Credentials

    /// See ``DirectoryStore/credential(user:kind:)``.
    public func credential(user: UserID, kind: String) async throws(DirectoryError) -> Data? {
        try await exclusive("read a credential") {
            try await query("SELECT data FROM credentials WHERE user_id = ? AND kind = ?", [.text(user.rawValue), .text(kind)])
                .first?.column("data").flatMap(Data.init(sqliteData:))
        }
    }

    /// See ``DirectoryStore/setCredential(user:kind:data:)``.
    public func setCredential(user: UserID, kind: String, data: Data) async throws(DirectoryError) {
        try await exclusive("write a credential") {
            if try await query("SELECT 1 FROM users WHERE id = ?", [.text(user.rawValue)]).isEmpty {
                throw DirectoryError.unknownUser("there is no user '\(user)' to hold a '\(kind)' credential")
            }
            _ = try await query(
                "INSERT INTO credentials (user_id, kind, data) VALUES (?, ?, ?) ON CONFLICT (user_id, kind) DO UPDATE SET data = excluded.data",
                [.text(user.rawValue), .text(kind), Self.blob(data)])
        }
    }

    /// See ``DirectoryStore/removeCredential(user:kind:)``.
    public func removeCredential(user: UserID, kind: String) async throws(DirectoryError) {
        try await exclusive("remove a credential") {
            _ = try await query("DELETE FROM credentials WHERE user_id = ? AND kind = ?", [.text(user.rawValue), .text(kind)])
        }
    }

    // MARK: - Ephemeral entries

    /// See ``DirectoryStore/putEphemeral(namespace:key:value:expiresAt:)``.
    public func putEphemeral(namespace: String, key: String, value: Data, expiresAt: Date) async throws(DirectoryError) {
        try await exclusive("write an ephemeral entry") {
            _ = try await query(
                """
                INSERT INTO ephemeral (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                """,
                [.text(namespace), .text(key), Self.blob(value), .float(expiresAt.timeIntervalSince1970)])
        }
    }

    /// See ``DirectoryStore/ephemeral(namespace:key:now:)``.
    public func ephemeral(namespace: String, key: String, now: Date) async throws(DirectoryError) -> Data? {
        try await exclusive("read an ephemeral entry") {
            try await query(
                "SELECT value FROM ephemeral WHERE namespace = ? AND key = ? AND expires_at > ?",
                [.text(namespace), .text(key), .float(now.timeIntervalSince1970)]
            ).first?.column("value").flatMap(Data.init(sqliteData:))
        }
    }

    /// See ``DirectoryStore/deleteEphemeral(namespace:key:)``.
    public func deleteEphemeral(namespace: String, key: String) async throws(DirectoryError) {
        try await exclusive("delete an ephemeral entry") {
            _ = try await query("DELETE FROM ephemeral WHERE namespace = ? AND key = ?", [.text(namespace), .text(key)])
        }
    }

    /// See ``DirectoryStore/insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:)``. One upsert
    /// statement whose update only applies to an expired row, so it is atomic across processes too.
    public func insertEphemeralIfAbsent(
        namespace: String, key: String, value: Data, expiresAt: Date, now: Date
    ) async throws(DirectoryError) -> Bool {
        try await exclusive("insert an ephemeral entry") {
            let written = try await query(
                """
                INSERT INTO ephemeral (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                WHERE ephemeral.expires_at <= ?
                RETURNING 1 AS written
                """,
                [.text(namespace), .text(key), Self.blob(value), .float(expiresAt.timeIntervalSince1970), .float(now.timeIntervalSince1970)])
            return !written.isEmpty
        }
    }

    /// See ``DirectoryStore/purgeExpired(now:)``.
    @discardableResult
    public func purgeExpired(now: Date) async throws(DirectoryError) -> Int {
        try await exclusive("purge expired entries") {
            try await query("DELETE FROM ephemeral WHERE expires_at <= ? RETURNING 1 AS purged", [.float(now.timeIntervalSince1970)]).count
        }
    }

    // MARK: - Plumbing

    /// Runs `body` alone on the connection (after the operations queued before it), translating errors.
    private func exclusive<T: Sendable>(_ action: String, _ body: () async throws -> T) async throws(DirectoryError) -> T {
        guard !isClosed else { throw .closed("the database '\(path)' is closed; cannot \(action)") }
        await acquire()
        defer { release() }
        guard !isClosed else { throw .closed("the database '\(path)' is closed; cannot \(action)") }
        do {
            return try await body()
        } catch {
            throw Self.translate(error, doing: action)
        }
    }

    private func acquire() async {
        guard isBusy else {
            isBusy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            isBusy = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `body` in a transaction, rolling back if it throws.
    private func transaction<T: Sendable>(mode: String = "IMMEDIATE", _ body: () async throws -> T) async throws -> T {
        _ = try await query("BEGIN \(mode)")
        do {
            let result = try await body()
            _ = try await query("COMMIT")
            return result
        } catch {
            do {
                _ = try await query("ROLLBACK")
            } catch let rollbackError {
                logger.error("rollback failed", metadata: ["path": "\(path)", "error": "\(rollbackError)"])
            }
            throw error
        }
    }

    private func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await connection.query(sql, binds)
    }

    /// Decodes the `body` column of every row.
    private func bodies<T: Decodable>(_ sql: String, _ binds: [SQLiteData] = [], as type: T.Type = T.self) async throws -> [T] {
        try await query(sql, binds).map { row in
            guard let text = row.column("body")?.string else {
                throw DirectoryError.storage("a row of '\(sql)' has no body")
            }
            do {
                return try decoder.decode(T.self, from: Data(text.utf8))
            } catch {
                throw DirectoryError.storage("a stored \(T.self) cannot be decoded; the database may be corrupt", underlying: error)
            }
        }
    }

    private func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func blob(_ data: Data) -> SQLiteData {
        data.sqliteData ?? .null
    }

    /// SQLite constraint failures become `conflict`; anything else not already a ``DirectoryError`` is `storage`.
    private static func translate(_ error: any Error, doing action: String) -> DirectoryError {
        if let error = error as? DirectoryError { return error }
        if let error = error as? SQLiteError {
            switch error.reason {
            case .constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed:
                return .conflict("cannot \(action): an id or an email address is used more than once (\(error.message))")
            case .constraintForeignKeyFailed:
                return .unknownUser("cannot \(action): it refers to a user that does not exist")
            default:
                break
            }
        }
        return .storage("cannot \(action)", underlying: error)
    }
}
