import Authenticators
import Directory
import FlowEngine
import Foundation
import Login
import Synchronization

/// The repository root, for the committed flows and fixtures.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_772_442_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// A login environment over a real SQLite file in a temporary folder, loaded with fixtures/directory.json.
struct TestBed {
    let environment: LoginEnvironment
    let store: SQLiteStore
    let clock: TestClock
    let outbox: MemoryOutbox
    let planner: LoginPlanner
    let folder: URL

    static func make() async throws -> TestBed {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-login-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = try DirectoryConfig.load(path: repositoryRoot.appendingPathComponent("fixtures/directory.json").path)
        let store = try await SQLiteStore.open(path: folder.appendingPathComponent("test.sqlite").path)
        try await store.replaceDirectory(with: config)
        let directory = Directory(config: config)
        let flows = try FlowCatalog.load(directory: repositoryRoot.appendingPathComponent("flows").path, config: config)
        let clock = TestClock()
        let outbox = MemoryOutbox()
        let environment = LoginEnvironment(
            directory: directory, store: store, flows: flows, outbox: outbox, clock: { clock.now }, random: SeededRandom(seed: 7),
            settings: CredentialSettings(passwordHasher: PasswordHasher(cost: .test)))
        return TestBed(
            environment: environment, store: store, clock: clock, outbox: outbox, planner: LoginPlanner(directory: directory, flows: flows),
            folder: folder)
    }

    /// Runs `body` with a fresh test bed and always closes it afterwards.
    static func with(_ body: (TestBed) async throws -> Void) async throws {
        let bed = try await make()
        do {
            try await body(bed)
        } catch {
            await bed.close()
            throw error
        }
        await bed.close()
    }

    func close() async {
        try? await store.close()
        try? FileManager.default.removeItem(at: folder)
    }

    func perform(_ effect: FlowEffect) async throws -> EffectResult {
        try await environment.perform(effect, for: FlowRequest(app: "console"))
    }

    func totp(_ secret: String, offset: TimeInterval = 0) throws -> String {
        try TOTPAuthenticator().code(secret: secret, at: clock.now.addingTimeInterval(offset))
    }
}

let aliceSecret = "GatehouseFixtureSecretAlice00001"
let alicePassword = Secret("correct horse battery staple")
