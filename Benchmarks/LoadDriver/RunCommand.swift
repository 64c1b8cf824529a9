import ArgumentParser
import Foundation
import NIOPosix

extension Scenario: ExpressibleByArgument {}
extension TestIdentityProvider.Signed: ExpressibleByArgument {}
extension BenchmarkDirectory.Algorithm: ExpressibleByArgument {
    init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

extension GatehouseLoad {
    /// `gatehouse-load run`: the measurement.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run concurrent clients against a server started with the setup's directory.json; print logins/s and p50/p99.")

        @Option(help: "What each client repeats.")
        var scenario: Scenario

        @Option(help: "The server's issuer URL.")
        var server = "http://127.0.0.1:8080"

        @Option(help: "The folder written by `setup` (users.json).")
        var setup: String

        @Option(help: "ID token algorithm of the apps used: rs256 or es256.")
        var alg: BenchmarkDirectory.Algorithm = .rs256

        @Option(help: "Concurrent clients, each doing one complete login after another.")
        var clients = 8

        @Option(help: "Measured time, e.g. 20s.")
        var duration = "20s"

        @Option(help: "Time run before measuring, e.g. 3s.")
        var warmup = "3s"

        @Option(help: "Event-loop threads the clients share: one keeps the driver's own thread switches to a minimum (each wake-up serves every ready connection).")
        var threads = 1

        @Option(help: "What the IdP of a brokered login signs in its Response: assertion, response or both.")
        var samlSigned: TestIdentityProvider.Signed = .assertion

        @Option(help: "The server's process id, to report its CPU time per login.")
        var serverPID: Int?

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be 1 or more, not \(threads)") }
            guard clients >= 1 else { throw ValidationError("--clients must be 1 or more, not \(clients)") }
        }

        func run() async throws {
            let duration = try Self.seconds(duration)
            let warmup = try Self.seconds(warmup)
            let users = try JSONDecoder().decode([LoadUser].self, from: Data(contentsOf: URL(fileURLWithPath: setup + "/users.json")))
            let pool = UserPool(users)
            let identityProvider = scenario.isBrokered ? try TestIdentityProvider(signing: samlSigned) : nil
            let loops = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            var loadClients = try (0..<clients).map {
                LoadClient(
                    number: $0, scenario: scenario, apps: BenchmarkDirectory.apps(alg), pool: pool, identityProvider: identityProvider,
                    server: server, connection: try HTTPConnection(server: server, eventLoop: loops.next()))
            }
            if !scenario.isBrokered { try await pool.start() }
            // The first logins of the SSO and token scenarios, concurrently and not measured.
            loadClients = try await withThrowingTaskGroup(of: LoadClient.self) { group in
                for client in loadClients {
                    group.addTask(executorPreference: client.executor) {
                        var client = client
                        try await client.prepare()
                        return client
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // On standard error, for scripts that sample the server while the measured window runs.
            FileHandle.standardError.write(Data("== warm-up begins\n".utf8))
            let start = ContinuousClock.now
            let window = Window(from: start + .seconds(warmup), to: start + .seconds(warmup + duration))
            async let usage = CPUUsage.measure(window, serverPID: serverPID)
            let outcomes = await withTaskGroup(of: ClientOutcome.self) { group in
                for client in loadClients { group.addTask(executorPreference: client.executor) { await Self.drive(client, window: window) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let report = Report(
                scenario: scenario, algorithm: alg, clients: clients, warmup: warmup, duration: duration, outcomes: outcomes,
                usage: try await usage, poolWaits: await pool.waits)
            print(report.text)
        }

        /// One client: repetitions until the window ends; latencies of those that finish inside it.
        static func drive(_ client: LoadClient, window: Window) async -> ClientOutcome {
            var client = client
            var outcome = ClientOutcome()
            while ContinuousClock.now < window.to {
                let began = ContinuousClock.now
                do {
                    try await client.once()
                    let finished = ContinuousClock.now
                    if window.contains(finished) { outcome.latencies.append(finished - began) }
                } catch {
                    outcome.errors += 1
                    if outcome.failures.count < 3 { outcome.failures.append(String(describing: error)) }
                    if outcome.errors > 50 { break }
                    try? await client.prepare()
                }
            }
            return outcome
        }

        /// "20s", "500ms", "2m" or a plain number of seconds.
        static func seconds(_ text: String) throws -> Double {
            let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
            for (suffix, factor) in units where text.hasSuffix(suffix) {
                if let value = Double(text.dropLast(suffix.count)) { return value * factor }
            }
            guard let value = Double(text) else { throw ValidationError("'\(text)' is not a duration such as 20s") }
            return value
        }
    }
}

/// The measured interval.
struct Window: Sendable {
    var from: ContinuousClock.Instant
    var to: ContinuousClock.Instant

    func contains(_ instant: ContinuousClock.Instant) -> Bool { instant >= from && instant <= to }
}

/// What one client measured.
struct ClientOutcome: Sendable {
    var latencies: [Duration] = []
    var errors = 0
    var failures: [String] = []
}
