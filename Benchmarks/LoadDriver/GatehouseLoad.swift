import ArgumentParser
import Authenticators
import Foundation

/// `gatehouse-load`: drives a running `gatehouse serve` over loopback HTTP with concurrent simulated
/// browsers and reports complete logins per second with p50/p99 latency (docs/performance.md §5).
@main
struct GatehouseLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-load",
        abstract: "Load driver for a running `gatehouse serve`: complete logins per second, p50/p99.",
        subcommands: [Setup.self, Run.self, HashRate.self])
}

extension GatehouseLoad {
    /// `gatehouse-load setup`: writes the benchmark directory configuration and its users' secrets.
    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write directory.json (users with scrypt hashes and TOTP secrets, RS256 and ES256 apps) and users.json.")

        @Option(help: "Folder to write directory.json and users.json into.")
        var output: String

        @Option(help: "Number of users (TOTP allows each one login per 30 s step: use at least 40 × the expected logins/s).")
        var users = 1_000

        @Option(help: "scrypt cost of the password hashes as log2(N); 15 is the cost `gatehouse password hash` gives real accounts.")
        var logN = 15

        @Option(help: "The repository's flows/ folder (absolute).")
        var flows = BenchmarkDirectory.repository.appendingPathComponent("flows").path

        func run() async throws {
            let cost = try ScryptCost(logN: logN)
            let started = ContinuousClock.now
            let hashes = try parallelMap(0..<users) { index in
                try PasswordHasher(cost: cost).hash(BenchmarkDirectory.user(index).password, random: SystemRandom())
            }
            let folder = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let fixture = try JSONSerialization.jsonObject(
                with: Data(contentsOf: BenchmarkDirectory.repository.appendingPathComponent("fixtures/directory.json")))
            try BenchmarkDirectory.configuration(fixture: fixture as? [String: Any] ?? [:], passwordHashes: hashes, flowsDirectory: flows)
                .write(to: folder.appendingPathComponent("directory.json"))
            try JSONEncoder().encode((0..<users).map(BenchmarkDirectory.user)).write(to: folder.appendingPathComponent("users.json"))
            print("wrote \(users) users (scrypt \(cost)) to \(folder.path) in \(ContinuousClock.now - started)")
        }
    }

    /// `gatehouse-load hash-rate`: the raw rate of the password hash, the floor of a password login.
    struct HashRate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure scrypt verifications per second (PasswordHasher.verify) on 1 and on all cores.")

        @Option(help: "scrypt cost as log2(N).")
        var logN = 15

        @Option(help: "Seconds per measurement.")
        var seconds = 5.0

        func run() async throws {
            let hash = try PasswordHasher(cost: ScryptCost(logN: logN)).hash("load password 0", random: SystemRandom())
            let cores = ProcessInfo.processInfo.activeProcessorCount
            for threads in Set([1, cores]).sorted() {
                let counts = try parallelMap(0..<threads) { _ in
                    let hasher = PasswordHasher()
                    let end = ContinuousClock.now + .seconds(seconds)
                    var count = 0
                    while ContinuousClock.now < end {
                        guard try hasher.verify("load password 0", against: hash) else { throw LoginFailure("the hash did not verify") }
                        count += 1
                    }
                    return count
                }
                let rate = Double(counts.reduce(0, +)) / seconds
                print(String(format: "RESULT hash-rate scrypt=ln=%d,r=8,p=1 threads=%d verifications_per_s=%.1f ms_each=%.2f", logN, threads, rate, 1000 * Double(threads) / rate))
            }
        }
    }
}

extension BenchmarkDirectory {
    /// The repository root, found from this source file (Benchmarks/LoadDriver/…).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}

/// `transform` over `range` on every core (CPU-bound work: scrypt).
func parallelMap<T: Sendable>(_ range: Range<Int>, _ transform: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let results = ResultBox<T>(count: range.count)
    DispatchQueue.concurrentPerform(iterations: range.count) { offset in
        results.set(offset, Result { try transform(range.lowerBound + offset) })
    }
    return try results.values.map { try $0!.get() }
}

/// Slots written from several threads, each exactly once.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<T, any Error>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<T, any Error>) {
        lock.withLock { values[index] = value }
    }
}
