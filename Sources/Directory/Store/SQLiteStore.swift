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
/// Two connections serve the store: one writes, one reads (WAL lets a reader work beside a writer and
/// see every committed write). **Writes are committed in groups**: writes that arrive while a commit is
/// in progress wait, and then all go into one `BEGIN IMMEDIATE … COMMIT`, each in a savepoint of its
/// own, so one failing write (a conflict, say) rolls back only itself (a write alone in its group runs
/// as it is, without a transaction around it). Every caller resumes only after
/// the `COMMIT` that holds its write, so durability is unchanged (`FULL`), but concurrent logins share
/// one fsync instead of queueing one fsync each. An import (``replaceDirectory(with:)``) runs alone in
/// its own transaction. Single-statement writes such as
/// ``insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:)`` stay atomic, also against other
/// processes (the commit holds SQLite's write lock).
///
/// Call ``close()`` when done: the underlying connections must be closed before they are released.
///
/// ```swift
/// let store = try await SQLiteStore.open(path: "/var/lib/gatehouse/gatehouse.sqlite")
/// try await store.replaceDirectory(with: config)
/// try await store.close()
/// ```
public actor SQLiteStore: DirectoryStore {
    /// The database file.
    public nonisolated let path: String
    /// The connection that writes (group commits and imports).
    private let connection: SQLiteConnection
    /// The connection that reads (`query_only`).
    private let reader: SQLiteConnection
    private let logger: Logger
    private var isClosed = false
    /// Which connections an operation is using; the others wait in `waiting`, in arrival order.
    private var busy: Set<Lane> = []
    private var waiting: [Lane: [CheckedContinuation<Void, Never>]] = [:]
    /// Writes waiting for the next group commit.
    private var pendingWrites: [PendingWrite] = []
    /// Whether a caller is committing a group (and will hand the next group to a waiting writer).
    private var isCommitting = false
    private var nextWriteID = 0
    /// How many group commits have run (for tests: concurrent writes share them).
    private(set) var groupCommits = 0
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    private let decoder = JSONDecoder()

    private init(path: String, connection: SQLiteConnection, reader: SQLiteConnection, logger: Logger) {
        self.path = path
        self.connection = connection
        self.reader = reader
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
        let reader: SQLiteConnection
        do {
            reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            try? await connection.close()
            throw .storage("cannot open a reading connection to the database '\(path)'", underlying: error)
        }
        do {
            _ = try await reader.query("PRAGMA query_only = ON")
        } catch {
            try? await reader.close()
            try? await connection.close()
            throw .storage("cannot make the reading connection to the database '\(path)' read-only", underlying: error)
        }
        return SQLiteStore(path: path, connection: connection, reader: reader, logger: logger)
    }

    /// Closes the database after the operations already queued. Later calls fail with `closed`;
    /// closing twice is harmless.
    public func close() async throws(DirectoryError) {
        guard !isClosed else { return }
        await acquire(.writer)
        await acquire(.reader)
        defer {
            release(.reader)
            release(.writer)
        }
        guard !isClosed else { return }
        isClosed = true
        do {
            try await reader.close()
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
        try await read("load the directory") {
            try await transaction(mode: "DEFERRED", on: reader) {
                DirectoryConfig(
                    levels: try await bodies("SELECT body FROM levels ORDER BY position"),
                    connections: try await bodies("SELECT body FROM connections ORDER BY position"),
                    organizations: try await bodies("SELECT body FROM organizations ORDER BY position"),
                    apps: try await bodies("SELECT body FROM apps ORDER BY position"),
                    users: try await bodies("SELECT body FROM users ORDER BY position"),
                    flowsDirectory: try await query("SELECT value FROM settings WHERE key = 'flows_directory'", on: reader).first?.column("value")?.string)
            }
        }
    }

    /// See ``DirectoryStore/user(id:)``.
    public func user(id: UserID) async throws(DirectoryError) -> UserRecord? {
        try await read("read a user") {
            try await bodies("SELECT body FROM users WHERE id = ?", [.text(id.rawValue)], as: UserRecord.self).first
        }
    }

    /// See ``DirectoryStore/user(email:)``.
    public func user(email: String) async throws(DirectoryError) -> UserRecord? {
        try await read("read a user") {
            try await bodies("SELECT body FROM users WHERE email_key = ?", [.text(EmailAddress.lookupKey(for: email))], as: UserRecord.self).first
        }
    }

    /// See ``DirectoryStore/saveUser(_:)``.
    public func saveUser(_ user: UserRecord) async throws(DirectoryError) {
        try await write("save a user") { [self] in
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
        try await read("read a credential") {
            try await query("SELECT data FROM credentials WHERE user_id = ? AND kind = ?", [.text(user.rawValue), .text(kind)], on: reader)
                .first?.column("data").flatMap(Data.init(sqliteData:))
        }
    }

    /// See ``DirectoryStore/setCredential(user:kind:data:)``.
    public func setCredential(user: UserID, kind: String, data: Data) async throws(DirectoryError) {
        try await write("write a credential") { [self] in
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
        try await write("remove a credential") { [self] in
            _ = try await query("DELETE FROM credentials WHERE user_id = ? AND kind = ?", [.text(user.rawValue), .text(kind)])
        }
    }

    // MARK: - Ephemeral entries

    /// See ``DirectoryStore/putEphemeral(namespace:key:value:expiresAt:)``.
    public func putEphemeral(namespace: String, key: String, value: Data, expiresAt: Date) async throws(DirectoryError) {
        try await write("write an ephemeral entry") { [self] in
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
        try await read("read an ephemeral entry") {
            try await query(
                "SELECT value FROM ephemeral WHERE namespace = ? AND key = ? AND expires_at > ?",
                [.text(namespace), .text(key), .float(now.timeIntervalSince1970)], on: reader
            ).first?.column("value").flatMap(Data.init(sqliteData:))
        }
    }

    /// See ``DirectoryStore/deleteEphemeral(namespace:key:)``.
    public func deleteEphemeral(namespace: String, key: String) async throws(DirectoryError) {
        try await write("delete an ephemeral entry") { [self] in
            _ = try await query("DELETE FROM ephemeral WHERE namespace = ? AND key = ?", [.text(namespace), .text(key)])
        }
    }

    /// See ``DirectoryStore/insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:)``. One upsert
    /// statement whose update only applies to an expired row, so it is atomic across processes too.
    public func insertEphemeralIfAbsent(
        namespace: String, key: String, value: Data, expiresAt: Date, now: Date
    ) async throws(DirectoryError) -> Bool {
        try await write("insert an ephemeral entry") { [self] in
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
        try await write("purge expired entries") { [self] in
            try await query("DELETE FROM ephemeral WHERE expires_at <= ? RETURNING 1 AS purged", [.float(now.timeIntervalSince1970)]).count
        }
    }

    // MARK: - Plumbing

    /// The two connections, each used by one operation at a time.
    private enum Lane: Hashable {
        case writer, reader
    }

    /// Runs `body` alone on the writing connection, outside any group commit (an import, which has a
    /// transaction of its own), translating errors.
    private func exclusive<T: Sendable>(_ action: String, _ body: () async throws -> T) async throws(DirectoryError) -> T {
        try await alone(on: .writer, action, body)
    }

    /// Runs `body` alone on the reading connection, translating errors.
    private func read<T: Sendable>(_ action: String, _ body: () async throws -> T) async throws(DirectoryError) -> T {
        try await alone(on: .reader, action, body)
    }

    private func alone<T: Sendable>(on lane: Lane, _ action: String, _ body: () async throws -> T) async throws(DirectoryError) -> T {
        guard !isClosed else { throw closed(action) }
        await acquire(lane)
        defer { release(lane) }
        guard !isClosed else { throw closed(action) }
        do {
            return try await body()
        } catch {
            throw Self.translate(error, doing: action)
        }
    }

    private func closed(_ action: String) -> DirectoryError {
        .closed("the database '\(path)' is closed; cannot \(action)")
    }

    private func acquire(_ lane: Lane) async {
        guard busy.contains(lane) else {
            busy.insert(lane)
            return
        }
        await withCheckedContinuation { waiting[lane, default: []].append($0) }
    }

    private func release(_ lane: Lane) {
        if waiting[lane, default: []].isEmpty {
            busy.remove(lane)
        } else {
            waiting[lane]!.removeFirst().resume()
        }
    }

    // MARK: - Group commit

    /// A write waiting for a group commit.
    private struct PendingWrite {
        let id: Int
        let action: String
        /// Runs the write's statements on the writing connection, inside the group's transaction.
        let body: () async throws -> any Sendable
        /// Resumed when the write is committed (or failed), or told to commit the next group itself;
        /// nil for the caller that is committing.
        var continuation: CheckedContinuation<WriteOutcome, Never>?
    }

    private enum WriteOutcome {
        /// The write's result, after the COMMIT that holds it.
        case done(Result<any Sendable, DirectoryError>)
        /// The write is still pending: its caller commits the next group.
        case lead
    }

    /// Runs `body` in the next group commit and returns its result once that commit is durable.
    ///
    /// The first writer to find no commit in progress commits the group (its own write and any that
    /// queued meanwhile); when it is done it hands the writes that queued during its commit to the
    /// first of their callers, who commits them as the next group. Nobody commits for long on behalf
    /// of others.
    private func write<T: Sendable>(_ action: String, _ body: @escaping () async throws -> T) async throws(DirectoryError) -> T {
        guard !isClosed else { throw closed(action) }
        let id = nextWriteID
        nextWriteID += 1
        let erased: () async throws -> any Sendable = { try await body() }
        let outcome: WriteOutcome
        if isCommitting {
            outcome = await withCheckedContinuation { continuation in
                pendingWrites.append(PendingWrite(id: id, action: action, body: erased, continuation: continuation))
            }
        } else {
            isCommitting = true
            pendingWrites.append(PendingWrite(id: id, action: action, body: erased, continuation: nil))
            outcome = .lead
        }
        let result: Result<any Sendable, DirectoryError>
        switch outcome {
        case .done(let done): result = done
        case .lead: result = await commitGroup(leader: id)
        }
        switch result {
        case .success(let value): return value as! T  // `erased` returned a T
        case .failure(let error): throw error
        }
    }

    /// Commits every pending write as one group, resumes their callers, hands the next group on, and
    /// returns the leader's own result.
    private func commitGroup(leader: Int) async -> Result<any Sendable, DirectoryError> {
        let group = pendingWrites
        pendingWrites = []
        let results = await commit(group)
        var own: Result<any Sendable, DirectoryError>?
        for (write, result) in zip(group, results) {
            if write.id == leader {
                own = result
            } else {
                write.continuation?.resume(returning: .done(result))
            }
        }
        if let next = pendingWrites.first?.continuation {
            pendingWrites[0].continuation = nil
            next.resume(returning: .lead)
        } else {
            isCommitting = false
        }
        return own!  // the leader's write is always in its group
    }

    /// Runs `group` in one transaction, each write in a savepoint of its own. A lone write runs as it
    /// is, each of its statements committed by SQLite (one statement, for all but `saveUser` and
    /// `setCredential`, whose first statement only reads).
    /// - Returns: Each write's result, in order; all of them fail if the transaction cannot commit.
    private func commit(_ group: [PendingWrite]) async -> [Result<any Sendable, DirectoryError>] {
        await acquire(.writer)
        defer { release(.writer) }
        guard !isClosed else { return group.map { .failure(closed($0.action)) } }
        groupCommits += 1
        if group.count == 1, let write = group.first {
            do {
                return [.success(try await write.body())]
            } catch {
                return [.failure(Self.translate(error, doing: write.action))]
            }
        }
        do {
            _ = try await query("BEGIN IMMEDIATE")
        } catch {
            return group.map { .failure(Self.translate(error, doing: $0.action)) }
        }
        var results: [Result<any Sendable, DirectoryError>] = []
        results.reserveCapacity(group.count)
        for write in group {
            do {
                _ = try await query("SAVEPOINT group_write")
                let value = try await write.body()
                _ = try await query("RELEASE group_write")
                results.append(.success(value))
            } catch {
                _ = try? await query("ROLLBACK TO group_write")
                _ = try? await query("RELEASE group_write")
                results.append(.failure(Self.translate(error, doing: write.action)))
            }
        }
        do {
            _ = try await query("COMMIT")
        } catch {
            await rollback()
            return group.map { .failure(Self.translate(error, doing: $0.action)) }
        }
        return results
    }

    private func rollback() async {
        do {
            _ = try await query("ROLLBACK")
        } catch {
            logger.error("rollback failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    // MARK: - Statements

    /// Runs `body` in a transaction on `connection` (the writing one by default), rolling back if it throws.
    private func transaction<T: Sendable>(
        mode: String = "IMMEDIATE", on connection: SQLiteConnection? = nil, _ body: () async throws -> T
    ) async throws -> T {
        let connection = connection ?? self.connection
        _ = try await query("BEGIN \(mode)", on: connection)
        do {
            let result = try await body()
            _ = try await query("COMMIT", on: connection)
            return result
        } catch {
            do {
                _ = try await query("ROLLBACK", on: connection)
            } catch let rollbackError {
                logger.error("rollback failed", metadata: ["path": "\(path)", "error": "\(rollbackError)"])
            }
            throw error
        }
    }

    /// Runs one statement on `connection` (the writing one by default).
    private func query(_ sql: String, _ binds: [SQLiteData] = [], on connection: SQLiteConnection? = nil) async throws -> [SQLiteRow] {
        try await (connection ?? self.connection).query(sql, binds)
    }

    /// Decodes the `body` column of every row (read on the reading connection).
    private func bodies<T: Decodable>(_ sql: String, _ binds: [SQLiteData] = [], as type: T.Type = T.self) async throws -> [T] {
        try await query(sql, binds, on: reader).map { row in
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
