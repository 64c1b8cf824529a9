import Foundation
import Testing
@testable import Directory

@Suite("Transient writes: held in memory, written after a delay unless a later write replaced them")
struct TransientWritesTests {
    private let later = now.addingTimeInterval(60)

    private func put(_ key: String, _ byte: UInt8, expiresAt: Date? = nil) -> EphemeralWrite {
        .put(namespace: "code", key: key, value: Data([byte]), expiresAt: expiresAt ?? later)
    }

    /// The value the database file itself holds for `code`/`key`, read on a connection of its own.
    private func rowInFile(_ path: String, _ key: String) throws -> Data? {
        let connection = try SQLiteHandle(path: path)
        var value: Data?
        try connection.query("SELECT value FROM ephemeral WHERE namespace = 'code' AND key = ?", [.text(key)]) { value = $0.data(0) }
        return value
    }

    @Test("a transient write is read back at once, costs no commit, and reaches the file after the delay")
    func heldThenWritten() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path, transientDelay: .milliseconds(100))
        let commits = store.groupCommits
        try await store.writeEphemeral([put("a", 1)], durability: .transient)
        #expect(try await store.ephemeral(namespace: "code", key: "a", now: now) == Data([1]))
        #expect(try await store.ephemeral(namespace: "code", key: "a", now: later) == nil, "held entries expire too")
        #expect(store.groupCommits == commits)
        #expect(try rowInFile(path, "a") == nil)

        for _ in 0..<500 where store.transientWritesHeld > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(store.transientWritesHeld == 0)
        #expect(try rowInFile(path, "a") == Data([1]))
        #expect(try await store.ephemeral(namespace: "code", key: "a", now: now) == Data([1]))
        try await store.close()
    }

    @Test("a transient write deleted within the delay — alone or with a marker set if absent — never reaches the file")
    func deletedBeforeTheFlush() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path, transientDelay: .seconds(600))
        try await store.writeEphemeral([put("a", 1), put("b", 2)], durability: .transient)
        try await store.deleteEphemeral(namespace: "code", key: "a")
        #expect(try await store.ephemeral(namespace: "code", key: "a", now: now) == nil)
        // A redemption: the used-marker and the deletion of the code in one write.
        #expect(try await store.insertEphemeralIfAbsent(
            namespace: "code-used", key: "b", value: Data([9]), expiresAt: later, now: now, durability: .deferred,
            with: [.delete(namespace: "code", key: "b")]))
        #expect(try await store.ephemeral(namespace: "code", key: "b", now: now) == nil)
        #expect(store.transientWritesHeld == 0)
        try await store.close()

        #expect(try rowInFile(path, "a") == nil)
        #expect(try rowInFile(path, "b") == nil)
        let reopened = try await SQLiteStore.open(path: path)
        #expect(try await reopened.ephemeral(namespace: "code-used", key: "b", now: now) == Data([9]))
        try await reopened.close()
    }

    @Test("closing the store writes what it holds")
    func closingWritesWhatIsHeld() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path, transientDelay: .seconds(600))
        try await store.writeEphemeral([put("a", 1), put("b", 2), .delete(namespace: "code", key: "b")], durability: .transient)
        try await store.close()
        await #expect(throws: DirectoryError.self) { try await store.writeEphemeral([put("c", 3)], durability: .transient) }

        let reopened = try await SQLiteStore.open(path: path)
        #expect(try await reopened.ephemeral(namespace: "code", key: "a", now: now) == Data([1]))
        #expect(try await reopened.ephemeral(namespace: "code", key: "b", now: now) == nil)
        try await reopened.close()
    }

    @Test("a later transient write replaces the held one; a held deletion hides the file's row until it is written")
    func laterWritesReplace() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path, transientDelay: .seconds(600))
        try await store.writeEphemeral([put("a", 1)], durability: .transient)
        try await store.writeEphemeral([put("a", 2)], durability: .transient)
        #expect(try await store.ephemeral(namespace: "code", key: "a", now: now) == Data([2]))
        #expect(store.transientWritesHeld == 1)

        try await store.writeEphemeral([put("f", 5)], durability: .deferred)
        try await store.writeEphemeral([.delete(namespace: "code", key: "f")], durability: .transient)
        #expect(try await store.ephemeral(namespace: "code", key: "f", now: now) == nil)
        #expect(try rowInFile(path, "f") == Data([5]))
        try await store.close()
        #expect(try rowInFile(path, "a") == Data([2]))
        #expect(try rowInFile(path, "f") == nil)
    }

    @Test("insert-if-absent refuses a key held live, and takes one held deleted or expired")
    func insertIfAbsentSeesHeldEntries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path, transientDelay: .seconds(600))
        try await store.writeEphemeral([put("live", 1), put("old", 2, expiresAt: now)], durability: .transient)
        #expect(try await !store.insertEphemeralIfAbsent(namespace: "code", key: "live", value: Data([7]), expiresAt: later, now: now, durability: .deferred))
        #expect(try await store.insertEphemeralIfAbsent(namespace: "code", key: "old", value: Data([8]), expiresAt: later, now: now, durability: .deferred))

        try await store.writeEphemeral([put("gone", 3)], durability: .deferred)
        try await store.writeEphemeral([.delete(namespace: "code", key: "gone")], durability: .transient)
        #expect(try await store.insertEphemeralIfAbsent(namespace: "code", key: "gone", value: Data([9]), expiresAt: later, now: now, durability: .deferred))
        #expect(store.transientWritesHeld == 1, "only 'live' is still held")
        try await store.close()

        #expect(try rowInFile(path, "live") == Data([1]))
        #expect(try rowInFile(path, "old") == Data([8]))
        #expect(try rowInFile(path, "gone") == Data([9]))
    }

    @Test("a shared store writes a transient write to the file at once: other processes must see it")
    func sharedStoreWritesAtOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path, sharing: .shared, transientDelay: .seconds(600))
        try await store.writeEphemeral([put("a", 1)], durability: .transient)
        #expect(try rowInFile(path, "a") == Data([1]))
        #expect(store.transientWritesHeld == 0)
        try await store.close()
    }

    @Test("held writes: a flush is asked for once per snapshot, at once when many are held; a flush lets go only of what it wrote")
    func heldWritesBookkeeping() {
        let held = TransientWrites()
        #expect(held.hold([put("a", 1)]) == .afterDelay)
        #expect(held.hold([put("b", 2)]) == .scheduled)
        let flushing = held.snapshot()
        #expect(flushing.map(\.write) == [put("a", 1), put("b", 2)], "in the order they were held")
        #expect(held.hold([put("a", 3)]) == .afterDelay, "written again after the snapshot: another flush")
        #expect(!held.retryFlush(), "a flush is scheduled already")
        held.flushed(flushing)
        #expect(held.count == 1)
        #expect(held.lookup(namespace: "code", key: "a", now: now) == .some(Data([3])))
        #expect(held.lookup(namespace: "code", key: "b", now: now) == nil)

        // A write that fails gives back what it took out, unless its key was held anew meanwhile.
        let taken = held.supersede([put("a", 9), put("z", 9)])
        #expect(taken.count == 1)
        #expect(held.lookup(namespace: "code", key: "a", now: now) == nil)
        held.restore(taken)
        #expect(held.lookup(namespace: "code", key: "a", now: now) == .some(Data([3])))
        let takenAgain = held.supersede([put("a", 9)])
        _ = held.hold([put("a", 4)])
        held.restore(takenAgain)
        #expect(held.lookup(namespace: "code", key: "a", now: now) == .some(Data([4])))

        _ = held.snapshot()
        #expect(held.retryFlush(), "a failed flush asks for another while something is held")
        #expect(!held.retryFlush())
        _ = held.snapshot()
        let many = (0..<TransientWrites.flushLimit).map { put("k\($0)", 0) }
        #expect(held.hold(many) == .now)
        #expect(held.hold([put("more", 0)]) == .scheduled, "one urgent flush at a time")

        held.close()
        #expect(held.hold([put("late", 0)]) == nil)
        _ = held.snapshot()
        #expect(!held.retryFlush(), "no retry once the store is closing")
    }
}
