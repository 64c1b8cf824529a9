import Dispatch
import Foundation
import FlowEngine
import Logging
import Synchronization
import VaporCSQLite

/// A ``DirectoryStore`` in one SQLite file: the embedded default, zero setup (DESIGN.md §7).
///
/// The file is opened in WAL mode, so readers in other processes are not blocked by a writer, and a
/// committed write survives `kill -9`; a ``Durability/durable`` write also survives a power cut before
/// it returns. The schema is created and upgraded by migrations when the file is opened (``SQLiteSchema``).
///
/// Two connections serve the store, each keeping its prepared statements (``SQLiteHandle``):
/// - **The writing connection** runs on a serial queue of its own and commits with `synchronous =
///   NORMAL`, so neither a commit nor an fsync ever blocks a Swift concurrency thread. Writes are
///   **committed in groups**: writes that arrive while a commit is in progress queue, and the next turn
///   of the queue runs them all in one `BEGIN IMMEDIATE … COMMIT`, each in a savepoint of its own, so
///   one failing write (a conflict, say) rolls back only itself (a write alone in its turn runs as it
///   is, without a transaction around it). A write's statements all run in one turn of the queue: one
///   thread hop per write, not per statement. An import (``replaceDirectory(with:)``) runs alone in its
///   own transaction. Single-statement writes such as
///   ``insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:durability:with:)`` stay atomic, also
///   against other processes (the commit holds SQLite's write lock).
/// - **Durability** comes from a third queue that `fsync`s the WAL file: a deferred write's caller
///   resumes after its commit, a durable write's caller after the first `fsync` that follows its
///   commit, shared by every durable write committed in the meantime (``Durability``).
/// - **The reading connections** (`query_only`, one per core) are used under a lock each by the calling
///   task itself, which takes the first free one: a read finds its rows in microseconds, WAL lets it
///   read beside the writer and see every committed write, and two tasks do not queue for one
///   connection (one pool thread spinning on the other's lock).
/// - **Memory**, when the file was opened ``Sharing/exclusive``ly (the default): the ephemeral rows
///   and the users, kept in step by the writer, so that most reads do not go to the file at all; and
///   the locks (``takeLock(namespace:key:expiresAt:now:)``), which then never go to the file.
///
/// Call ``close()`` when done.
///
/// ```swift
/// let store = try await SQLiteStore.open(path: "/var/lib/gatehouse/gatehouse.sqlite")
/// try await store.replaceDirectory(with: config)
/// try await store.close()
/// ```
public final class SQLiteStore: DirectoryStore {
    /// The database file.
    public let path: String
    private let writer: Writer
    /// The reading connections, one per core (each used under its own lock); nil once closed.
    private let readers: [ReadingConnection]
    /// Users decoded lately, with their stored bodies.
    private let recentUsers = RecentlyDecoded<UserRecord>()
    /// The lock that keeps this opening's ``Sharing`` true.
    private let lock: DatabaseLock
    /// The ephemeral rows, kept in memory; only when this process has the file to itself.
    private let ephemeralCache: EphemeralCache?
    /// The users, kept in memory by id; only when this process has the file to itself.
    private let userCache: RowCache<UserID, UserRecord>?
    /// Which user holds each email lookup key, and the keys no user holds (nil), kept in memory; only
    /// when this process has the file to itself.
    private let emailCache: RowCache<String, UserID?>?
    /// The credentials, and the absence of those a user does not have, kept in memory by user and
    /// kind; only when this process has the file to itself.
    private let credentialCache: RowCache<CredentialKey, Data?>?
    /// The locks, kept in memory; only when this process has the file to itself.
    private let locks: LockTable?
    /// The ``Durability/transient`` writes not yet in the file; only when this process has the file to itself.
    private let transient: TransientWrites?
    /// How long a transient write is held before a flush writes it.
    private let transientDelay: Duration
    private let logger: Logger

    private init(
        path: String, writer: sending SQLiteHandle, readers: [ReadingConnection], checkpointer: sending SQLiteHandle,
        lock: DatabaseLock, sharing: Sharing, deferredFlushDelay: Duration, transientDelay: Duration, logger: Logger
    ) {
        self.path = path
        self.transientDelay = transientDelay
        self.logger = logger
        self.writer = Writer(handle: writer, checkpointer: checkpointer, path: path, deferredFlushDelay: deferredFlushDelay, logger: logger)
        self.readers = readers
        self.lock = lock
        ephemeralCache = sharing == .exclusive ? EphemeralCache() : nil
        userCache = sharing == .exclusive ? RowCache() : nil
        emailCache = sharing == .exclusive ? RowCache() : nil
        credentialCache = sharing == .exclusive ? RowCache() : nil
        locks = sharing == .exclusive ? LockTable() : nil
        transient = sharing == .exclusive ? TransientWrites() : nil
    }

    /// Whether other processes may have the database file open at the same time.
    public enum Sharing: Sendable, Hashable {
        /// This process alone (a single node): it keeps the ephemeral rows and the users it reads or
        /// writes in memory and answers reads from there (``EphemeralCache``, ``RowCache``). Opening a
        /// file that another process has open fails with ``DirectoryError`` `inUse`, and so does every
        /// other process's opening while it is open.
        case exclusive
        /// Any number of processes that all open it shared (several nodes on one database, or a
        /// `gatehouse` command beside a running node): every read goes to the file, so each process
        /// sees what the others wrote. Fails with `inUse` while a process has it open exclusively.
        case shared
    }

    /// How many group commits have run (for tests: concurrent writes share them).
    var groupCommits: Int { writer.groupCommits }
    /// How many times the WAL has been flushed to stable storage (for tests: deferred writes wait for none).
    var walFlushes: Int { writer.walFlushes }
    /// How many checkpoints have run (for tests: they run beside the writer, not in it).
    var checkpoints: Int { writer.checkpoints }
    /// How many ephemeral reads were answered from memory (for tests).
    var ephemeralCacheHits: Int { ephemeralCache?.hits ?? 0 }
    /// How many locks this process holds in memory (for tests).
    var locksInMemory: Int { locks?.count ?? 0 }
    /// How many transient writes are held, not yet in the file (for tests).
    var transientWritesHeld: Int { transient?.count ?? 0 }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// - Parameters:
    ///   - path: The database file; its directory must exist.
    ///   - deferredFlushDelay: How long a ``Durability/deferred`` write may stay only in the operating
    ///     system's cache before an `fsync` of the WAL makes it durable (10 ms by default).
    ///   - transientDelay: How long a ``Durability/transient`` write may stay only in this process's
    ///     memory before it is committed, unless a later write of its key replaced it (2 s by default;
    ///     only when `sharing` is `exclusive`).
    ///   - logger: Where SQLite activity is logged (never with secrets); no-op by default.
    /// - Throws: ``DirectoryError`` `storage` when the file cannot be opened or migrated, `schemaTooNew`
    ///   when a newer Gatehouse wrote it, `inUse` when another process has it open in a way that
    ///   excludes `sharing`.
    public static func open(
        path: String, sharing: Sharing = .exclusive, deferredFlushDelay: Duration = .milliseconds(10), transientDelay: Duration = .seconds(2),
        logger: Logger = Logger(label: "gatehouse.directory.sqlite", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(DirectoryError) -> SQLiteStore {
        let lock = try DatabaseLock(database: path, sharing: sharing)
        do {
            return try openLocked(
                path: path, lock: lock, sharing: sharing, deferredFlushDelay: deferredFlushDelay, transientDelay: transientDelay, logger: logger)
        } catch {
            lock.release()
            throw error
        }
    }

    private static func openLocked(
        path: String, lock: DatabaseLock, sharing: Sharing, deferredFlushDelay: Duration, transientDelay: Duration, logger: Logger
    ) throws(DirectoryError) -> SQLiteStore {
        let writer: SQLiteHandle
        do {
            writer = try SQLiteHandle(path: path)
        } catch {
            throw .storage("cannot open the database '\(path)'", underlying: error)
        }
        do {
            var mode: String?
            try writer.query("PRAGMA journal_mode = WAL") { mode = $0.text(0) }
            guard mode?.lowercased() == "wal" else {
                throw DirectoryError.storage("the database '\(path)' cannot use WAL mode (journal_mode is \(mode ?? "unknown"))")
            }
            try writer.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
            try migrate(writer, path: path, logger: logger)
            // From here on a commit does not wait for the disk; the writer's flusher syncs the WAL
            // before a durable write returns, and its checkpointer copies the WAL into the database
            // file beside it (see `Writer`).
            // A WAL that a burst made large is cut back to 64 MiB when it starts over.
            try writer.execute("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864")
        } catch {
            throw translate(error, doing: "open the database '\(path)'")
        }
        var readers: [ReadingConnection] = []
        for _ in 0..<max(2, ProcessInfo.processInfo.activeProcessorCount) {
            readers.append(ReadingConnection(try connection(to: path, "reading", settings: "PRAGMA query_only = ON")))
        }
        let checkpointer = try connection(to: path, "checkpointing", settings: "PRAGMA synchronous = NORMAL")
        return SQLiteStore(
            path: path, writer: writer, readers: readers, checkpointer: checkpointer, lock: lock, sharing: sharing,
            deferredFlushDelay: deferredFlushDelay, transientDelay: transientDelay, logger: logger)
    }

    /// Another connection to the file, with its `settings` (pragmas) applied.
    private static func connection(to path: String, _ role: String, settings: String) throws(DirectoryError) -> SQLiteHandle {
        do {
            let connection = try SQLiteHandle(path: path)
            try connection.execute(settings)
            return connection
        } catch {
            throw .storage("cannot open a \(role) connection to the database '\(path)'", underlying: error)
        }
    }

    /// Closes the database after the writes already queued (each is committed or fails) and the
    /// transient writes held. Later calls fail with `closed`; closing twice is harmless.
    public func close() async throws(DirectoryError) {
        if let transient {
            transient.close()
            await flushTransient()
        }
        await writer.close()
        for reader in readers { reader.connection.withLock { $0 = nil } }
        ephemeralCache?.removeAll()
        userCache?.invalidate(nil)
        emailCache?.invalidate(nil)
        credentialCache?.invalidate(nil)
        lock.release()
    }

    private static func migrate(_ connection: SQLiteHandle, path: String, logger: Logger) throws {
        var version = 0
        try connection.query("PRAGMA user_version") { version = Int($0.integer(0)) }
        guard version <= SQLiteSchema.currentVersion else {
            throw DirectoryError.schemaTooNew(
                "the database '\(path)' has schema version \(version); this Gatehouse knows up to \(SQLiteSchema.currentVersion)")
        }
        for (index, statements) in SQLiteSchema.migrations.enumerated() where index >= version {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                for statement in statements { try connection.execute(statement) }
                try connection.execute("PRAGMA user_version = \(index + 1)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            logger.info("migrated the directory database", metadata: ["path": "\(path)", "version": "\(index + 1)"])
        }
    }

    // MARK: - Directory

    /// See ``DirectoryStore/replaceDirectory(with:)``. Relies on the schema's uniqueness constraints; a
    /// violation rolls the whole import back.
    public func replaceDirectory(with config: DirectoryConfig) async throws(DirectoryError) {
        let rows: [(sql: String, binds: [SQLiteValue])]
        do {
            rows = try Self.importRows(config)
        } catch {
            throw Self.translate(error, doing: "import the directory")
        }
        let userCache = self.userCache, emailCache = self.emailCache, credentialCache = self.credentialCache
        defer {
            userCache?.invalidate(nil)
            emailCache?.invalidate(nil)
            credentialCache?.invalidate(nil)
        }
        try await writer.alone("import the directory") { connection in
            userCache?.invalidate(nil)
            emailCache?.invalidate(nil)
            credentialCache?.invalidate(nil)
            try connection.transaction {
                for table in ["settings", "levels", "connections", "organizations", "apps", "users"] {
                    try connection.query("DELETE FROM \(table)")
                }
                for row in rows { try connection.query(row.sql, row.binds) }
                try connection.query("DELETE FROM credentials WHERE user_id NOT IN (SELECT id FROM users)")
            }
        }
    }

    /// The inserts of an import, every body encoded before the writing connection is busy.
    private static func importRows(_ config: DirectoryConfig) throws -> [(sql: String, binds: [SQLiteValue])] {
        var rows: [(sql: String, binds: [SQLiteValue])] = []
        if let flowsDirectory = config.flowsDirectory {
            rows.append(("INSERT INTO settings (key, value) VALUES ('flows_directory', ?)", [.text(flowsDirectory)]))
        }
        rows += try positioned(config.levels, in: "levels", idColumn: "name") { $0.name.rawValue }
        rows += try positioned(config.connections, in: "connections", idColumn: "id") { $0.id.rawValue }
        rows += try positioned(config.organizations, in: "organizations", idColumn: "id") { $0.id.rawValue }
        rows += try positioned(config.apps, in: "apps", idColumn: "id") { $0.id.rawValue }
        for (position, user) in config.users.enumerated() {
            rows.append((
                "INSERT INTO users (id, position, email_key, body) VALUES (?, ?, ?, ?)",
                [.text(user.id.rawValue), .integer(Int64(position)), .text(EmailAddress.lookupKey(for: user.email)), .text(try encode(user))]))
        }
        return rows
    }

    /// One insert per entity into a table of `(id, position, body)` rows, in import order.
    private static func positioned<Entity: Encodable>(
        _ entities: [Entity], in table: String, idColumn: String, id: (Entity) -> String
    ) throws -> [(sql: String, binds: [SQLiteValue])] {
        try entities.enumerated().map { position, entity in
            ("INSERT INTO \(table) (\(idColumn), position, body) VALUES (?, ?, ?)",
             [.text(id(entity)), .integer(Int64(position)), .text(try encode(entity))])
        }
    }

    /// See ``DirectoryStore/loadDirectory()``. Reads one consistent snapshot.
    public func loadDirectory() async throws(DirectoryError) -> DirectoryConfig {
        try read("load the directory") { connection in
            try connection.transaction(mode: "DEFERRED") {
                var flowsDirectory: String?
                try connection.query("SELECT value FROM settings WHERE key = 'flows_directory'") { flowsDirectory = $0.text(0) }
                return DirectoryConfig(
                    levels: try Self.bodies(connection, "SELECT body FROM levels ORDER BY position"),
                    connections: try Self.bodies(connection, "SELECT body FROM connections ORDER BY position"),
                    organizations: try Self.bodies(connection, "SELECT body FROM organizations ORDER BY position"),
                    apps: try Self.bodies(connection, "SELECT body FROM apps ORDER BY position"),
                    users: try Self.bodies(connection, "SELECT body FROM users ORDER BY position"),
                    flowsDirectory: flowsDirectory)
            }
        }
    }

    /// See ``DirectoryStore/user(id:)``. Every token grant and SSO login reads its user: one this
    /// process read before is answered from memory when it has the file to itself (``RowCache``),
    /// and otherwise a body read or written before is not decoded again (``RecentlyDecoded``).
    public func user(id: UserID) async throws(DirectoryError) -> UserRecord? {
        guard let userCache else { return try userFromFile(id: id) }
        let (kept, ticket) = userCache.lookup(id)
        if let kept { return kept }
        let user = try userFromFile(id: id)
        if let user { userCache.fill(id, user, ticket: ticket) }
        return user
    }

    private func userFromFile(id: UserID) throws(DirectoryError) -> UserRecord? {
        try userFromFile("SELECT id, body FROM users WHERE id = ?", id.rawValue)
    }

    /// The user a query by one key finds (its columns: id, body), decoded unless its body was decoded lately.
    private func userFromFile(_ sql: String, _ key: String) throws(DirectoryError) -> UserRecord? {
        let row: (id: String, body: Data)? = try read("read a user") { connection in
            var row: (String, Data)?
            try connection.query(sql, [.text(key)]) { row = ($0.text(0) ?? "", Data(($0.text(1) ?? "").utf8)) }
            return row
        }
        guard let row else { return nil }
        if let known = recentUsers.value(row.id, storedAs: row.body) { return known }
        do {
            let user = try Self.decoder.decode(UserRecord.self, from: row.body)
            recentUsers.remember(user, row.id, storedAs: row.body)
            return user
        } catch {
            throw .storage("a stored UserRecord cannot be decoded; the database may be corrupt", underlying: error)
        }
    }

    /// See ``DirectoryStore/user(email:)``. Every identify step reads its user by email: when this
    /// process has the file to itself, which user holds the address (or that none does) is kept in
    /// memory and the user then comes from ``user(id:)``; a kept user whose address no longer matches
    /// is read from the file instead.
    public func user(email: String) async throws(DirectoryError) -> UserRecord? {
        let key = EmailAddress.lookupKey(for: email)
        guard let emailCache else { return try userFromFile("SELECT id, body FROM users WHERE email_key = ?", key) }
        let (kept, ticket) = emailCache.lookup(key)
        if let kept {
            guard let id = kept else { return nil }
            if let user = try await user(id: id), EmailAddress.lookupKey(for: user.email) == key { return user }
        }
        let user = try userFromFile("SELECT id, body FROM users WHERE email_key = ?", key)
        emailCache.fill(key, user?.id, ticket: ticket)
        return user
    }

    /// See ``DirectoryStore/saveUser(_:)``.
    public func saveUser(_ user: UserRecord) async throws(DirectoryError) {
        let body: String
        do {
            body = try Self.encode(user)
        } catch {
            throw Self.translate(error, doing: "save a user")
        }
        let id = user.id.rawValue, email = user.email, emailKey = EmailAddress.lookupKey(for: user.email)
        let userCache = self.userCache, emailCache = self.emailCache, userID = user.id
        // The user's address may change: the keys of both the old and the new one are forgotten.
        _ = try await writer.write(
            "save a user", atomic: true,
            committed: { (previousKey: String?) in
                userCache?.invalidate(userID)
                emailCache?.invalidate(emailKey)
                if let previousKey { emailCache?.invalidate(previousKey) }
            }
        ) { connection -> String? in
            var previousKey: String?
            if let emailCache {
                try connection.query("SELECT email_key FROM users WHERE id = ?", [.text(id)]) { previousKey = $0.text(0) }
                emailCache.invalidate(emailKey)
                if let previousKey { emailCache.invalidate(previousKey) }
            }
            userCache?.invalidate(userID)
            var taken = false
            try connection.query("SELECT 1 FROM users WHERE email_key = ? AND id <> ?", [.text(emailKey), .text(id)]) { _ in taken = true }
            if taken { throw DirectoryError.conflict("the email '\(email)' already belongs to another user") }
            try connection.query(
                """
                INSERT INTO users (id, position, email_key, body)
                VALUES (?, (SELECT COALESCE(MAX(position), -1) + 1 FROM users), ?, ?)
                ON CONFLICT (id) DO UPDATE SET email_key = excluded.email_key, body = excluded.body
                """,
                [.text(id), .text(emailKey), .text(body)])
            return previousKey
        }
    }

    // MARK: - Credentials

    /// See ``DirectoryStore/credential(user:kind:)``. Every SSO login reads one (the user's recovery
    /// codes): answered from memory when this process has the file to itself (``RowCache``).
    public func credential(user: UserID, kind: String) async throws(DirectoryError) -> Data? {
        let key = CredentialKey(user: user, kind: kind)
        guard let credentialCache else { return try credentialFromFile(key) }
        let (kept, ticket) = credentialCache.lookup(key)
        if let kept { return kept }
        let data = try credentialFromFile(key)
        credentialCache.fill(key, data, ticket: ticket)
        return data
    }

    private func credentialFromFile(_ key: CredentialKey) throws(DirectoryError) -> Data? {
        try read("read a credential") { connection in
            var data: Data?
            try connection.query("SELECT data FROM credentials WHERE user_id = ? AND kind = ?", [.text(key.user.rawValue), .text(key.kind)]) {
                data = $0.data(0)
            }
            return data
        }
    }

    /// See ``DirectoryStore/setCredential(user:kind:data:)``.
    public func setCredential(user: UserID, kind: String, data: Data) async throws(DirectoryError) {
        let credentialCache = self.credentialCache, key = CredentialKey(user: user, kind: kind)
        try await writer.write("write a credential", atomic: true, committed: { credentialCache?.invalidate(key) }) { connection in
            credentialCache?.invalidate(key)
            var exists = false
            try connection.query("SELECT 1 FROM users WHERE id = ?", [.text(user.rawValue)]) { _ in exists = true }
            guard exists else { throw DirectoryError.unknownUser("there is no user '\(user)' to hold a '\(kind)' credential") }
            try connection.query(
                "INSERT INTO credentials (user_id, kind, data) VALUES (?, ?, ?) ON CONFLICT (user_id, kind) DO UPDATE SET data = excluded.data",
                [.text(user.rawValue), .text(kind), .blob(data)])
        }
    }

    /// See ``DirectoryStore/removeCredential(user:kind:)``.
    public func removeCredential(user: UserID, kind: String) async throws(DirectoryError) {
        let credentialCache = self.credentialCache, key = CredentialKey(user: user, kind: kind)
        try await writer.write("remove a credential", committed: { credentialCache?.invalidate(key) }) { connection in
            credentialCache?.invalidate(key)
            try connection.query("DELETE FROM credentials WHERE user_id = ? AND kind = ?", [.text(user.rawValue), .text(kind)])
        }
    }

    // MARK: - Ephemeral entries

    /// See ``DirectoryStore/putEphemeral(namespace:key:value:expiresAt:)``.
    public func putEphemeral(namespace: String, key: String, value: Data, expiresAt: Date) async throws(DirectoryError) {
        try await apply([.put(namespace: namespace, key: key, value: value, expiresAt: expiresAt)], "write an ephemeral entry")
    }

    /// See ``DirectoryStore/ephemeral(namespace:key:now:)``.
    public func ephemeral(namespace: String, key: String, now: Date) async throws(DirectoryError) -> Data? {
        if let held = transient?.lookup(namespace: namespace, key: key, now: now) { return held }
        var ticket: EphemeralCache.Ticket?
        if let ephemeralCache {
            switch ephemeralCache.lookup(namespace: namespace, key: key, now: now) {
            case .answer(let value): return value
            case .miss(let granted): ticket = granted
            }
        }
        // The row as it is, expired or not, so that memory holds what the file holds.
        let row: (value: Data, expiresAt: Double)? = try read("read an ephemeral entry") { connection in
            var row: (Data, Double)?
            try connection.query("SELECT value, expires_at FROM ephemeral WHERE namespace = ? AND key = ?", [.text(namespace), .text(key)]) {
                row = ($0.data(0) ?? Data(), $0.real(1))
            }
            return row
        }
        if let ticket { ephemeralCache?.fill(namespace: namespace, key: key, row: row, ticket: ticket) }
        guard let row, row.expiresAt > now.timeIntervalSince1970 else { return nil }
        return row.value
    }

    /// See ``DirectoryStore/deleteEphemeral(namespace:key:)``.
    public func deleteEphemeral(namespace: String, key: String) async throws(DirectoryError) {
        try await apply([.delete(namespace: namespace, key: key)], "delete an ephemeral entry")
    }

    /// See ``DirectoryStore/writeEphemeral(_:durability:)``: one write of the group commit, so its
    /// statements share a savepoint (or, alone, a transaction of their own). A transient write is held
    /// in memory (``TransientWrites``) when this process has the file to itself, else it is deferred.
    public func writeEphemeral(_ writes: [EphemeralWrite], durability: Durability) async throws(DirectoryError) {
        guard durability == .transient else { return try await apply(writes, "write ephemeral entries", durability: durability) }
        guard let transient else { return try await apply(writes, "write ephemeral entries", durability: .deferred) }
        switch transient.hold(writes) {
        case nil: throw writer.closed("write ephemeral entries")
        case .scheduled?: break
        case .afterDelay?: scheduleTransientFlush(after: transientDelay)
        case .now?: scheduleTransientFlush(after: .zero)
        }
    }

    private func apply(_ writes: [EphemeralWrite], _ action: String, durability: Durability = .durable) async throws(DirectoryError) {
        let ephemeralCache = self.ephemeralCache
        let transient = self.transient
        try await writer.write(action, atomic: writes.count > 1, durability: durability, committed: { ephemeralCache?.remember(writes) }) {
            connection in
            ephemeralCache?.forget(writes)
            try Self.apply(writes, on: connection, replacingHeld: writes, in: transient)
        }
    }

    private func scheduleTransientFlush(after delay: Duration) {
        Task {
            try? await Task.sleep(for: delay)
            await flushTransient()
        }
    }

    /// Commits the transient writes held (in one group write, deferred) and lets go of them; on a
    /// failure they stay held and another flush is scheduled, unless the store is closing.
    private func flushTransient() async {
        guard let transient else { return }
        let ephemeralCache = self.ephemeralCache
        do {
            try await writer.write(
                "write transient ephemeral entries", atomic: true, durability: .deferred,
                committed: { (entries: [TransientWrites.Entry]) in
                    ephemeralCache?.remember(entries.map(\.write))
                    transient.flushed(entries)
                }
            ) { connection in
                let entries = transient.snapshot()
                try Self.apply(entries.map(\.write), on: connection)
                return entries
            }
        } catch {
            guard !writer.isClosed else { return }
            logger.warning("transient ephemeral entries not written; trying again", metadata: ["path": "\(path)", "error": "\(error)"])
            if transient.retryFlush() { scheduleTransientFlush(after: transientDelay) }
        }
    }

    /// Applies `writes` after taking the transient writes held for the keys of `touched` out of
    /// `transient` (they are replaced), and gives those back when the writes fail.
    private static func apply(
        _ writes: [EphemeralWrite], on connection: SQLiteHandle, replacingHeld touched: [EphemeralWrite], in transient: TransientWrites?
    ) throws {
        let superseded = transient?.supersede(touched) ?? [:]
        do {
            try apply(writes, on: connection)
        } catch {
            transient?.restore(superseded)
            throw error
        }
    }

    private static func apply(_ writes: [EphemeralWrite], on connection: SQLiteHandle) throws {
        for write in writes {
            switch write {
            case .put(let namespace, let key, let value, let expiresAt):
                try connection.query(
                    """
                    INSERT INTO ephemeral (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                    """,
                    [.text(namespace), .text(key), .blob(value), .real(expiresAt.timeIntervalSince1970)])
            case .delete(let namespace, let key):
                try connection.query("DELETE FROM ephemeral WHERE namespace = ? AND key = ?", [.text(namespace), .text(key)])
            }
        }
    }

    /// See ``DirectoryStore/takeLock(namespace:key:expiresAt:now:)``: in memory when this process has
    /// the file to itself, else an ephemeral entry inserted if absent, which every process sees.
    public func takeLock(namespace: String, key: String, expiresAt: Date, now: Date) async throws(DirectoryError) -> Bool {
        if let locks {
            guard !writer.isClosed else { throw writer.closed("take a lock") }
            return locks.take(namespace: namespace, key: key, expiresAt: expiresAt, now: now)
        }
        return try await takeLockEntry(namespace: namespace, key: key, expiresAt: expiresAt, now: now)
    }

    /// See ``DirectoryStore/releaseLock(namespace:key:)``.
    public func releaseLock(namespace: String, key: String) async throws(DirectoryError) {
        if let locks { return locks.release(namespace: namespace, key: key) }
        try await releaseLockEntry(namespace: namespace, key: key)
    }

    /// See ``DirectoryStore/insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:durability:with:)``.
    /// One upsert statement whose update only applies to an expired row, so it is atomic across
    /// processes too; `writes` follow it in the same transaction when it wrote.
    public func insertEphemeralIfAbsent(
        namespace: String, key: String, value: Data, expiresAt: Date, now: Date, durability: Durability, with writes: [EphemeralWrite]
    ) async throws(DirectoryError) -> Bool {
        let ephemeralCache = self.ephemeralCache
        let transient = self.transient
        let entry = EphemeralWrite.put(namespace: namespace, key: key, value: value, expiresAt: expiresAt)
        let all = [entry] + writes
        return try await writer.write(
            "insert an ephemeral entry", atomic: !writes.isEmpty, durability: durability == .durable ? .durable : .deferred,
            committed: { written in if written { ephemeralCache?.remember(all) } }
        ) { connection in
            ephemeralCache?.forget(all)
            var written = false
            switch transient?.lookup(namespace: namespace, key: key, now: now) {
            case .some(.some): return false  // a live entry is held, not yet in the file
            case .some(nil):  // held deleted or expired: whatever the file has is gone
                try Self.apply([entry], on: connection)
                written = true
            case nil:
                try connection.query(
                    """
                    INSERT INTO ephemeral (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                    WHERE ephemeral.expires_at <= ?
                    RETURNING 1 AS written
                    """,
                    [.text(namespace), .text(key), .blob(value), .real(expiresAt.timeIntervalSince1970), .real(now.timeIntervalSince1970)]
                ) { _ in written = true }
            }
            guard written else { return false }
            try Self.apply(writes, on: connection, replacingHeld: all, in: transient)
            return true
        }
    }

    /// See ``DirectoryStore/checkReadable()``: a query of the file on a reading connection.
    public func checkReadable() async throws(DirectoryError) {
        try read("answer a readiness probe") { connection in try connection.query("SELECT 1 FROM ephemeral LIMIT 1") { _ in } }
    }

    /// See ``DirectoryStore/purgeExpired(now:)``.
    @discardableResult
    public func purgeExpired(now: Date) async throws(DirectoryError) -> Int {
        try await writer.write("purge expired entries") { connection in
            var purged = 0
            try connection.query("DELETE FROM ephemeral WHERE expires_at <= ? RETURNING 1 AS purged", [.real(now.timeIntervalSince1970)]) { _ in
                purged += 1
            }
            return purged
        }
    }

    // MARK: - Plumbing

    /// Runs `body` on a reading connection, under its lock, translating errors: the first one that is
    /// free, or, when every one is busy, one picked by the calling thread (so two tasks rarely queue
    /// for the same connection while another stands idle).
    private func read<T: Sendable>(_ action: String, _ body: (SQLiteHandle) throws -> T) throws(DirectoryError) -> T {
        for reader in readers {
            let result: Result<T, DirectoryError>? = reader.connection.withLockIfAvailable { connection in
                guard let connection else { return .failure(.closed("the database '\(path)' is closed; cannot \(action)")) }
                do {
                    return .success(try body(connection))
                } catch {
                    return .failure(Self.translate(error, doing: action))
                }
            }
            if let result { return try result.get() }
        }
        let fallback = readers[Int(bitPattern: UInt(pthread_self())) % readers.count]
        let result: Result<T, DirectoryError> = fallback.connection.withLock { connection in
            guard let connection else { return .failure(.closed("the database '\(path)' is closed; cannot \(action)")) }
            do {
                return .success(try body(connection))
            } catch {
                return .failure(Self.translate(error, doing: action))
            }
        }
        return try result.get()
    }

    /// Decodes the first column (a JSON `body`) of every row of `sql`.
    private static func bodies<T: Decodable>(
        _ connection: SQLiteHandle, _ sql: String, _ binds: [SQLiteValue] = [], as type: T.Type = T.self
    ) throws -> [T] {
        var values: [T] = []
        try connection.query(sql, binds) { row in
            guard let text = row.text(0) else { throw DirectoryError.storage("a row of '\(sql)' has no body") }
            do {
                values.append(try decoder.decode(T.self, from: Data(text.utf8)))
            } catch {
                throw DirectoryError.storage("a stored \(T.self) cannot be decoded; the database may be corrupt", underlying: error)
            }
        }
        return values
    }

    private static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    private static let decoder = JSONDecoder()

    /// SQLite constraint failures become `conflict` (`unknownUser` for a foreign key); anything else not
    /// already a ``DirectoryError`` is `storage`.
    fileprivate static func translate(_ error: any Error, doing action: String) -> DirectoryError {
        if let error = error as? DirectoryError { return error }
        if let error = error as? SQLiteFailure, error.primaryCode == SQLITE_CONSTRAINT {
            if error.code == SQLITE_CONSTRAINT | (3 << 8) {  // SQLITE_CONSTRAINT_FOREIGNKEY
                return .unknownUser("cannot \(action): it refers to a user that does not exist")
            }
            return .conflict("cannot \(action): an id or an email address is used more than once (\(error.message))")
        }
        return .storage("cannot \(action)", underlying: error)
    }
}

extension SQLiteHandle {
    /// Runs `body` in a transaction, rolling back if it throws.
    fileprivate func transaction<T>(mode: String = "IMMEDIATE", _ body: () throws -> T) throws -> T {
        try query("BEGIN \(mode)")
        do {
            let result = try body()
            try query("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A reading connection and its lock; nil once the store is closed.
final class ReadingConnection: Sendable {
    let connection: Mutex<SQLiteHandle?>

    init(_ handle: sending SQLiteHandle) { connection = Mutex(handle) }
}

// MARK: - The writing connection

/// The writing connection and its serial queue: writes queue while a commit is in progress and are
/// then committed together (see ``SQLiteStore``).
///
/// The connection commits with `synchronous = NORMAL`: a commit appends to the WAL without waiting
/// for the disk, and the queue goes on with the next group at once. A durable write's caller is then
/// handed to the ``WALFlusher``, which resumes it after the next `fsync` of the WAL; a deferred write's
/// caller resumes as soon as its commit is done.
///
/// SQLite's own checkpoints are off on this connection (they would copy the WAL into the database
/// file, and sync it, in the middle of a commit): every ``Writer/checkpointInterval`` writes, the
/// ``Checkpointer`` does it on a connection and a queue of its own, and the writer then copies the
/// frames committed meanwhile, between two groups, so that the WAL starts over.
///
/// `handle` is used only on `queue`; everything else is under `state`'s lock.
private final class Writer: @unchecked Sendable {
    private let queue: DispatchQueue
    private var handle: SQLiteHandle?
    private let state = Mutex(State())
    private let flusher: WALFlusher
    private let checkpointer: Checkpointer
    /// The checkpointer's checkpoints this connection has finished (``finishCheckpoint()``); used only on `queue`.
    private var checkpointsFinished = 0
    /// Writes between two checkpoints: a WAL of a few thousand pages (10 to 20 MB), copied in one go
    /// every few hundred milliseconds under load; checkpoints more often made the writer stop more often
    /// for the frames committed meanwhile (p99 of the refresh grant 16 ms at 300, 12 ms at 1,000).
    static let checkpointInterval = 1_000
    private let path: String
    private let logger: Logger

    private struct State {
        var pending: [PendingWrite] = []
        /// Whether a turn of the queue will take `pending`.
        var isScheduled = false
        var isClosed = false
        var groupCommits = 0
        var writesSinceCheckpoint = 0
    }

    /// A write waiting for its group.
    private struct PendingWrite {
        let action: String
        /// Whether the write's statements need a transaction when it runs alone.
        let isAtomic: Bool
        let durability: Durability
        let body: @Sendable (SQLiteHandle) throws -> any Sendable
        /// Runs on the writer's queue after the commit that made the write, in commit order.
        let committed: (@Sendable (any Sendable) -> Void)?
        let continuation: WALFlusher.Continuation
    }

    init(handle: SQLiteHandle, checkpointer: SQLiteHandle, path: String, deferredFlushDelay: Duration, logger: Logger) {
        self.handle = handle
        self.path = path
        self.logger = logger
        flusher = WALFlusher(databasePath: path, deferredDelay: deferredFlushDelay, logger: logger)
        self.checkpointer = Checkpointer(handle: checkpointer, logger: logger)
        queue = DispatchQueue(label: "gatehouse.directory.sqlite.writer")
    }

    var groupCommits: Int { state.withLock { $0.groupCommits } }
    /// Whether ``close()`` has begun: no write is taken from then on.
    var isClosed: Bool { state.withLock { $0.isClosed } }
    var walFlushes: Int { flusher.flushes }
    var checkpoints: Int { checkpointer.checkpoints }

    /// Runs `body` in the next group commit and returns its result once that commit is committed and,
    /// for a durable write, flushed to stable storage.
    /// - Parameters:
    ///   - atomic: Whether `body`'s statements must be one transaction when the write runs alone (in a
    ///     group, its savepoint makes them one); a single statement is atomic by itself.
    ///   - durability: Whether to wait for the WAL's flush (``Durability``).
    ///   - committed: Called with `body`'s result on the writer's queue once the write is committed,
    ///     before any later write runs and before the caller resumes.
    func write<T: Sendable>(
        _ action: String, atomic: Bool = false, durability: Durability = .durable,
        committed: (@Sendable (T) -> Void)? = nil, _ body: @escaping @Sendable (SQLiteHandle) throws -> T
    ) async throws(DirectoryError) -> T {
        var afterCommit: (@Sendable (any Sendable) -> Void)?
        if let committed { afterCommit = { value in committed(value as! T) } }  // `body` returned a T
        let result = await withCheckedContinuation { [afterCommit] (continuation: WALFlusher.Continuation) in
            let write = PendingWrite(
                action: action, isAtomic: atomic, durability: durability, body: { try body($0) }, committed: afterCommit,
                continuation: continuation)
            let schedule: Bool? = state.withLock { state in
                guard !state.isClosed else { return nil }
                state.pending.append(write)
                defer { state.isScheduled = true }
                return !state.isScheduled
            }
            switch schedule {
            case nil: continuation.resume(returning: .failure(closed(action)))
            case true?: queue.async { self.commitPending() }
            case false?: break
            }
        }
        switch result {
        case .success(let value): return value as! T  // `body` returned a T
        case .failure(let error): throw error
        }
    }

    /// Runs `body` alone on the writing connection, outside any group (an import, which has a
    /// transaction of its own), and returns once it is durable.
    func alone(_ action: String, _ body: @escaping @Sendable (SQLiteHandle) throws -> Void) async throws(DirectoryError) {
        let result = await withCheckedContinuation { (continuation: WALFlusher.Continuation) in
            queue.async { [self] in
                guard let handle, !state.withLock({ $0.isClosed }) else { return continuation.resume(returning: .failure(closed(action))) }
                do {
                    try body(handle)
                    flusher.flush([(continuation, .success(()))])
                } catch {
                    continuation.resume(returning: .failure(SQLiteStore.translate(error, doing: action)))
                }
            }
        }
        _ = try result.get()
    }

    /// Refuses new writes, lets the queued ones commit and flush, then closes the connection.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { $0.isClosed = true }
            queue.async { [self] in
                handle = nil
                continuation.resume()
            }
        }
        await flusher.finish()
        await checkpointer.finish()
    }

    /// One turn of the queue: commits every pending write as one group, resumes the callers of the
    /// deferred ones and of those that failed, and hands the durable ones to the flusher.
    private func commitPending() {
        let (group, checkpointDue) = state.withLock { state in
            defer {
                state.pending = []
                state.isScheduled = false
                state.groupCommits += 1
            }
            state.writesSinceCheckpoint += state.pending.count
            let due = state.writesSinceCheckpoint >= Self.checkpointInterval
            if due { state.writesSinceCheckpoint = 0 }
            return (state.pending, due)
        }
        let results = commit(group)
        for (write, result) in zip(group, results) {
            if let committed = write.committed, case .success(let value) = result { committed(value) }
        }
        if checkpointDue { checkpointer.request() }
        var durable: [(WALFlusher.Continuation, Result<any Sendable, DirectoryError>)] = []
        var deferred = false
        for (write, result) in zip(group, results) {
            if write.durability == .durable, case .success = result {
                durable.append((write.continuation, result))
            } else {
                deferred = deferred || write.durability != .durable
                write.continuation.resume(returning: result)
            }
        }
        if !durable.isEmpty {
            flusher.flush(durable)
        } else if deferred {
            flusher.flushSoon()
        }
        finishCheckpoint()
    }

    /// After each checkpoint of the ``Checkpointer``, copies on this connection what was committed
    /// while it ran (a few frames; the group's callers have already been resumed), so that the next
    /// write finds the whole WAL in the database file and starts it over from its beginning. Under
    /// steady writes the checkpointer alone never catches up with the writer, and the WAL would grow
    /// without bound (and every read and `fsync` with it).
    private func finishCheckpoint() {
        let done = checkpointer.checkpoints
        guard done > checkpointsFinished, let handle else { return }
        checkpointsFinished = done
        do {
            try handle.checkpoint()
        } catch {
            logger.warning("checkpoint failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// Runs `group` in one transaction, each write in a savepoint of its own. A lone write runs as it
    /// is, its one statement committed by SQLite, or in a transaction of its own when it is atomic.
    /// - Returns: Each write's result, in order; all of them fail if the transaction cannot commit.
    private func commit(_ group: [PendingWrite]) -> [Result<any Sendable, DirectoryError>] {
        guard let handle else { return group.map { .failure(closed($0.action)) } }
        if group.count == 1, let write = group.first {
            do {
                return [.success(write.isAtomic ? try handle.transaction { try write.body(handle) } : try write.body(handle))]
            } catch {
                return [.failure(SQLiteStore.translate(error, doing: write.action))]
            }
        }
        do {
            try handle.query("BEGIN IMMEDIATE")
        } catch {
            return group.map { .failure(SQLiteStore.translate(error, doing: $0.action)) }
        }
        var results: [Result<any Sendable, DirectoryError>] = []
        results.reserveCapacity(group.count)
        for write in group {
            do {
                try handle.query("SAVEPOINT group_write")
                let value = try write.body(handle)
                try handle.query("RELEASE group_write")
                results.append(.success(value))
            } catch {
                try? handle.execute("ROLLBACK TO group_write; RELEASE group_write")
                results.append(.failure(SQLiteStore.translate(error, doing: write.action)))
            }
        }
        do {
            try handle.query("COMMIT")
        } catch {
            do {
                try handle.execute("ROLLBACK")
            } catch let rollbackError {
                logger.error("rollback failed", metadata: ["path": "\(path)", "error": "\(rollbackError)"])
            }
            return group.map { .failure(SQLiteStore.translate(error, doing: $0.action)) }
        }
        return results
    }

    func closed(_ action: String) -> DirectoryError {
        .closed("the database '\(path)' is closed; cannot \(action)")
    }
}

// MARK: - Flushing the WAL

/// Makes committed writes durable: `fsync` of the WAL file on a queue of its own, so the writing
/// connection never waits for the disk. Callers handed over while a flush is running wait for the
/// next one, so concurrent durable writes share each `fsync` (a group commit of the flushes).
///
/// The WAL only grows by appending (or restarts from its start after a checkpoint has copied and
/// synced every frame into the database file), so one `fsync` of it makes every commit appended
/// before it durable, deferred ones included. The file is opened when first needed, after the
/// first commit has created it, and its directory is synced once so that the file itself survives.
private final class WALFlusher: @unchecked Sendable {
    typealias Continuation = CheckedContinuation<Result<any Sendable, DirectoryError>, Never>

    private let queue = DispatchQueue(label: "gatehouse.directory.sqlite.flush")
    private let state = Mutex(State())
    private let databasePath: String
    private let logger: Logger
    /// The WAL file, opened on `queue` at the first flush; -1 until then and after `close()`.
    private var descriptor: Int32 = -1
    /// Set on `queue` by ``finish()``: a deferred flush due later has nothing left to do.
    private var isFinished = false

    private struct State {
        var waiting: [(Continuation, Result<any Sendable, DirectoryError>)] = []
        var isScheduled = false
        /// Whether a flush for deferred commits is already due (``flushSoon()``).
        var isDue = false
        var flushes = 0
    }

    /// How long a deferred commit may stay only in the operating system's cache.
    let deferredDelay: Duration

    init(databasePath: String, deferredDelay: Duration, logger: Logger) {
        self.databasePath = databasePath
        self.deferredDelay = deferredDelay
        self.logger = logger
    }

    var flushes: Int { state.withLock { $0.flushes } }

    /// Resumes each caller with its result after the next `fsync` of the WAL (with a `storage` error
    /// instead if that `fsync` fails).
    func flush(_ callers: [(Continuation, Result<any Sendable, DirectoryError>)]) {
        let schedule = state.withLock { state in
            state.waiting.append(contentsOf: callers)
            defer { state.isScheduled = true }
            return !state.isScheduled
        }
        if schedule { queue.async { self.flushWaiting() } }
    }

    /// Makes sure a flush follows within ``deferredDelay``, for deferred commits: nobody waits for
    /// it, but no commit stays only in the operating system's cache for longer than that (plus the
    /// `fsync` itself). Commits made meanwhile share it.
    func flushSoon() {
        let schedule = state.withLock { state in
            defer { state.isDue = true }
            return !state.isDue
        }
        guard schedule else { return }
        let delay = deferredDelay.components
        let nanoseconds = Int(delay.seconds) * 1_000_000_000 + Int(delay.attoseconds / 1_000_000_000)
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            state.withLock { $0.isDue = false }
            flushWaiting()
        }
    }

    /// Waits for the flushes already asked for, then closes the file.
    func finish() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                if descriptor >= 0 { _ = close(descriptor) }
                descriptor = -1
                isFinished = true
                continuation.resume()
            }
        }
    }

    private func flushWaiting() {
        let callers = state.withLock { state in
            defer {
                state.waiting = []
                state.isScheduled = false
                state.flushes += 1
            }
            return state.waiting
        }
        // After `finish()` the connection closed, and closing flushed what the writer committed.
        let failure = isFinished && callers.isEmpty ? nil : sync()
        for (continuation, result) in callers {
            continuation.resume(returning: failure.map { .failure($0) } ?? result)
        }
    }

    /// Flushes the WAL's data (`fdatasync` on Linux, as SQLite itself syncs it; `fsync` elsewhere);
    /// nil when it succeeded.
    private func sync() -> DirectoryError? {
        let walPath = databasePath + "-wal"
        if descriptor < 0 {
            let opened = open(walPath, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { return failed("open", walPath) }
            // The WAL file was created by the first commit: its directory entry must be durable too.
            let directory = (walPath as NSString).deletingLastPathComponent
            let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
            guard directoryDescriptor >= 0 else {
                _ = close(opened)
                return failed("open the folder of", walPath)
            }
            defer { _ = close(directoryDescriptor) }
            guard fsync(directoryDescriptor) == 0 else {
                _ = close(opened)
                return failed("fsync the folder of", walPath)
            }
            descriptor = opened
        }
        #if os(Linux)
        let synced = fdatasync(descriptor)
        #else
        let synced = fsync(descriptor)
        #endif
        guard synced == 0 else { return failed("fsync", walPath) }
        return nil
    }

    private func failed(_ what: String, _ walPath: String) -> DirectoryError {
        let reason = String(cString: strerror(errno))
        logger.critical("cannot \(what) the WAL; committed writes may not be durable", metadata: ["path": "\(walPath)", "error": "\(reason)"])
        return .storage("cannot \(what) '\(walPath)' (\(reason)): the write is committed but may not survive a power cut")
    }
}

// MARK: - Checkpoints

/// Copies the WAL into the database file on a connection and a queue of its own (passive checkpoints:
/// the writer goes on committing meanwhile), so the writing connection never stops for it. Requests
/// that arrive while a checkpoint runs are served by the next one. SQLite's checkpoint syncs the WAL
/// before it copies and the database file after, so a checkpoint never makes a write less durable,
/// and the writer starts the WAL over once everything in it has been copied.
private final class Checkpointer: @unchecked Sendable {
    private let queue = DispatchQueue(label: "gatehouse.directory.sqlite.checkpoint")
    /// Used only on `queue`; nil once finished.
    private var handle: SQLiteHandle?
    private let state = Mutex((isScheduled: false, checkpoints: 0))
    private let logger: Logger

    init(handle: SQLiteHandle, logger: Logger) {
        self.handle = handle
        self.logger = logger
    }

    var checkpoints: Int { state.withLock { $0.checkpoints } }

    /// Runs a checkpoint soon, unless one is already waiting to run.
    func request() {
        let schedule = state.withLock { state in
            defer { state.isScheduled = true }
            return !state.isScheduled
        }
        guard schedule else { return }
        queue.async { [self] in
            state.withLock { $0.isScheduled = false }
            guard let handle else { return }
            do {
                try handle.checkpoint()
            } catch {
                // The WAL only grows until the next checkpoint succeeds; nothing is lost.
                logger.warning("checkpoint failed", metadata: ["path": "\(handle.path)", "error": "\(error)"])
            }
            state.withLock { $0.checkpoints += 1 }
        }
    }

    /// Lets a running checkpoint end, then closes the connection.
    func finish() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                handle = nil
                continuation.resume()
            }
        }
    }
}
