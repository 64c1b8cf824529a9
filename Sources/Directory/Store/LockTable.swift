import Foundation
import Synchronization

/// Locks held in this process's memory, for a store that no other process uses
/// (``SQLiteStore/Sharing/exclusive``): taking and releasing one costs no write to the file and no
/// wait for the writer, and means the same as the ephemeral entry a shared store writes, since no other
/// process can ask for it. A lock whose holder never releases it is free again at its expiry.
final class LockTable: Sendable {
    private struct Key: Hashable {
        let namespace: String
        let key: String
    }

    /// The held locks and when each expires.
    private let held = Mutex<[Key: Date]>([:])

    /// Takes the lock unless it is held and not expired at `now`.
    /// - Returns: true when the caller now holds it.
    func take(namespace: String, key: String, expiresAt: Date, now: Date) -> Bool {
        let wanted = Key(namespace: namespace, key: key)
        return held.withLock { held in
            if let expiry = held[wanted], expiry > now { return false }
            held[wanted] = expiresAt
            return true
        }
    }

    /// Releases the lock (nothing happens when it is not held).
    func release(namespace: String, key: String) {
        _ = held.withLock { $0.removeValue(forKey: Key(namespace: namespace, key: key)) }
    }

    /// How many locks are held or expired without release (for tests).
    var count: Int { held.withLock { $0.count } }
}
