import FlowEngine
import Synchronization

/// Rows of a database file that only this process writes, kept in memory by key: users by id (every
/// token grant and SSO login reads its user) and credentials by user and kind (every SSO login reads
/// the user's recovery codes, and a third-party app's login the user's consent), which then do not go
/// to the file. A credential the user does not have is kept too, as a `nil` value.
///
/// Only sound while no other process writes the file (``SQLiteStore/Sharing/exclusive``). A write of
/// such rows (``SQLiteStore/saveUser(_:)``, ``SQLiteStore/setCredential(user:kind:data:)``, an import)
/// calls ``invalidate(_:)`` before it runs and again after it commits; a read that missed keeps what
/// it read from the file only if no such call came in between (``fill(_:_:ticket:)``), so it can never
/// put back a row that a write replaced. At most ``capacity`` rows, all dropped when that is reached
/// (the file has them all).
final class RowCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The most rows kept.
    let capacity: Int

    private struct State {
        var rows: [Key: Value] = [:]
        /// Counts invalidations: a fill must come with the count its miss saw.
        var version = 0
    }

    private let state = Mutex(State())

    /// A cache of at most `capacity` rows.
    init(capacity: Int = 8_192) { self.capacity = capacity }

    /// The row kept under `key` (nil when none is kept), or the ticket a fill after reading the file needs.
    func lookup(_ key: Key) -> (value: Value?, ticket: Int) {
        state.withLock { ($0.rows[key], $0.version) }
    }

    /// Keeps `value` under `key`, read from the file after a miss that gave `ticket`, unless a write
    /// started or ended since.
    func fill(_ key: Key, _ value: Value, ticket: Int) {
        state.withLock { state in
            guard state.version == ticket else { return }
            if state.rows.count >= capacity { state.rows.removeAll(keepingCapacity: true) }
            state.rows[key] = value
        }
    }

    /// Forgets the row under `key`, or every row when nil (an import), and voids the tickets given so far.
    func invalidate(_ key: Key?) {
        state.withLock { state in
            state.version += 1
            if let key { state.rows.removeValue(forKey: key) } else { state.rows.removeAll() }
        }
    }
}

/// Where a credential is: its user and kind (``DirectoryStore/credential(user:kind:)``).
struct CredentialKey: Hashable, Sendable {
    var user: UserID
    var kind: String
}
