import Foundation
import FlowEngine

/// Where the directory and the broker's small pieces of state live, so any node can finish a login
/// another node started (DESIGN.md §7).
///
/// Three kinds of data:
/// - **the directory** (levels, connections, organizations, apps, users), replaced as a whole by a
///   configuration import and read back as a ``DirectoryConfig``; users are also read and upserted
///   one by one (just-in-time provisioning);
/// - **credential slots**: opaque bytes per user and kind (an encoded TOTP seed, attempt counters,
///   recovery-code hashes) that the authenticators encode and decode themselves;
/// - **ephemeral entries**: bytes per namespace and key with an expiry (login transactions, one-time
///   markers, replay caches). An expired entry is absent, whether or not it has been purged yet.
///
/// Time is always passed in, never read from the clock. Every implementation runs the same contract
/// tests (`DirectoryStoreContractTests`).
public protocol DirectoryStore: Sendable {
    /// Replaces the whole directory with `config`, atomically: if anything fails, the previous
    /// directory is left exactly as it was. Credential slots of users that no longer exist are
    /// removed; ephemeral entries are kept.
    /// - Throws: ``DirectoryError`` `conflict` when `config` repeats an id or a user email (ignoring case).
    func replaceDirectory(with config: DirectoryConfig) async throws(DirectoryError)

    /// The whole directory, in the order it was imported (users saved later come after).
    func loadDirectory() async throws(DirectoryError) -> DirectoryConfig

    /// The user with this id.
    func user(id: UserID) async throws(DirectoryError) -> UserRecord?

    /// The user with this email address, ignoring case (``EmailAddress/lookupKey``).
    func user(email: String) async throws(DirectoryError) -> UserRecord?

    /// Inserts or replaces the user with `user.id`.
    /// - Throws: ``DirectoryError`` `conflict` when another user already has the email address.
    func saveUser(_ user: UserRecord) async throws(DirectoryError)

    /// The bytes in a user's credential slot.
    /// - Parameters:
    ///   - user: The user.
    ///   - kind: The slot (`totp`, `totp-attempts`, `recovery-codes`…), chosen by the caller.
    func credential(user: UserID, kind: String) async throws(DirectoryError) -> Data?

    /// Writes a user's credential slot.
    /// - Throws: ``DirectoryError`` `unknownUser` when the user does not exist.
    func setCredential(user: UserID, kind: String, data: Data) async throws(DirectoryError)

    /// Empties a user's credential slot (nothing happens when it is already empty).
    func removeCredential(user: UserID, kind: String) async throws(DirectoryError)

    /// Writes an ephemeral entry, replacing any entry under the same key.
    func putEphemeral(namespace: String, key: String, value: Data, expiresAt: Date) async throws(DirectoryError)

    /// The value of a live ephemeral entry: nil when absent or when `expiresAt <= now`.
    func ephemeral(namespace: String, key: String, now: Date) async throws(DirectoryError) -> Data?

    /// Deletes an ephemeral entry (nothing happens when it is absent).
    func deleteEphemeral(namespace: String, key: String) async throws(DirectoryError)

    /// Applies several ephemeral writes as one atomic step, in order: after a failure none of them
    /// has happened. For a change that touches several entries at once (a session renewed under a new
    /// cookie, its index, the login transaction it ends), so that it costs one commit, not one each.
    /// - Parameter durability: Whether the call returns only once the writes would survive a power
    ///   cut (``Durability``).
    func writeEphemeral(_ writes: [EphemeralWrite], durability: Durability) async throws(DirectoryError)

    /// Writes an ephemeral entry only if no live entry holds the key and, only then, `writes` (in
    /// order), all as one atomic step: of two concurrent callers exactly one gets `true`, and only its
    /// `writes` happen. This is what replay caches (SAML assertion IDs, OIDC nonces, used auth codes)
    /// are built on; `writes` lets a redemption store what it issues in the same commit as the marker
    /// that spends the code or token (one commit, and never tokens without their marker).
    /// - Parameters:
    ///   - durability: Whether the call returns only once the entry would survive a power cut
    ///     (``Durability``); a replay marker must be `durable`.
    ///   - writes: What to write with the entry when it is written; nothing when it is not.
    /// - Returns: true when the entry (and `writes`) was written; false when a live entry already existed.
    func insertEphemeralIfAbsent(
        namespace: String, key: String, value: Data, expiresAt: Date, now: Date, durability: Durability, with writes: [EphemeralWrite]
    ) async throws(DirectoryError) -> Bool

    /// Takes the lock `key` in `namespace` unless a holder has it now; a holder that never releases it
    /// (a node that died holding it) loses it at `expiresAt`. For short sections that must not run
    /// twice at once on any node, such as one submission of a login page. The default keeps locks as
    /// ephemeral entries (``Durability/deferred``: a lock only matters while its holder runs), so every
    /// node sharing the store sees them; a store that only this process uses keeps them in memory.
    /// - Returns: true when the caller now holds the lock.
    func takeLock(namespace: String, key: String, expiresAt: Date, now: Date) async throws(DirectoryError) -> Bool

    /// Releases a lock taken with ``takeLock(namespace:key:expiresAt:now:)``.
    func releaseLock(namespace: String, key: String) async throws(DirectoryError)

    /// Reads from the storage itself, past any copy kept in memory: a readiness probe.
    /// - Throws: ``DirectoryError`` when the storage does not answer.
    func checkReadable() async throws(DirectoryError)

    /// Deletes every ephemeral entry with `expiresAt <= now`.
    /// - Returns: How many entries were deleted.
    @discardableResult
    func purgeExpired(now: Date) async throws(DirectoryError) -> Int
}

extension DirectoryStore {
    /// See ``DirectoryStore/takeLock(namespace:key:expiresAt:now:)``: ``takeLockEntry(namespace:key:expiresAt:now:)``.
    public func takeLock(namespace: String, key: String, expiresAt: Date, now: Date) async throws(DirectoryError) -> Bool {
        try await takeLockEntry(namespace: namespace, key: key, expiresAt: expiresAt, now: now)
    }

    /// See ``DirectoryStore/releaseLock(namespace:key:)``: ``releaseLockEntry(namespace:key:)``.
    public func releaseLock(namespace: String, key: String) async throws(DirectoryError) {
        try await releaseLockEntry(namespace: namespace, key: key)
    }

    /// A lock as every node sharing the store sees it: an ephemeral entry, inserted if absent.
    public func takeLockEntry(namespace: String, key: String, expiresAt: Date, now: Date) async throws(DirectoryError) -> Bool {
        try await insertEphemeralIfAbsent(namespace: namespace, key: key, value: Data(), expiresAt: expiresAt, now: now, durability: .deferred)
    }

    /// Releases a lock taken with ``takeLockEntry(namespace:key:expiresAt:now:)``: its entry deleted.
    public func releaseLockEntry(namespace: String, key: String) async throws(DirectoryError) {
        try await writeEphemeral([.delete(namespace: namespace, key: key)], durability: .deferred)
    }

    /// ``writeEphemeral(_:durability:)``, durable.
    public func writeEphemeral(_ writes: [EphemeralWrite]) async throws(DirectoryError) {
        try await writeEphemeral(writes, durability: .durable)
    }

    /// ``insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:durability:with:)`` of the entry alone.
    public func insertEphemeralIfAbsent(
        namespace: String, key: String, value: Data, expiresAt: Date, now: Date, durability: Durability
    ) async throws(DirectoryError) -> Bool {
        try await insertEphemeralIfAbsent(
            namespace: namespace, key: key, value: value, expiresAt: expiresAt, now: now, durability: durability, with: [])
    }

    /// ``insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:durability:with:)`` of the entry
    /// alone, durable: what a replay marker needs.
    public func insertEphemeralIfAbsent(
        namespace: String, key: String, value: Data, expiresAt: Date, now: Date
    ) async throws(DirectoryError) -> Bool {
        try await insertEphemeralIfAbsent(namespace: namespace, key: key, value: value, expiresAt: expiresAt, now: now, durability: .durable)
    }
}

/// When a write returns: once it would survive a power cut, as soon as it is committed, or at once.
///
/// A `durable` or `deferred` write is committed before it returns — atomic, visible to every reader
/// on every node, and kept if the process crashes. The difference is the operating system's cache: a
/// `deferred` write may still be only there for a few milliseconds (the SQLite store flushes it within
/// 10 ms), so a power cut or a kernel crash in that moment can lose it (never half of it, and never a
/// write that was committed before a `durable` one that returned: the log is flushed in order). Choose
/// `deferred` where losing the write only makes someone start again or undoes it whole: an SSO session
/// being created, a code or refresh token being redeemed (its used-marker and the tokens it issued are
/// one write, lost together). A `transient` write may not even be committed yet when it returns (see
/// there): for what is usually deleted again within seconds — a code being issued, a login
/// transaction in progress. What a security decision rests on by itself — a replay marker with
/// nothing issued beside it (a SAML assertion ID, a client assertion `jti`, a TOTP step), a
/// revocation, a logout, an account or credential change — is `durable`.
public enum Durability: Sendable, Hashable {
    /// Returns once the write is on stable storage.
    case durable
    /// Returns once the write is committed; stable storage follows with the next flush of the log.
    case deferred
    /// Returns at once: the store may keep the write in memory for a short delay and commit it only
    /// if no later write of the same key replaced or deleted it meanwhile (``SQLiteStore`` does when it
    /// has its file to itself; other stores treat it as `deferred`). A crash of the process within the
    /// delay loses it. For short-lived entries that are usually gone again within the delay and whose
    /// loss only makes someone start again: an authorization code (deleted when redeemed), a login
    /// transaction in progress (deleted when it finishes).
    case transient
}

/// Where an ephemeral entry lives: its namespace and key (how the stores index their entries).
struct EphemeralKey: Hashable, Sendable {
    let namespace: String
    let key: String
}

/// One write of ``DirectoryStore/writeEphemeral(_:durability:)``.
public enum EphemeralWrite: Sendable, Hashable {
    /// Writes an entry, replacing any entry under the same key (as ``DirectoryStore/putEphemeral(namespace:key:value:expiresAt:)``).
    case put(namespace: String, key: String, value: Data, expiresAt: Date)
    /// Deletes an entry, if there is one (as ``DirectoryStore/deleteEphemeral(namespace:key:)``).
    case delete(namespace: String, key: String)
}

extension EphemeralWrite {
    /// The entry this write puts or deletes.
    var entryKey: EphemeralKey {
        switch self {
        case .put(let namespace, let key, _, _), .delete(let namespace, let key): EphemeralKey(namespace: namespace, key: key)
        }
    }
}

extension DirectoryConfig {
    /// Checks what every store enforces on import: ids unique within each kind and user emails unique
    /// ignoring case.
    /// - Throws: ``DirectoryError`` `conflict` naming the first repeated id or email.
    public func checkUniqueness() throws(DirectoryError) {
        try Self.unique(levels.map(\.name.rawValue), "level")
        try Self.unique(connections.map(\.id.rawValue), "connection")
        try Self.unique(organizations.map(\.id.rawValue), "organization")
        try Self.unique(apps.map(\.id.rawValue), "app")
        try Self.unique(users.map(\.id.rawValue), "user")
        var emails: Set<String> = []
        for user in users where !emails.insert(EmailAddress.lookupKey(for: user.email)).inserted {
            throw .conflict("the email '\(user.email)' is used by more than one user")
        }
    }

    private static func unique(_ ids: [String], _ kind: String) throws(DirectoryError) {
        var seen: Set<String> = []
        for id in ids where !seen.insert(id).inserted {
            throw .conflict("the \(kind) id '\(id)' appears more than once")
        }
    }
}
