import FlowEngine
import Synchronization

/// Users of a database file that only this process writes, kept in memory by id: every token grant
/// and SSO login reads its user, which then does not go to the file.
///
/// Only sound while no other process writes the file (``SQLiteStore/Sharing/exclusive``). A write of
/// users (``SQLiteStore/saveUser(_:)``, an import) calls ``invalidate(_:)`` before it runs and again
/// after it commits; a read that missed keeps what it read from the file only if no such call came
/// in between (``fill(_:ticket:)``), so it can never put back a user that a write replaced. At most
/// ``capacity`` users, all dropped when that is reached (the file has them all).
final class UserCache: Sendable {
    /// The most users kept.
    static let capacity = 8_192

    private struct State {
        var users: [UserID: UserRecord] = [:]
        /// Counts invalidations: a fill must come with the count its miss saw.
        var version = 0
    }

    private let state = Mutex(State())

    /// The user kept under `id`, or the ticket a fill after reading the file needs.
    func lookup(_ id: UserID) -> (user: UserRecord?, ticket: Int) {
        state.withLock { ($0.users[id], $0.version) }
    }

    /// Keeps `user`, read from the file after a miss that gave `ticket`, unless a write of users
    /// started or ended since.
    func fill(_ user: UserRecord, ticket: Int) {
        state.withLock { state in
            guard state.version == ticket else { return }
            if state.users.count >= Self.capacity { state.users.removeAll(keepingCapacity: true) }
            state.users[user.id] = user
        }
    }

    /// Forgets the user `id`, or every user when nil (an import), and voids the tickets given so far.
    func invalidate(_ id: UserID?) {
        state.withLock { state in
            state.version += 1
            if let id { state.users.removeValue(forKey: id) } else { state.users.removeAll() }
        }
    }
}
