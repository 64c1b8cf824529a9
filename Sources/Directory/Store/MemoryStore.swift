import Foundation
import FlowEngine

/// A ``DirectoryStore`` in memory: for tests, `replay`, and single-process use where nothing must
/// survive a restart.
public actor MemoryStore: DirectoryStore {
    private var config = DirectoryConfig()
    /// Index into `config.users` by id.
    private var userIndex: [UserID: Int] = [:]
    /// User id by ``EmailAddress/lookupKey``.
    private var usersByEmail: [String: UserID] = [:]
    private var credentials: [UserID: [String: Data]] = [:]
    private var ephemerals: [EphemeralKey: (value: Data, expiresAt: Date)] = [:]

    /// Creates an empty store.
    public init() {}

    /// Creates a store holding `config`.
    /// - Throws: As ``replaceDirectory(with:)``.
    public init(config: DirectoryConfig) throws(DirectoryError) {
        try config.checkUniqueness()
        self.config = config
        (userIndex, usersByEmail) = Self.indexes(of: config.users)
    }

    /// See ``DirectoryStore/replaceDirectory(with:)``; checks ``DirectoryConfig/checkUniqueness()`` before changing anything.
    public func replaceDirectory(with config: DirectoryConfig) throws(DirectoryError) {
        try config.checkUniqueness()
        self.config = config
        (userIndex, usersByEmail) = Self.indexes(of: config.users)
        credentials = credentials.filter { userIndex[$0.key] != nil }
    }

    /// See ``DirectoryStore/loadDirectory()``.
    public func loadDirectory() -> DirectoryConfig { config }

    /// See ``DirectoryStore/user(id:)``.
    public func user(id: UserID) -> UserRecord? { userIndex[id].map { config.users[$0] } }

    /// See ``DirectoryStore/user(email:)``.
    public func user(email: String) -> UserRecord? {
        usersByEmail[EmailAddress.lookupKey(for: email)].flatMap { user(id: $0) }
    }

    /// See ``DirectoryStore/saveUser(_:)``.
    public func saveUser(_ user: UserRecord) throws(DirectoryError) {
        let key = EmailAddress.lookupKey(for: user.email)
        if let owner = usersByEmail[key], owner != user.id {
            throw .conflict("the email '\(user.email)' already belongs to another user")
        }
        if let index = userIndex[user.id] {
            usersByEmail[EmailAddress.lookupKey(for: config.users[index].email)] = nil
            config.users[index] = user
        } else {
            userIndex[user.id] = config.users.count
            config.users.append(user)
        }
        usersByEmail[key] = user.id
    }

    /// See ``DirectoryStore/credential(user:kind:)``.
    public func credential(user: UserID, kind: String) -> Data? { credentials[user]?[kind] }

    /// See ``DirectoryStore/setCredential(user:kind:data:)``.
    public func setCredential(user: UserID, kind: String, data: Data) throws(DirectoryError) {
        guard userIndex[user] != nil else { throw .unknownUser("there is no user '\(user)' to hold a '\(kind)' credential") }
        credentials[user, default: [:]][kind] = data
    }

    /// See ``DirectoryStore/removeCredential(user:kind:)``.
    public func removeCredential(user: UserID, kind: String) {
        credentials[user]?[kind] = nil
    }

    /// See ``DirectoryStore/putEphemeral(namespace:key:value:expiresAt:)``.
    public func putEphemeral(namespace: String, key: String, value: Data, expiresAt: Date) {
        ephemerals[EphemeralKey(namespace: namespace, key: key)] = (value, expiresAt)
    }

    /// See ``DirectoryStore/ephemeral(namespace:key:now:)``.
    public func ephemeral(namespace: String, key: String, now: Date) -> Data? {
        guard let entry = ephemerals[EphemeralKey(namespace: namespace, key: key)], entry.expiresAt > now else { return nil }
        return entry.value
    }

    /// See ``DirectoryStore/deleteEphemeral(namespace:key:)``.
    public func deleteEphemeral(namespace: String, key: String) {
        ephemerals[EphemeralKey(namespace: namespace, key: key)] = nil
    }

    /// See ``DirectoryStore/writeEphemeral(_:durability:)``; memory has no disk to wait for.
    public func writeEphemeral(_ writes: [EphemeralWrite], durability: Durability) {
        for write in writes {
            switch write {
            case .put(let namespace, let key, let value, let expiresAt): putEphemeral(namespace: namespace, key: key, value: value, expiresAt: expiresAt)
            case .delete(let namespace, let key): deleteEphemeral(namespace: namespace, key: key)
            }
        }
    }

    /// See ``DirectoryStore/insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:durability:with:)``.
    public func insertEphemeralIfAbsent(
        namespace: String, key: String, value: Data, expiresAt: Date, now: Date, durability: Durability, with writes: [EphemeralWrite]
    ) -> Bool {
        let entryKey = EphemeralKey(namespace: namespace, key: key)
        if let existing = ephemerals[entryKey], existing.expiresAt > now { return false }
        ephemerals[entryKey] = (value, expiresAt)
        writeEphemeral(writes, durability: durability)
        return true
    }

    /// See ``DirectoryStore/checkReadable()``: memory is the storage, and it always answers.
    public func checkReadable() {}

    /// See ``DirectoryStore/purgeExpired(now:)``.
    @discardableResult
    public func purgeExpired(now: Date) -> Int {
        let before = ephemerals.count
        ephemerals = ephemerals.filter { $0.value.expiresAt > now }
        return before - ephemerals.count
    }

    private static func indexes(of users: [UserRecord]) -> ([UserID: Int], [String: UserID]) {
        var byID: [UserID: Int] = [:]
        var byEmail: [String: UserID] = [:]
        for (index, user) in users.enumerated() {
            byID[user.id] = index
            byEmail[EmailAddress.lookupKey(for: user.email)] = user.id
        }
        return (byID, byEmail)
    }
}
