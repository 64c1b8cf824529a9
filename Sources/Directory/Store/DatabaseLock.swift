import Foundation
import Synchronization

/// An advisory lock on a database file, held by one opening of it: a `flock(2)` on the file `<path>-lock`
/// beside it, exclusive for ``SQLiteStore/Sharing/exclusive``, shared for ``SQLiteStore/Sharing/shared``.
///
/// The lock is on a file of its own, not on the database: SQLite's own locks on the database are POSIX
/// record locks, which a process loses when it closes *any* descriptor of that file. The kernel
/// releases a `flock` when its holder exits, however it exits, so a crashed server never leaves the
/// database locked.
final class DatabaseLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Int32
    private let released = Atomic(false)

    /// Takes the lock without waiting.
    /// - Throws: ``DirectoryError`` `inUse` when another opening holds a lock that conflicts (naming the
    ///   process that holds it exclusively, when it wrote its id), `storage` when the lock file cannot be opened.
    init(database: String, sharing: SQLiteStore.Sharing) throws(DirectoryError) {
        path = database + "-lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .storage("cannot open the lock file '\(path)': \(String(cString: strerror(errno)))")
        }
        let exclusive = sharing == .exclusive
        guard flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            let reason = errno
            let holder = exclusive ? "" : Self.holder(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw .storage("cannot lock '\(path)': \(String(cString: strerror(reason)))")
            }
            throw .inUse(
                exclusive
                    ? "the database '\(database)' is already open (another node or a `gatehouse` command); a single node "
                        + "opens it alone (for several nodes on one database, run every node with `shared_database`)"
                    : "the database '\(database)' is open by a single node\(holder) that keeps its rows in memory; "
                        + "stop it, or run every node with `shared_database`")
        }
        if exclusive {
            // For the message another process shows when it is refused.
            let id = Array("\(getpid())\n".utf8)
            if ftruncate(descriptor, 0) == 0 { _ = id.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) } }
        }
    }

    /// Releases the lock (at most once; the store calls it when it closes).
    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        close(descriptor)
    }

    /// " (process N)" from the lock file, when its holder wrote its id there.
    private static func holder(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0, let id = Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .newlines)) else { return "" }
        return " (process \(id))"
    }
}
