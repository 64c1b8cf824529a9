import FlowEngine
import Foundation
import Testing
@testable import Directory

@Suite("SQLite store: a single node's own writes in memory, and the lock that keeps other processes out")
struct SQLiteSharingTests {
    private let later = now.addingTimeInterval(60)

    @Test("an exclusive store answers reads of what it wrote from memory: puts, deletes, expiry and insert-if-absent as the file would")
    func readsItsOwnWritesFromMemory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        try await store.putEphemeral(namespace: "session", key: "a", value: Data([1]), expiresAt: later)
        #expect(try await store.ephemeral(namespace: "session", key: "a", now: now) == Data([1]))
        #expect(store.ephemeralCacheHits == 1)
        #expect(try await store.ephemeral(namespace: "session", key: "a", now: later) == nil)  // expired
        #expect(try await store.ephemeral(namespace: "session", key: "a", now: now.addingTimeInterval(59)) == Data([1]))
        #expect(store.ephemeralCacheHits == 3)

        try await store.putEphemeral(namespace: "session", key: "a", value: Data([2]), expiresAt: later)
        #expect(try await store.ephemeral(namespace: "session", key: "a", now: now) == Data([2]))
        try await store.deleteEphemeral(namespace: "session", key: "a")
        #expect(try await store.ephemeral(namespace: "session", key: "a", now: now) == nil)
        // Applied in order: a put and then a delete of the same key leave nothing.
        try await store.writeEphemeral(
            [.put(namespace: "session", key: "b", value: Data([5]), expiresAt: later), .delete(namespace: "session", key: "b")], durability: .deferred)
        #expect(try await store.ephemeral(namespace: "session", key: "b", now: now) == nil)

        // The winner's writes are remembered; a loser's never happened.
        #expect(try await store.insertEphemeralIfAbsent(
            namespace: "used", key: "c", value: Data([9]), expiresAt: later, now: now, durability: .deferred,
            with: [.put(namespace: "token", key: "t1", value: Data([3]), expiresAt: later)]))
        #expect(try await !store.insertEphemeralIfAbsent(
            namespace: "used", key: "c", value: Data([8]), expiresAt: later, now: now, durability: .deferred,
            with: [.put(namespace: "token", key: "t2", value: Data([4]), expiresAt: later), .delete(namespace: "token", key: "t1")]))
        #expect(try await store.ephemeral(namespace: "used", key: "c", now: now) == Data([9]))
        #expect(try await store.ephemeral(namespace: "token", key: "t1", now: now) == Data([3]))
        #expect(try await store.ephemeral(namespace: "token", key: "t2", now: now) == nil)
        try await store.close()
    }

    @Test("an exclusive store keeps locks in memory and writes nothing for them; shared stores see each other's locks in the file")
    func locksInMemoryOrInTheFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let exclusive = try await SQLiteStore.open(path: path)
        let commits = exclusive.groupCommits
        #expect(try await exclusive.takeLock(namespace: "login.lock", key: "t", expiresAt: later, now: now))
        #expect(exclusive.locksInMemory == 1)
        #expect(!(try await exclusive.takeLock(namespace: "login.lock", key: "t", expiresAt: later, now: now)))
        try await exclusive.releaseLock(namespace: "login.lock", key: "t")
        #expect(exclusive.locksInMemory == 0)
        #expect(exclusive.groupCommits == commits, "no write for a lock")
        #expect(try await exclusive.ephemeral(namespace: "login.lock", key: "t", now: now) == nil)
        try await exclusive.close()

        let first = try await SQLiteStore.open(path: path, sharing: .shared)
        let second = try await SQLiteStore.open(path: path, sharing: .shared)
        #expect(try await first.takeLock(namespace: "login.lock", key: "t", expiresAt: later, now: now))
        #expect(first.locksInMemory == 0)
        #expect(!(try await second.takeLock(namespace: "login.lock", key: "t", expiresAt: later, now: now)), "the other node holds it")
        try await first.releaseLock(namespace: "login.lock", key: "t")
        #expect(try await second.takeLock(namespace: "login.lock", key: "t", expiresAt: later, now: now))
        try await first.close()
        try await second.close()
    }

    @Test("reads keep what they found in the file, rows and missing rows, expired or not, and a later write replaces it")
    func readsFillMemory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let before = try await SQLiteStore.open(path: path)
        try await before.putEphemeral(namespace: "grant", key: "g", value: Data([7]), expiresAt: later)
        try await before.close()

        let store = try await SQLiteStore.open(path: path)
        #expect(try await store.ephemeral(namespace: "grant", key: "g", now: now) == Data([7]))  // from the file
        #expect(try await store.ephemeral(namespace: "revoked", key: "g", now: now) == nil)  // from the file: no row
        #expect(store.ephemeralCacheHits == 0)
        #expect(try await store.ephemeral(namespace: "grant", key: "g", now: now) == Data([7]))
        #expect(try await store.ephemeral(namespace: "grant", key: "g", now: later) == nil)  // the kept row expires as the file's does
        #expect(try await store.ephemeral(namespace: "revoked", key: "g", now: now) == nil)
        #expect(store.ephemeralCacheHits == 3)
        // A missing row that is then written: the write replaces what the read kept.
        #expect(try await store.insertEphemeralIfAbsent(namespace: "revoked", key: "g", value: Data([1]), expiresAt: later, now: now))
        #expect(try await store.ephemeral(namespace: "revoked", key: "g", now: now) == Data([1]))
        try await store.deleteEphemeral(namespace: "grant", key: "g")
        #expect(try await store.ephemeral(namespace: "grant", key: "g", now: now) == nil)
        #expect(store.ephemeralCacheHits == 5)
        try await store.close()
    }

    @Test("after concurrent writes and reads of the same keys, what the store answers from memory is what the file holds")
    func memoryAgreesWithTheFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path)
        let keys = (0..<8).map { "k\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for n in 0..<58 {  // each task ends with a delete and an insert-if-absent
                        let key = keys[(task + n) % keys.count]
                        let value = Data("\(task)-\(n)".utf8)
                        switch n % 4 {
                        case 0: try await store.deleteEphemeral(namespace: "tx", key: key)
                        case 1:
                            _ = try await store.insertEphemeralIfAbsent(
                                namespace: "tx", key: key, value: value, expiresAt: later, now: now, durability: .deferred,
                                with: [.put(namespace: "tx", key: keys[(task + n + 1) % keys.count], value: value, expiresAt: later)])
                        default: try await store.writeEphemeral([.put(namespace: "tx", key: key, value: value, expiresAt: later)], durability: .deferred)
                        }
                        // Reads racing the other tasks' writes fill memory from the file.
                        _ = try await store.ephemeral(namespace: "tx", key: keys[(task * 3 + n) % keys.count], now: now)
                    }
                }
            }
            try await group.waitForAll()
        }
        var answered: [String: Data?] = [:]
        for key in keys { answered[key] = try await store.ephemeral(namespace: "tx", key: key, now: now) }
        #expect(store.ephemeralCacheHits > 0)
        try await store.close()

        let file = try await SQLiteStore.open(path: path, sharing: .shared)
        for key in keys { #expect(try await file.ephemeral(namespace: "tx", key: key, now: now) == answered[key]!, "\(key)") }
        #expect(file.ephemeralCacheHits == 0)
        try await file.close()
    }

    @Test("users kept in memory follow every save and import")
    func usersFollowWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        try await store.replaceDirectory(with: contractConfig)
        #expect(try await store.user(id: "u-alice")?.name == "Alice")
        #expect(try await store.user(id: "u-alice")?.name == "Alice")
        var renamed = try #require(try await store.user(id: "u-alice"))
        renamed.name = "Alice B."
        try await store.saveUser(renamed)
        #expect(try await store.user(id: "u-alice")?.name == "Alice B.")
        var other = contractConfig
        other.users.removeAll { $0.id == "u-alice" }
        try await store.replaceDirectory(with: other)
        #expect(try await store.user(id: "u-alice") == nil)
        try await store.replaceDirectory(with: contractConfig)
        #expect(try await store.user(id: "u-alice")?.name == "Alice")
        try await store.close()
        await #expect(throws: DirectoryError.closed("")) { try await store.user(id: "u-alice") }
    }

    @Test("who holds an email address is kept in memory, also that no one does, and follows saves, changes of address and imports")
    func usersByEmailFollowWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path)
        try await store.replaceDirectory(with: contractConfig)
        #expect(try await store.user(email: "alice@acme.test")?.id == "u-alice")
        #expect(try await store.user(email: "carol@acme.test") == nil)

        // Memory answers: a change made behind the store's back (which only another process could
        // make, and the lock keeps other stores out) is not seen.
        let behind = try SQLiteHandle(path: path)
        try behind.query("UPDATE users SET email_key = 'nobody@acme.test' WHERE id = 'u-alice'")
        try behind.query("INSERT INTO users (id, position, email_key, body) VALUES ('u-eve', 99, 'carol@acme.test', '{}')")
        #expect(try await store.user(email: "ALICE@acme.test")?.id == "u-alice")
        #expect(try await store.user(email: "carol@acme.test") == nil)
        try behind.query("DELETE FROM users WHERE id = 'u-eve'")
        try behind.query("UPDATE users SET email_key = 'alice@acme.test' WHERE id = 'u-alice'")

        // The store's own writes replace what memory holds: a new user, a change of address.
        try await store.saveUser(UserRecord(id: "u-carol", email: "carol@acme.test"))
        #expect(try await store.user(email: "carol@acme.test")?.id == "u-carol")
        var alice = try #require(try await store.user(email: "alice@acme.test"))
        alice.email = "alice@globex.test"
        try await store.saveUser(alice)
        #expect(try await store.user(email: "alice@acme.test") == nil)
        #expect(try await store.user(email: "alice@globex.test")?.id == "u-alice")
        // The address freed can be taken by another user.
        try await store.saveUser(UserRecord(id: "u-dave", email: "Alice@Acme.test"))
        #expect(try await store.user(email: "alice@acme.test")?.id == "u-dave")

        try await store.replaceDirectory(with: contractConfig)
        #expect(try await store.user(email: "alice@acme.test")?.id == "u-alice")
        #expect(try await store.user(email: "carol@acme.test") == nil)
        #expect(try await store.user(email: "alice@globex.test") == nil)
        try await store.close()
        await #expect(throws: DirectoryError.closed("")) { try await store.user(email: "alice@acme.test") }
    }

    @Test("credentials kept in memory, present or missing, follow every write, removal and import")
    func credentialsFollowWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path)
        try await store.replaceDirectory(with: contractConfig)
        #expect(try await store.credential(user: "u-alice", kind: "totp") == nil)
        try await store.setCredential(user: "u-alice", kind: "totp", data: Data("one".utf8))
        #expect(try await store.credential(user: "u-alice", kind: "totp") == Data("one".utf8))

        // Memory answers: a change made behind the store's back (which only another process could
        // make, and the lock keeps other stores out) is not seen.
        let behind = try SQLiteHandle(path: path)
        try behind.query("UPDATE credentials SET data = x'00' WHERE user_id = 'u-alice'")
        try behind.query("INSERT INTO credentials (user_id, kind, data) VALUES ('u-alice', 'consent:app', x'01')")
        #expect(try await store.credential(user: "u-alice", kind: "totp") == Data("one".utf8))

        // The store's own writes replace what memory holds.
        try await store.setCredential(user: "u-alice", kind: "totp", data: Data("two".utf8))
        #expect(try await store.credential(user: "u-alice", kind: "totp") == Data("two".utf8))
        try await store.removeCredential(user: "u-alice", kind: "totp")
        #expect(try await store.credential(user: "u-alice", kind: "totp") == nil)
        try await store.setCredential(user: "u-alice", kind: "totp", data: Data("three".utf8))
        var other = contractConfig
        other.users.removeAll { $0.id == "u-alice" }
        try await store.replaceDirectory(with: other)
        #expect(try await store.credential(user: "u-alice", kind: "totp") == nil)
        try await store.close()
        await #expect(throws: DirectoryError.closed("")) { try await store.credential(user: "u-alice", kind: "totp") }
    }

    @Test("a readiness probe reads the file, not memory, and fails once the store is closed")
    func readinessReachesTheFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        try await store.putEphemeral(namespace: "session", key: "a", value: Data([1]), expiresAt: later)
        try await store.checkReadable()
        try await store.checkReadable()
        #expect(store.ephemeralCacheHits == 0)
        try await store.close()
        await #expect(throws: DirectoryError.closed("")) { try await store.checkReadable() }
    }

    @Test("memory holds a bounded number of entries; older ones are read from the file")
    func memoryIsBounded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        func batch(_ name: String) -> [EphemeralWrite] {
            (0..<EphemeralCache.generationLimit).map { .put(namespace: name, key: "\($0)", value: Data([1]), expiresAt: later) }
        }
        // Three generations' worth: the first batch is no longer in memory.
        for name in ["first", "second", "third"] { try await store.writeEphemeral(batch(name), durability: .deferred) }
        let before = store.ephemeralCacheHits
        #expect(try await store.ephemeral(namespace: "first", key: "0", now: now) == Data([1]))
        #expect(store.ephemeralCacheHits == before)
        #expect(try await store.ephemeral(namespace: "first", key: "0", now: now) == Data([1]))  // kept by the read
        #expect(store.ephemeralCacheHits == before + 1)
        #expect(try await store.ephemeral(namespace: "third", key: "0", now: now) == Data([1]))
        #expect(store.ephemeralCacheHits == before + 2)
        try await store.close()
    }

    @Test("an exclusive store keeps every other opening out until it closes; shared ones keep out only exclusive ones")
    func locksOutConflictingOpenings() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let alone = try await SQLiteStore.open(path: path)
        let refusedExclusive = await #expect(throws: DirectoryError.inUse("")) { try await SQLiteStore.open(path: path) }
        #expect(refusedExclusive?.reason.contains("already open") == true)
        let refusedShared = await #expect(throws: DirectoryError.inUse("")) { try await SQLiteStore.open(path: path, sharing: .shared) }
        #expect(refusedShared?.reason.contains("(process \(getpid()))") == true)
        try await alone.close()

        let first = try await SQLiteStore.open(path: path, sharing: .shared)
        let second = try await SQLiteStore.open(path: path, sharing: .shared)
        await #expect(throws: DirectoryError.inUse("")) { try await SQLiteStore.open(path: path) }
        try await first.close()
        await #expect(throws: DirectoryError.inUse("")) { try await SQLiteStore.open(path: path) }
        try await second.close()
        let again = try await SQLiteStore.open(path: path)
        try await again.close()
    }

    @Test("another process's lock keeps a store out, and the kernel drops it when that process dies")
    func anotherProcessHoldsTheLock() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--exclusive", "--no-fork", path + "-lock", "sleep", "60"]
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        // flock(1) takes the lock right after it starts.
        var refused = false
        for _ in 0..<100 where !refused {
            do {
                let store = try await SQLiteStore.open(path: path, sharing: .shared)
                try await store.close()
                try await Task.sleep(for: .milliseconds(20))
            } catch let error as DirectoryError where error.code == .inUse {
                refused = true
            }
        }
        #expect(refused)
        await #expect(throws: DirectoryError.inUse("")) { try await SQLiteStore.open(path: path) }
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let store = try await SQLiteStore.open(path: path)
        try await store.close()
    }

    @Test("shared stores read every write from the file, so each sees what the other wrote and deleted")
    func sharedStoresSeeEachOther() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let first = try await SQLiteStore.open(path: path, sharing: .shared)
        let second = try await SQLiteStore.open(path: path, sharing: .shared)
        try await first.putEphemeral(namespace: "session", key: "s", value: Data([1]), expiresAt: later)
        #expect(try await second.ephemeral(namespace: "session", key: "s", now: now) == Data([1]))
        try await second.deleteEphemeral(namespace: "session", key: "s")
        #expect(try await first.ephemeral(namespace: "session", key: "s", now: now) == nil)
        #expect(first.ephemeralCacheHits == 0 && second.ephemeralCacheHits == 0)
        try await first.close()
        try await second.close()
    }
}
