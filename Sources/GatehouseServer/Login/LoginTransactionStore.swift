import Directory
import Foundation

/// Login transactions in the store's ephemeral entries (namespace `login`), so any node can resume
/// one that another node started.
///
/// An entry outlives its transaction by ``grace`` so that a late request gets "this sign-in expired"
/// rather than "unknown"; the store forgets it after that.
public struct LoginTransactionStore: Sendable {
    /// The store.
    public let store: any DirectoryStore
    /// The ephemeral namespace.
    public static let namespace = "login"
    /// How long an expired transaction is still recognised as expired.
    public static let grace: TimeInterval = 15 * 60

    /// Transactions this node wrote or read lately, with their stored bytes.
    private let recent = RecentlyDecoded<LoginTransaction>()

    /// Creates a transaction store over `store`.
    public init(store: any DirectoryStore) { self.store = store }

    /// The result of looking a transaction up.
    public enum Lookup: Sendable {
        /// A live transaction.
        case found(LoginTransaction)
        /// A transaction whose time is up.
        case expired(LoginTransaction)
        /// No such transaction (never existed, finished, or forgotten).
        case unknown
    }

    /// Looks up a transaction.
    public func find(_ id: LoginTransactionID, now: Date) async throws -> Lookup {
        guard let data = try await store.ephemeral(namespace: Self.namespace, key: id.rawValue, now: now) else {
            return .unknown
        }
        guard let transaction = recent.value(id.rawValue, storedAs: data, decode: { try RecordJSON.decoder.decode(LoginTransaction.self, from: $0) })
        else { return .unknown }
        return now < transaction.expiresAt ? .found(transaction) : .expired(transaction)
    }

    /// Writes (creates or replaces) a transaction. The write is ``Durability/transient``: a login that
    /// finishes within the store's transient delay never reaches the file (its end deletes the
    /// transaction), and a login in progress that a crash loses is simply started again.
    public func save(_ transaction: LoginTransaction) async throws {
        let data = try RecordJSON.encoder.encode(transaction)
        try await store.writeEphemeral(
            [.put(namespace: Self.namespace, key: transaction.id.rawValue, value: data, expiresAt: transaction.expiresAt.addingTimeInterval(Self.grace))],
            durability: .transient)
        recent.remember(transaction, transaction.id.rawValue, storedAs: data)
    }

    /// Forgets a transaction (it finished).
    public func delete(_ id: LoginTransactionID) async throws {
        recent.forget(id.rawValue)
        try await store.writeEphemeral([Self.deletion(id)], durability: .deferred)
    }

    /// The store write that deletes a transaction, for a caller that makes it with others in one step.
    public static func deletion(_ id: LoginTransactionID) -> EphemeralWrite {
        .delete(namespace: namespace, key: id.rawValue)
    }
}

extension LoginTransactionStore {
    /// The namespace of the per-transaction locks.
    static let lockNamespace = "login.lock"

    /// Runs `body` while holding the transaction's lock, so two submissions of one page (a double
    /// click, two nodes) are never processed at once; the lock expires by itself after 30 seconds
    /// should a node die holding it (``DirectoryStore/takeLock(namespace:key:expiresAt:now:)``: in
    /// memory on a single node, an entry in the store shared by several).
    /// - Returns: nil when another request holds the lock.
    func withLock<T: Sendable>(_ id: LoginTransactionID, now: Date, _ body: () async throws -> T) async throws -> T? {
        guard try await store.takeLock(namespace: Self.lockNamespace, key: id.rawValue, expiresAt: now.addingTimeInterval(30), now: now)
        else { return nil }
        do {
            let result = try await body()
            try await store.releaseLock(namespace: Self.lockNamespace, key: id.rawValue)
            return result
        } catch {
            try? await store.releaseLock(namespace: Self.lockNamespace, key: id.rawValue)
            throw error
        }
    }
}
