import Foundation
import FlowEngine
import Testing
@testable import Directory

/// The store implementations the contract runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    /// Opened exclusively: reads its own ephemeral writes back from memory.
    case sqlite
    /// Opened shared: every read goes to the file.
    case sqliteShared

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, empty store, then closes and deletes it, even when `body` throws.
    func withStore(_ body: (any DirectoryStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await body(MemoryStore())
        case .sqlite, .sqliteShared:
            let directory = try TemporaryDirectory()
            defer { directory.cleanUp() }
            let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"), sharing: self == .sqlite ? .exclusive : .shared)
            do {
                try await body(store)
            } catch {
                try await store.close()
                throw error
            }
            try await store.close()
        }
    }
}

/// A small but complete directory: every part filled in, including dates and opaque settings.
let contractConfig = DirectoryConfig(
    levels: [
        AssuranceLevel(name: "loa1", description: "one factor", methods: [["pwd"], ["fed"]]),
        AssuranceLevel(name: "loa2", methods: [["pwd", "otp"]]),
    ],
    connections: [
        Connection(
            id: "acme-okta", kind: .saml, displayName: "Acme Okta", levelMapping: ["urn:x": "loa1"],
            settings: .object(["metadata_url": .string("https://okta.test/md"), "sign": .bool(true), "skew": .number(90)]))
    ],
    organizations: [
        Organization(id: "provider", name: "Provider"),
        Organization(
            id: "acme", name: "Acme", parent: "provider", status: .suspended,
            domains: [DomainClaim(domain: "acme.test", verified: true, includeSubdomains: true, verifiedAt: date("2026-01-01T12:30:00Z"))],
            connection: "acme-okta", requiredLevel: "loa2", flows: ["console": "strict"],
            branding: Branding(displayName: "ACME", logoURL: "https://acme.test/logo.png", primaryColor: "#123", texts: ["title": "Hi"])),
    ],
    apps: [Application(id: "console", name: "Console", flow: "saas", requiredLevel: "loa1", redirectURIs: ["https://app.test/cb"], allowedOrgs: ["acme"])],
    users: [
        UserRecord(
            id: "u-alice", email: "Alice@Acme.test", name: "Alice", passwordHash: "$scrypt$x", totpSecret: "SEED",
            memberships: [Membership(org: "acme", roles: ["admin"])]),
        UserRecord(id: "u-bob", email: "bob@acme.test", status: .suspended),
    ],
    flowsDirectory: "../flows")

let now = date("2026-03-01T10:00:00Z")

@Suite("Directory store contract")
struct DirectoryStoreContractTests {
    @Test("an imported directory loads back unchanged, in order", arguments: StoreKind.allCases)
    func importRoundTrips(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            #expect(try await store.loadDirectory() == DirectoryConfig())
            try await store.replaceDirectory(with: contractConfig)
            #expect(try await store.loadDirectory() == contractConfig)
        }
    }

    @Test("an import replaces the previous directory entirely", arguments: StoreKind.allCases)
    func importReplaces(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.replaceDirectory(with: contractConfig)
            let smaller = DirectoryConfig(organizations: [Organization(id: "solo", name: "Solo")])
            try await store.replaceDirectory(with: smaller)
            #expect(try await store.loadDirectory() == smaller)
            #expect(try await store.user(id: "u-alice") == nil)
        }
    }

    @Test("a failing import changes nothing", arguments: StoreKind.allCases)
    func failingImportLeavesPreviousDirectory(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.replaceDirectory(with: contractConfig)
            try await store.setCredential(user: "u-alice", kind: "totp", data: Data([1, 2, 3]))
            var broken = contractConfig
            broken.levels = [AssuranceLevel(name: "only", methods: [["pwd"]])]
            broken.organizations = [Organization(id: "new", name: "New")]
            broken.users = [UserRecord(id: "u1", email: "same@acme.test"), UserRecord(id: "u2", email: "SAME@acme.test")]
            let error = await #expect(throws: DirectoryError.self) { try await store.replaceDirectory(with: broken) }
            #expect(error?.code == .conflict)
            #expect(try await store.loadDirectory() == contractConfig)
            #expect(try await store.credential(user: "u-alice", kind: "totp") == Data([1, 2, 3]))

            var duplicateOrg = contractConfig
            duplicateOrg.organizations.append(Organization(id: "acme", name: "Acme again"))
            let second = await #expect(throws: DirectoryError.self) { try await store.replaceDirectory(with: duplicateOrg) }
            #expect(second?.code == .conflict)
            #expect(try await store.loadDirectory() == contractConfig)
        }
    }

    @Test("users are found by id and by email, ignoring case", arguments: StoreKind.allCases)
    func findsUsers(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.replaceDirectory(with: contractConfig)
            #expect(try await store.user(id: "u-alice") == contractConfig.users[0])
            #expect(try await store.user(email: "alice@ACME.TEST") == contractConfig.users[0])
            #expect(try await store.user(email: " ALICE@acme.test ")?.id == "u-alice")
            #expect(try await store.user(email: "carol@acme.test") == nil)
            #expect(try await store.user(id: "ghost") == nil)
        }
    }

    @Test("saving a user inserts or replaces it", arguments: StoreKind.allCases)
    func saveUserUpserts(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.replaceDirectory(with: contractConfig)
            let carol = UserRecord(id: "u-carol", email: "carol@acme.test", memberships: [Membership(org: "acme", roles: ["member"])])
            try await store.saveUser(carol)
            #expect(try await store.user(email: "Carol@acme.test") == carol)
            #expect(try await store.loadDirectory().users.map(\.id) == ["u-alice", "u-bob", "u-carol"])

            var renamed = contractConfig.users[0]
            renamed.email = "alice.smith@acme.test"
            renamed.name = "Alice Smith"
            try await store.saveUser(renamed)
            #expect(try await store.user(id: "u-alice") == renamed)
            #expect(try await store.user(email: "alice@acme.test") == nil)
            #expect(try await store.user(email: "alice.smith@acme.test")?.name == "Alice Smith")
            #expect(try await store.loadDirectory().users.map(\.id) == ["u-alice", "u-bob", "u-carol"])
        }
    }

    @Test("saving a user with another user's email is a conflict", arguments: StoreKind.allCases)
    func saveUserRejectsTakenEmail(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.replaceDirectory(with: contractConfig)
            let error = await #expect(throws: DirectoryError.self) {
                try await store.saveUser(UserRecord(id: "u-mallory", email: "BOB@acme.test"))
            }
            #expect(error?.code == .conflict)
            #expect(try await store.user(id: "u-mallory") == nil)
            #expect(try await store.user(email: "bob@acme.test")?.id == "u-bob")
        }
    }

    @Test("credential slots are written, read, replaced and removed", arguments: StoreKind.allCases)
    func credentials(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.replaceDirectory(with: contractConfig)
            #expect(try await store.credential(user: "u-alice", kind: "totp") == nil)
            try await store.setCredential(user: "u-alice", kind: "totp", data: Data("seed".utf8))
            try await store.setCredential(user: "u-alice", kind: "recovery", data: Data())
            try await store.setCredential(user: "u-bob", kind: "totp", data: Data([0, 255]))
            #expect(try await store.credential(user: "u-alice", kind: "totp") == Data("seed".utf8))
            #expect(try await store.credential(user: "u-alice", kind: "recovery") == Data())
            try await store.setCredential(user: "u-alice", kind: "totp", data: Data("new".utf8))
            #expect(try await store.credential(user: "u-alice", kind: "totp") == Data("new".utf8))
            try await store.removeCredential(user: "u-alice", kind: "totp")
            try await store.removeCredential(user: "u-alice", kind: "never-set")
            #expect(try await store.credential(user: "u-alice", kind: "totp") == nil)
            #expect(try await store.credential(user: "u-bob", kind: "totp") == Data([0, 255]))
        }
    }

    @Test("a credential needs an existing user", arguments: StoreKind.allCases)
    func credentialForUnknownUser(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let error = await #expect(throws: DirectoryError.self) {
                try await store.setCredential(user: "ghost", kind: "totp", data: Data([1]))
            }
            #expect(error?.code == .unknownUser)
        }
    }

    @Test("an import drops the credentials of users it removes and keeps the others", arguments: StoreKind.allCases)
    func importPrunesCredentials(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.replaceDirectory(with: contractConfig)
            try await store.setCredential(user: "u-alice", kind: "totp", data: Data([1]))
            try await store.setCredential(user: "u-bob", kind: "totp", data: Data([2]))
            var withoutBob = contractConfig
            withoutBob.users.removeLast()
            try await store.replaceDirectory(with: withoutBob)
            #expect(try await store.credential(user: "u-alice", kind: "totp") == Data([1]))
            #expect(try await store.credential(user: "u-bob", kind: "totp") == nil)
            // A new user who reuses the id does not inherit the old credential.
            try await store.saveUser(UserRecord(id: "u-bob", email: "robert@acme.test"))
            #expect(try await store.credential(user: "u-bob", kind: "totp") == nil)
        }
    }

    @Test("an ephemeral entry lives until it expires", arguments: StoreKind.allCases)
    func ephemeralExpiry(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let expiry = now.addingTimeInterval(300)
            try await store.putEphemeral(namespace: "tx", key: "abc", value: Data("state".utf8), expiresAt: expiry)
            #expect(try await store.ephemeral(namespace: "tx", key: "abc", now: now) == Data("state".utf8))
            #expect(try await store.ephemeral(namespace: "tx", key: "abc", now: expiry.addingTimeInterval(-0.001)) != nil)
            #expect(try await store.ephemeral(namespace: "tx", key: "abc", now: expiry) == nil)
            #expect(try await store.ephemeral(namespace: "other", key: "abc", now: now) == nil)

            try await store.putEphemeral(namespace: "tx", key: "abc", value: Data("replaced".utf8), expiresAt: expiry.addingTimeInterval(60))
            #expect(try await store.ephemeral(namespace: "tx", key: "abc", now: expiry) == Data("replaced".utf8))
            try await store.deleteEphemeral(namespace: "tx", key: "abc")
            try await store.deleteEphemeral(namespace: "tx", key: "never-set")
            #expect(try await store.ephemeral(namespace: "tx", key: "abc", now: now) == nil)
        }
    }

    @Test("several ephemeral writes apply together, in order", arguments: StoreKind.allCases)
    func ephemeralBatch(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let expiry = now.addingTimeInterval(300)
            try await store.putEphemeral(namespace: "session", key: "old", value: Data([1]), expiresAt: expiry)
            try await store.putEphemeral(namespace: "login", key: "tx-1", value: Data([2]), expiresAt: expiry)
            try await store.writeEphemeral([
                .delete(namespace: "session", key: "old"),
                .put(namespace: "session", key: "new", value: Data([3]), expiresAt: expiry),
                .put(namespace: "sid", key: "s-1", value: Data("new".utf8), expiresAt: expiry),
                .delete(namespace: "login", key: "tx-1"),
                .put(namespace: "tx", key: "twice", value: Data([4]), expiresAt: expiry),
                .put(namespace: "tx", key: "twice", value: Data([5]), expiresAt: expiry),
                .put(namespace: "tx", key: "gone", value: Data([6]), expiresAt: expiry),
                .delete(namespace: "tx", key: "gone"),
            ])
            #expect(try await store.ephemeral(namespace: "session", key: "old", now: now) == nil)
            #expect(try await store.ephemeral(namespace: "session", key: "new", now: now) == Data([3]))
            #expect(try await store.ephemeral(namespace: "sid", key: "s-1", now: now) == Data("new".utf8))
            #expect(try await store.ephemeral(namespace: "login", key: "tx-1", now: now) == nil)
            #expect(try await store.ephemeral(namespace: "tx", key: "twice", now: now) == Data([5]))
            #expect(try await store.ephemeral(namespace: "tx", key: "gone", now: now) == nil)
            try await store.writeEphemeral([])
        }
    }

    @Test("a transient write is read back at once, replaced by later writes, and seen by insert-if-absent", arguments: StoreKind.allCases)
    func transientWrites(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let expiry = now.addingTimeInterval(300)
            try await store.writeEphemeral([.put(namespace: "code", key: "c", value: Data([1]), expiresAt: expiry)], durability: .transient)
            #expect(try await store.ephemeral(namespace: "code", key: "c", now: now) == Data([1]))
            #expect(try await !store.insertEphemeralIfAbsent(namespace: "code", key: "c", value: Data([2]), expiresAt: expiry, now: now))
            try await store.writeEphemeral([.put(namespace: "code", key: "c", value: Data([3]), expiresAt: expiry)], durability: .transient)
            #expect(try await store.ephemeral(namespace: "code", key: "c", now: now) == Data([3]))
            #expect(try await store.insertEphemeralIfAbsent(
                namespace: "code-used", key: "c", value: Data(), expiresAt: expiry, now: now, durability: .deferred,
                with: [.delete(namespace: "code", key: "c")]))
            #expect(try await store.ephemeral(namespace: "code", key: "c", now: now) == nil)
        }
    }

    @Test("insert-if-absent refuses a live entry and takes over an expired one", arguments: StoreKind.allCases)
    func insertIfAbsent(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let expiry = now.addingTimeInterval(60)
            #expect(try await store.insertEphemeralIfAbsent(namespace: "replay", key: "id-1", value: Data([1]), expiresAt: expiry, now: now))
            #expect(!(try await store.insertEphemeralIfAbsent(namespace: "replay", key: "id-1", value: Data([2]), expiresAt: expiry, now: now)))
            #expect(try await store.ephemeral(namespace: "replay", key: "id-1", now: now) == Data([1]))
            #expect(try await store.insertEphemeralIfAbsent(namespace: "other", key: "id-1", value: Data([3]), expiresAt: expiry, now: now))
            // Once expired, the key is free again.
            let later = expiry.addingTimeInterval(1)
            #expect(try await store.insertEphemeralIfAbsent(namespace: "replay", key: "id-1", value: Data([4]), expiresAt: later.addingTimeInterval(60), now: later))
            #expect(try await store.ephemeral(namespace: "replay", key: "id-1", now: later) == Data([4]))
        }
    }

    @Test("insert-if-absent makes its other writes only when it wins", arguments: StoreKind.allCases)
    func insertIfAbsentWithWrites(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let expiry = now.addingTimeInterval(60)
            try await store.putEphemeral(namespace: "token", key: "old", value: Data([0]), expiresAt: expiry)
            let issue: [EphemeralWrite] = [
                .put(namespace: "token", key: "new", value: Data([1]), expiresAt: expiry), .delete(namespace: "token", key: "old"),
            ]
            #expect(try await store.insertEphemeralIfAbsent(namespace: "used", key: "code", value: Data(), expiresAt: expiry, now: now, durability: .durable, with: issue))
            #expect(try await store.ephemeral(namespace: "token", key: "new", now: now) == Data([1]))
            #expect(try await store.ephemeral(namespace: "token", key: "old", now: now) == nil)

            let replay: [EphemeralWrite] = [.put(namespace: "token", key: "replayed", value: Data([2]), expiresAt: expiry)]
            #expect(!(try await store.insertEphemeralIfAbsent(namespace: "used", key: "code", value: Data(), expiresAt: expiry, now: now, durability: .durable, with: replay)))
            #expect(try await store.ephemeral(namespace: "token", key: "replayed", now: now) == nil)
        }
    }

    @Test("of concurrent insert-if-absent calls exactly one wins", arguments: StoreKind.allCases)
    func insertIfAbsentIsAtomic(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for attempt in 0..<20 {
                    group.addTask {
                        try await store.insertEphemeralIfAbsent(
                            namespace: "replay", key: "assertion-42", value: Data([UInt8(attempt)]), expiresAt: now.addingTimeInterval(60), now: now,
                            durability: .durable,
                            with: [.put(namespace: "issued", key: "attempt-\(attempt)", value: Data(), expiresAt: now.addingTimeInterval(60))])
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            var issued = 0
            for attempt in 0..<20 where try await store.ephemeral(namespace: "issued", key: "attempt-\(attempt)", now: now) != nil { issued += 1 }
            #expect(issued == 1, "only the winner's writes are made")
        }
    }

    @Test("a lock has one holder until it is released or expires; of concurrent takers exactly one gets it", arguments: StoreKind.allCases)
    func locks(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            let expiry = now.addingTimeInterval(30)
            #expect(try await store.takeLock(namespace: "login.lock", key: "t1", expiresAt: expiry, now: now))
            #expect(!(try await store.takeLock(namespace: "login.lock", key: "t1", expiresAt: expiry, now: now)))
            #expect(try await store.takeLock(namespace: "login.lock", key: "t2", expiresAt: expiry, now: now))
            #expect(try await store.takeLock(namespace: "other.lock", key: "t1", expiresAt: expiry, now: now))
            try await store.releaseLock(namespace: "login.lock", key: "t1")
            #expect(try await store.takeLock(namespace: "login.lock", key: "t1", expiresAt: expiry, now: now))
            // A holder that never releases loses the lock at its expiry.
            #expect(!(try await store.takeLock(namespace: "login.lock", key: "t2", expiresAt: expiry, now: expiry.addingTimeInterval(-1))))
            #expect(try await store.takeLock(namespace: "login.lock", key: "t2", expiresAt: expiry.addingTimeInterval(30), now: expiry))
            try await store.releaseLock(namespace: "login.lock", key: "never-taken")

            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await store.takeLock(namespace: "login.lock", key: "t3", expiresAt: expiry, now: now) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
        }
    }

    @Test("purging deletes exactly the expired entries", arguments: StoreKind.allCases)
    func purgeExpired(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            try await store.putEphemeral(namespace: "tx", key: "old", value: Data([1]), expiresAt: now.addingTimeInterval(-10))
            try await store.putEphemeral(namespace: "tx", key: "edge", value: Data([2]), expiresAt: now)
            try await store.putEphemeral(namespace: "tx", key: "live", value: Data([3]), expiresAt: now.addingTimeInterval(10))
            #expect(try await store.purgeExpired(now: now) == 2)
            #expect(try await store.purgeExpired(now: now) == 0)
            #expect(try await store.ephemeral(namespace: "tx", key: "live", now: now) == Data([3]))
            #expect(try await store.insertEphemeralIfAbsent(namespace: "tx", key: "old", value: Data([4]), expiresAt: now.addingTimeInterval(5), now: now))
        }
    }
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("a database of schema version 1 is migrated to the current schema and keeps its entries")
    func migratesVersionOne() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        do {
            let old = try SQLiteHandle(path: path)
            for statement in SQLiteSchema.migrations[0] { try old.execute(statement) }
            try old.execute("PRAGMA user_version = 1")
            try old.query(
                "INSERT INTO ephemeral (namespace, key, value, expires_at) VALUES ('session', 'k', x'0102', ?)",
                [.real(now.addingTimeInterval(60).timeIntervalSince1970)])
        }
        let store = try await SQLiteStore.open(path: path)
        #expect(try await store.ephemeral(namespace: "session", key: "k", now: now) == Data([1, 2]))
        #expect(!(try await store.insertEphemeralIfAbsent(namespace: "session", key: "k", value: Data(), expiresAt: now.addingTimeInterval(60), now: now)))
        #expect(try await store.purgeExpired(now: now.addingTimeInterval(61)) == 1)
        try await store.close()
        let reopened = try SQLiteHandle(path: path)
        var version = 0
        try reopened.query("PRAGMA user_version") { version = Int($0.integer(0)) }
        #expect(version == SQLiteSchema.currentVersion)
    }

    @Test("a database written by a newer Gatehouse is refused, unchanged")
    func refusesNewerSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        try SQLiteHandle(path: path).execute("PRAGMA user_version = \(SQLiteSchema.currentVersion + 1)")
        await #expect(throws: DirectoryError.self) { try await SQLiteStore.open(path: path) }
        var version = 0
        try SQLiteHandle(path: path).query("PRAGMA user_version") { version = Int($0.integer(0)) }
        #expect(version == SQLiteSchema.currentVersion + 1)
    }

    @Test("data survives closing and reopening the file")
    func survivesReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")

        let first = try await SQLiteStore.open(path: path)
        try await first.replaceDirectory(with: contractConfig)
        try await first.saveUser(UserRecord(id: "u-carol", email: "carol@acme.test"))
        try await first.setCredential(user: "u-carol", kind: "totp", data: Data([9, 9]))
        try await first.putEphemeral(namespace: "tx", key: "k", value: Data([7]), expiresAt: now.addingTimeInterval(60))
        try await first.close()

        let second = try await SQLiteStore.open(path: path)
        var expected = contractConfig
        expected.users.append(UserRecord(id: "u-carol", email: "carol@acme.test"))
        let loaded = try await second.loadDirectory()
        let carol = try await second.user(email: "CAROL@acme.test")
        let credential = try await second.credential(user: "u-carol", kind: "totp")
        let entry = try await second.ephemeral(namespace: "tx", key: "k", now: now)
        try await second.close()

        #expect(loaded == expected)
        #expect(carol?.id == "u-carol")
        #expect(credential == Data([9, 9]))
        #expect(entry == Data([7]))
    }

    @Test("concurrent writes share group commits, and a failing write rolls back only itself")
    func groupCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        try await store.replaceDirectory(with: contractConfig)
        let flushesBefore = store.walFlushes
        let failures = await withTaskGroup(of: DirectoryError.Code?.self) { group in
            for n in 0..<40 {
                group.addTask {
                    do {
                        switch n {
                        case 7: try await store.saveUser(UserRecord(id: "u-mallory", email: "ALICE@acme.test"))  // Alice's email
                        case 23: try await store.setCredential(user: "u-nobody", kind: "totp", data: Data([1]))
                        default:
                            try await store.putEphemeral(namespace: "tx", key: "k\(n)", value: Data([UInt8(n)]), expiresAt: now.addingTimeInterval(60))
                        }
                        return nil
                    } catch let error as DirectoryError {
                        return error.code
                    } catch {
                        return .storage
                    }
                }
            }
            return await group.reduce(into: [DirectoryError.Code]()) { if let code = $1 { $0.append(code) } }
        }
        #expect(failures.map { "\($0)" }.sorted() == ["conflict", "unknownUser"])
        for n in 0..<40 where n != 7 && n != 23 {
            #expect(try await store.ephemeral(namespace: "tx", key: "k\(n)", now: now) == Data([UInt8(n)]))
        }
        #expect(try await store.user(id: "u-mallory") == nil)
        let commits = store.groupCommits
        let flushes = store.walFlushes - flushesBefore
        try await store.close()
        #expect(commits < 40, "40 concurrent writes took \(commits) commits")
        #expect(flushes >= 1 && flushes <= commits, "40 concurrent writes took \(flushes) flushes of the WAL in \(commits) commits")
    }

    @Test("closing while writes queue: each write is either committed or fails with closed, and none waits forever")
    func closeWithQueuedWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path)
        let outcomes = await withTaskGroup(of: (Int, String).self) { group in
            for n in 0..<30 {
                group.addTask {
                    do {
                        try await store.putEphemeral(namespace: "tx", key: "k\(n)", value: Data([UInt8(n)]), expiresAt: now.addingTimeInterval(60))
                        return (n, "committed")
                    } catch let error as DirectoryError {
                        return (n, "\(error.code)")
                    } catch {
                        return (n, "\(error)")
                    }
                }
            }
            group.addTask {
                try? await store.close()
                return (-1, "close")
            }
            return await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { $0.key >= 0 }.values.allSatisfy { $0 == "committed" || $0 == "closed" })

        let reopened = try await SQLiteStore.open(path: path)
        for n in 0..<30 {
            let stored = try await reopened.ephemeral(namespace: "tx", key: "k\(n)", now: now)
            #expect((stored != nil) == (outcomes[n] == "committed"), "write \(n): \(outcomes[n] ?? "no outcome")")
        }
        try await reopened.close()
    }

    @Test("a write is visible to the reading connection as soon as it returns, and an import too")
    func readsSeeCommittedWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        for n in 0..<20 {
            try await store.putEphemeral(namespace: "tx", key: "k", value: Data([UInt8(n)]), expiresAt: now.addingTimeInterval(60))
            #expect(try await store.ephemeral(namespace: "tx", key: "k", now: now) == Data([UInt8(n)]))
        }
        try await store.replaceDirectory(with: contractConfig)
        #expect(try await store.loadDirectory() == contractConfig)
        try await store.deleteEphemeral(namespace: "tx", key: "k")
        #expect(try await store.ephemeral(namespace: "tx", key: "k", now: now) == nil)
        try await store.close()
    }

    @Test("a durable write returns after a flush of the WAL; a deferred one is visible at once, waits for none, and is kept")
    func durability() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        // No flush of deferred writes comes due during the test.
        let store = try await SQLiteStore.open(path: path, deferredFlushDelay: .seconds(600))
        let expiry = now.addingTimeInterval(60)
        try await store.putEphemeral(namespace: "tx", key: "durable", value: Data([1]), expiresAt: expiry)
        let flushes = store.walFlushes
        #expect(flushes >= 1)

        for n in 0..<10 {
            try await store.writeEphemeral([.put(namespace: "tx", key: "deferred-\(n)", value: Data([UInt8(n)]), expiresAt: expiry)], durability: .deferred)
            #expect(try await store.ephemeral(namespace: "tx", key: "deferred-\(n)", now: now) == Data([UInt8(n)]))
        }
        #expect(try await store.insertEphemeralIfAbsent(namespace: "lock", key: "l", value: Data(), expiresAt: expiry, now: now, durability: .deferred))
        #expect(!(try await store.insertEphemeralIfAbsent(namespace: "lock", key: "l", value: Data(), expiresAt: expiry, now: now, durability: .deferred)))
        #expect(store.walFlushes == flushes, "deferred writes waited for a flush")

        #expect(try await store.insertEphemeralIfAbsent(namespace: "used", key: "code", value: Data(), expiresAt: expiry, now: now))
        #expect(store.walFlushes > flushes, "a durable marker returned without a flush")
        try await store.close()

        let reopened = try await SQLiteStore.open(path: path)
        #expect(try await reopened.ephemeral(namespace: "tx", key: "deferred-9", now: now) == Data([9]))
        #expect(try await reopened.ephemeral(namespace: "lock", key: "l", now: now) == Data())
        try await reopened.close()
    }

    @Test("a deferred write is flushed to stable storage soon after, with no durable write to carry it")
    func deferredWritesAreFlushedSoon() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"), deferredFlushDelay: .milliseconds(20))
        try await store.putEphemeral(namespace: "tx", key: "durable", value: Data([1]), expiresAt: now.addingTimeInterval(60))
        let flushes = store.walFlushes
        try await store.writeEphemeral([.put(namespace: "tx", key: "deferred", value: Data([2]), expiresAt: now.addingTimeInterval(60))], durability: .deferred)
        for _ in 0..<300 where store.walFlushes == flushes { try await Task.sleep(for: .milliseconds(10)) }
        #expect(store.walFlushes > flushes, "no flush followed the deferred write")
        try await store.close()
    }

    @Test("the WAL is copied into the database file beside the writer, every thousand writes")
    func checkpointsBesideTheWriter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path)
        let sizeBefore = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let value = Data(repeating: 7, count: 600)
        for n in 0..<(2 * 1_000 + 10) {
            try await store.writeEphemeral([.put(namespace: "tx", key: "k\(n)", value: value, expiresAt: now.addingTimeInterval(60))], durability: .deferred)
        }
        for _ in 0..<200 where store.checkpoints < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(store.checkpoints >= 2)
        let sizeAfter = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(sizeAfter > sizeBefore + 1_000 * 600, "the database file did not receive the WAL's pages")
        #expect(try await store.ephemeral(namespace: "tx", key: "k2009", now: now) == value)
        try await store.close()
        let reopened = try await SQLiteStore.open(path: path)
        #expect(try await reopened.ephemeral(namespace: "tx", key: "k0", now: now) == value)
        try await reopened.close()
    }

    @Test("under steady concurrent writes the WAL starts over after checkpoints instead of growing without bound")
    func walStaysBounded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path)
        let value = Data(repeating: 7, count: 1_500)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for n in 0..<1_250 {
                        try await store.writeEphemeral(
                            [.put(namespace: "tx", key: "w\(writer)-\(n)", value: value, expiresAt: now.addingTimeInterval(60))], durability: .deferred)
                    }
                }
            }
            try await group.waitForAll()
        }
        // The WAL header's checkpoint sequence number (bytes 12–15, big-endian) counts the times the
        // WAL started over (SQLite's file format, §4.1). Without the writer finishing the checkpoints
        // it stays 0 while writes keep coming, and the WAL holds all of them (100 MB and more).
        let header = try #require(FileHandle(forReadingAtPath: path + "-wal")).readData(ofLength: 32)
        let restarts = header.count == 32 ? header[12..<16].reduce(0) { $0 << 8 | Int($1) } : 0
        let wal = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        #expect(restarts >= 2, "the WAL started over \(restarts) times and grew to \(wal) bytes")
        #expect(try await store.ephemeral(namespace: "tx", key: "w7-1249", now: now) == value)
        try await store.close()
    }

    @Test("tasks reading at once each get a reading connection, and each sees every write that returned")
    func concurrentReads() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for n in 0..<50 {
                        let value = Data("\(task)-\(n)".utf8)
                        try await store.writeEphemeral([.put(namespace: "tx", key: "t\(task)", value: value, expiresAt: now.addingTimeInterval(60))], durability: .deferred)
                        #expect(try await store.ephemeral(namespace: "tx", key: "t\(task)", now: now) == value)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.close()
        await #expect(throws: DirectoryError.self) { try await store.ephemeral(namespace: "tx", key: "t0", now: now) }
    }

    @Test("the database runs in WAL mode")
    func usesWAL() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("gatehouse.sqlite")
        let store = try await SQLiteStore.open(path: path)
        try await store.putEphemeral(namespace: "tx", key: "k", value: Data([1]), expiresAt: now)
        let walExists = FileManager.default.fileExists(atPath: path + "-wal")
        try await store.close()
        #expect(walExists)
    }

    @Test("a closed store refuses work, and closing twice is harmless")
    func closedStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try await SQLiteStore.open(path: directory.path("gatehouse.sqlite"))
        try await store.close()
        try await store.close()
        let error = await #expect(throws: DirectoryError.self) { try await store.loadDirectory() }
        #expect(error?.code == .closed)
        let lock = await #expect(throws: DirectoryError.self) {
            try await store.takeLock(namespace: "login.lock", key: "t", expiresAt: now.addingTimeInterval(30), now: now)
        }
        #expect(lock?.code == .closed)
    }

    @Test("opening a file that is not a database fails cleanly")
    func notADatabase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("junk.sqlite")
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = await #expect(throws: DirectoryError.self) { try await SQLiteStore.open(path: path) }
        #expect(error?.code == .storage)
    }

    @Test("opening a file in a missing directory fails cleanly")
    func missingDirectory() async throws {
        let error = await #expect(throws: DirectoryError.self) { try await SQLiteStore.open(path: "/nonexistent/dir/gatehouse.sqlite") }
        #expect(error?.code == .storage)
    }
}
