import Foundation
import Synchronization

/// The ephemeral rows of a database file that only this process writes, kept in memory: reading a
/// code back at the token endpoint, a refresh token, its grant, the markers that say it is not used
/// or revoked, or an SSO session then does not go to the file.
///
/// Only sound while no other process writes the file: ``SQLiteStore`` keeps one only when it opened
/// the database ``SQLiteStore/Sharing/exclusive``ly. It holds, per key, what the file holds: a value
/// with its expiry, or no row at all.
/// - **Writes** keep it in step, on the writer's queue: before a write runs, the keys it touches are
///   marked as being written (``forget(_:)``), so reads go to the file and nothing read there is kept;
///   after the commit, what was written is kept (``remember(_:)``), in commit order. A write that fails
///   leaves its keys marked, so they are read from the file.
/// - **Reads** that miss go to the file and keep what they found (``fill(namespace:key:row:ticket:)``)
///   only if, since the miss, no write touched the key and no generation was retired: a read that
///   raced a write can never put back what that write replaced.
///
/// Bounded: rows go into the current generation; when it holds ``generationLimit`` rows or
/// ``generationBytes`` bytes of values, it becomes the previous one and the older previous one is
/// dropped (the file still has every row).
final class EphemeralCache: Sendable {
    /// Rows per generation before it is retired.
    static let generationLimit = 16_384
    /// Bytes of values per generation before it is retired.
    static let generationBytes = 8 << 20

    /// What a read found here: the file's answer, or a miss to fill from the file.
    enum Lookup {
        /// The live value, or nil when the key has no live row.
        case answer(Data?)
        /// Read the file; keep the row with ``EphemeralCache/fill(namespace:key:row:ticket:)`` when
        /// there is a ticket (none while the key is being written).
        case miss(Ticket?)
    }

    /// Permission to keep a row read from the file, valid while no generation was retired.
    struct Ticket {
        fileprivate let retirements: Int
    }

    private enum Row {
        /// A row, and its expiry in seconds since 1970 as the file stores it.
        case present(Data, expiresAt: Double)
        /// No row.
        case absent
        /// A write of it is running: ask the file.
        case writing
    }

    private struct Generations {
        var current: [EphemeralKey: Row] = [:]
        var currentBytes = 0
        var previous: [EphemeralKey: Row] = [:]
        var retirements = 0
        var hits = 0
    }

    private let generations = Mutex(Generations())

    /// How many reads were answered from memory (for tests).
    var hits: Int { generations.withLock { $0.hits } }

    /// The file's answer for `namespace`/`key` at `now`, when it is known here.
    func lookup(namespace: String, key: String, now: Date) -> Lookup {
        let wanted = EphemeralKey(namespace: namespace, key: key)
        return generations.withLock { generations -> Lookup in
            switch generations.current[wanted] ?? generations.previous[wanted] {
            case nil: return .miss(Ticket(retirements: generations.retirements))
            case .writing?: return .miss(nil)
            case .absent?:
                generations.hits += 1
                return .answer(nil)
            case .present(let value, let expiresAt)?:
                generations.hits += 1
                return .answer(expiresAt > now.timeIntervalSince1970 ? value : nil)
            }
        }
    }

    /// Keeps the row a read found in the file after a ``lookup(namespace:key:now:)`` miss, unless a
    /// write touched the key or a generation was retired since.
    func fill(namespace: String, key: String, row: (value: Data, expiresAt: Double)?, ticket: Ticket) {
        let wanted = EphemeralKey(namespace: namespace, key: key)
        generations.withLock { generations in
            guard generations.retirements == ticket.retirements, generations.current[wanted] == nil, generations.previous[wanted] == nil
            else { return }
            Self.keep(row.map { .present($0.value, expiresAt: $0.expiresAt) } ?? .absent, wanted, in: &generations)
        }
    }

    /// Marks every key that `writes` touch as being written (the write is about to run).
    func forget(_ writes: [EphemeralWrite]) {
        place(writes) { _ in .writing }
    }

    /// Applies committed `writes`, in order: a put keeps its row, a delete leaves no row.
    func remember(_ writes: [EphemeralWrite]) {
        place(writes) { write in
            switch write {
            case .put(_, _, let value, let expiresAt): .present(value, expiresAt: expiresAt.timeIntervalSince1970)
            case .delete: .absent
            }
        }
    }

    /// Puts the row `row(write)` under each write's key, in order.
    private func place(_ writes: [EphemeralWrite], as row: (EphemeralWrite) -> Row) {
        guard !writes.isEmpty else { return }
        generations.withLock { generations in
            for write in writes {
                let key = write.entryKey
                generations.previous.removeValue(forKey: key)
                Self.keep(row(write), key, in: &generations)
            }
        }
    }

    /// Forgets everything (the store closed: its reads must fail from now on).
    func removeAll() {
        generations.withLock { generations in
            generations.current = [:]
            generations.previous = [:]
            generations.currentBytes = 0
            generations.retirements += 1
        }
    }

    /// Puts `row` in the current generation (the caller removed `key` from the previous one), first
    /// retiring the current generation when it is full. A mark of a write that failed goes with its
    /// generation; one of a running write lasts far longer than the write (a generation is thousands
    /// of rows), and even without it a read that missed cannot keep its row once the write's own row
    /// is here, nor after a retirement.
    private static func keep(_ row: Row, _ key: EphemeralKey, in generations: inout Generations) {
        if generations.current.count >= generationLimit || generations.currentBytes >= generationBytes {
            generations.previous = generations.current
            generations.current = [:]
            generations.currentBytes = 0
            generations.retirements += 1
        }
        generations.current[key] = row
        if case .present(let value, _) = row { generations.currentBytes += value.count }
    }
}
