import Benchmark
import Directory
import FlowEngine
import Foundation
import OIDCProvider

// The SQLite store's reads on a login's path, with 5,000 users in a real file (fewer than the 8,192 a single node keeps in memory): a user by email (every
// identify step) and by id (every token grant and SSO login), from a store opened exclusively (a single
// node: answered from memory) and one opened shared (several nodes: every read goes to the file).
// One read per iteration, so the percentiles are per read.

let benchmarks: @Sendable () -> Void = {
    let reads = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1_000,
        maxDuration: .seconds(5),
        maxIterations: 200_000
    )

    for sharing in [SQLiteStore.Sharing.exclusive, .shared] {
        let name = sharing == .exclusive ? "exclusive (memory)" : "shared (file)"
        Benchmark("SQLiteStore: user(email:), \(name)", configuration: reads) { benchmark, fixture in
            let email = fixture.email(benchmark.currentIteration)
            benchmark.startMeasurement()
            blackHole(try await fixture.store.user(email: email))
        } setup: {
            try await StoreFixture.open(sharing)
        } teardown: {
            try await StoreFixture.close()
        }

        Benchmark("SQLiteStore: user(id:), \(name)", configuration: reads) { benchmark, fixture in
            let id = fixture.id(benchmark.currentIteration)
            benchmark.startMeasurement()
            blackHole(try await fixture.store.user(id: id))
        } setup: {
            try await StoreFixture.open(sharing)
        } teardown: {
            try await StoreFixture.close()
        }
    }

    // The JSON of what an authorization code stores (the request and who logged in how), as
    // `TokenStore` writes it at every code and, its session again, at every redemption.
    Benchmark("RecordEncoder: an authorization code's record", configuration: reads) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try RecordEncoder(dates: .secondsSince1970).encode(CodeLikeRecord.sample)) }
    }
}

/// The shape of OIDCProvider's (internal) `CodeRecord`, with the values of a benchmark login.
struct CodeLikeRecord: Codable, Sendable {
    var request: AuthorizationRequest
    var session: AuthenticatedSession
    var subject: String
    var grantID: String
    var issuedAt: Date

    static let sample = CodeLikeRecord(
        request: AuthorizationRequest(
            clientID: "app-1", redirectURI: "http://127.0.0.1:9/callback", scopes: ["openid", "email", "profile"],
            state: "Zm9vYmFyYmF6cXV4MTIzNA", nonce: "bm9uY2Vub25jZW5vbmNlMTI", codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        session: AuthenticatedSession(
            sid: "s-8c7d0e6a4b2f", user: "u-42", email: "user.42@example.test", emailVerified: true, name: "User 42",
            organization: OrganizationContext(id: "org-1", name: "Example Corp", path: ["provider", "org-1"]), roles: ["member"],
            claims: [:], acr: "aal2", amr: ["pwd", "otp"], authTime: Date(timeIntervalSince1970: 1_765_000_000), upstream: nil,
            upstreamLevel: nil),
        subject: "u-42", grantID: "g-1f2e3d4c5b6a", issuedAt: Date(timeIntervalSince1970: 1_765_000_010))
}

/// A database file with ``users`` users (every fourth address asked for belongs to no one, as when a
/// new user types theirs), opened one way.
struct StoreFixture: Sendable {
    static let users = 5_000
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-store-benchmark-\(getpid())")
    nonisolated(unsafe) static var opened: SQLiteStore?

    let store: SQLiteStore

    func email(_ iteration: Int) -> String {
        let n = iteration % (Self.users + Self.users / 3)
        return n < Self.users ? "User.\(n)@Example.test" : "stranger.\(n)@example.test"
    }

    func id(_ iteration: Int) -> UserID { UserID("u-\(iteration % Self.users)") }

    static func open(_ sharing: SQLiteStore.Sharing) async throws -> StoreFixture {
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("gatehouse.sqlite").path
        let writer = try await SQLiteStore.open(path: path)
        var config = DirectoryConfig()
        config.users = (0..<users).map { UserRecord(id: UserID("u-\($0)"), email: "user.\($0)@example.test", name: "User \($0)") }
        try await writer.replaceDirectory(with: config)
        try await writer.close()
        let store = try await SQLiteStore.open(path: path, sharing: sharing)
        opened = store
        return StoreFixture(store: store)
    }

    static func close() async throws {
        try await opened?.close()
        opened = nil
        try? FileManager.default.removeItem(at: folder)
    }
}
