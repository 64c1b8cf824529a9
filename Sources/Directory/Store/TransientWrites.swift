import Foundation
import Synchronization

/// The ``Durability/transient`` ephemeral writes of a database file that only this process writes,
/// held in memory until a later group write puts them in the file — unless a write of the same key
/// replaces or deletes them first, in which case they never reach the file at all. An authorization
/// code redeemed within the delay, or a login transaction that finishes within it, costs the file
/// nothing.
///
/// ``SQLiteStore`` keeps one only when it opened the database ``SQLiteStore/Sharing/exclusive``ly, and
/// consults it before its ``EphemeralCache`` and the file: what is held here is the store's answer for
/// its key.
/// - ``hold(_:)`` records writes (a later one of a key replaces an earlier one) and says when a flush
///   must be scheduled.
/// - A write of the store, when it runs on the writer's queue, takes the keys it touches out of here
///   first (``supersede(_:)``), and gives them back if it fails (``restore(_:)``).
/// - A flush, on the writer's queue, writes what is held (``snapshot()``); after its commit,
///   ``flushed(_:)`` lets go of each entry that was not written again since. A flush that fails leaves
///   everything held and asks for another (``retryFlush()``).
final class TransientWrites: Sendable {
    /// Entries held before a flush is made at once instead of after the delay.
    static let flushLimit = 8_192

    /// A held write and when it was held (a sequence number: a later write of its key has a higher one).
    struct Entry: Sendable {
        let write: EphemeralWrite
        fileprivate let sequence: Int
    }

    /// When the caller of ``hold(_:)`` must have the held writes flushed.
    enum Flush: Equatable {
        /// A flush is already scheduled.
        case scheduled
        /// Schedule one after the delay.
        case afterDelay
        /// Schedule one now: ``flushLimit`` entries are held.
        case now
    }

    private struct State {
        var entries: [EphemeralKey: Entry] = [:]
        var sequence = 0
        var isScheduled = false
        var isUrgent = false
        var isClosed = false
    }

    private let state = Mutex(State())

    /// How many writes are held (for tests).
    var count: Int { state.withLock { $0.entries.count } }

    /// Holds `writes`, in order, each replacing what was held for its key.
    /// - Returns: When to flush, or nil when the store is closing and nothing was held.
    func hold(_ writes: [EphemeralWrite]) -> Flush? {
        state.withLock { state -> Flush? in
            guard !state.isClosed else { return nil }
            for write in writes {
                state.sequence += 1
                state.entries[write.entryKey] = Entry(write: write, sequence: state.sequence)
            }
            if state.entries.count >= Self.flushLimit, !state.isUrgent {
                state.isUrgent = true
                state.isScheduled = true
                return .now
            }
            guard !state.isScheduled else { return .scheduled }
            state.isScheduled = true
            return .afterDelay
        }
    }

    /// The held answer for a key: nil when nothing is held for it; else the live value, or nil inside
    /// when the held write deletes it or has expired at `now`.
    func lookup(namespace: String, key: String, now: Date) -> Data?? {
        state.withLock { state -> Data?? in
            switch state.entries[EphemeralKey(namespace: namespace, key: key)]?.write {
            case nil: return nil
            case .delete?: return .some(nil)
            case .put(_, _, let value, let expiresAt)?: return .some(expiresAt > now ? value : nil)
            }
        }
    }

    /// Takes out what is held for the keys `writes` touch (a write of them is about to run).
    /// - Returns: What was taken out, for ``restore(_:)`` should that write fail.
    func supersede(_ writes: [EphemeralWrite]) -> [EphemeralKey: Entry] {
        state.withLock { state in
            guard !state.entries.isEmpty else { return [:] }
            var taken: [EphemeralKey: Entry] = [:]
            for write in writes {
                let key = write.entryKey
                if let entry = state.entries.removeValue(forKey: key) { taken[key] = entry }
            }
            return taken
        }
    }

    /// Gives back entries taken out by a write that failed, unless their key was written again since.
    func restore(_ taken: [EphemeralKey: Entry]) {
        guard !taken.isEmpty else { return }
        state.withLock { state in
            for (key, entry) in taken where state.entries[key] == nil { state.entries[key] = entry }
        }
    }

    /// Everything held, for a flush; it stays held (and answers reads) until ``flushed(_:)``. Writes
    /// held from now on schedule another flush.
    func snapshot() -> [Entry] {
        state.withLock { state in
            state.isScheduled = false
            state.isUrgent = false
            return state.entries.values.sorted { $0.sequence < $1.sequence }
        }
    }

    /// Asks for another flush after one failed: true when the caller must schedule it (something is
    /// held, no flush is scheduled, the store is not closing).
    func retryFlush() -> Bool {
        state.withLock { state in
            guard !state.isClosed, !state.isScheduled, !state.entries.isEmpty else { return false }
            state.isScheduled = true
            return true
        }
    }

    /// Lets go of the flushed entries that were not written again since ``snapshot()``.
    func flushed(_ entries: [Entry]) {
        state.withLock { state in
            for entry in entries {
                let key = entry.write.entryKey
                if state.entries[key]?.sequence == entry.sequence { state.entries[key] = nil }
            }
        }
    }

    /// Refuses further writes (``hold(_:)`` returns nil): the store is closing and flushes what is held.
    func close() {
        state.withLock { $0.isClosed = true }
    }
}
