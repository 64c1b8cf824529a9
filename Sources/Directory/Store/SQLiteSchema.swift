/// The SQLite store's schema, as an ordered list of migrations. A database records how many have
/// run in `PRAGMA user_version`; opening it runs the rest, each in its own transaction.
///
/// Never edit a shipped migration: append a new one.
enum SQLiteSchema {
    /// Migration `n` (0-based) moves a database from version `n` to `n + 1`.
    static let migrations: [[String]] = [
        // 1: the directory as one row per entity (JSON body, import order kept in `position`),
        // credential slots and ephemeral entries.
        [
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
            "CREATE TABLE levels (name TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID",
            "CREATE TABLE connections (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID",
            "CREATE TABLE organizations (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID",
            "CREATE TABLE apps (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID",
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY, position INTEGER NOT NULL, email_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE credentials (
                user_id TEXT NOT NULL REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
                kind TEXT NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (user_id, kind)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE ephemeral (
                namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires_at REAL NOT NULL,
                PRIMARY KEY (namespace, key)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX ephemeral_expiry ON ephemeral (expires_at)",
        ],
        // 2: ephemeral entries in a rowid table. Their values (sessions, codes, tokens) are far larger
        // than a WITHOUT ROWID row should be, and their keys are random: every write rewrote a random
        // leaf of few rows. Now a value is appended at the table's end and only its small key goes
        // into a random leaf of the unique index.
        [
            """
            CREATE TABLE ephemeral_rows (
                namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires_at REAL NOT NULL,
                UNIQUE (namespace, key)
            )
            """,
            "INSERT INTO ephemeral_rows (namespace, key, value, expires_at) SELECT namespace, key, value, expires_at FROM ephemeral",
            "DROP TABLE ephemeral",
            "ALTER TABLE ephemeral_rows RENAME TO ephemeral",
            "CREATE INDEX ephemeral_expiry ON ephemeral (expires_at)",
        ],
    ]

    /// The version a fully migrated database has.
    static var currentVersion: Int { migrations.count }
}
