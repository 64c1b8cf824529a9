import Benchmark
import Directory
import FlowEngine
import Foundation

// Organization discovery with a million verified domains: how long the index takes to build, and how
// long one `lookup(email:)` takes. Each lookup benchmark does one lookup per iteration, so its
// percentiles are per lookup (they include the framework's two clock reads, some tens of ns).

let benchmarks: @Sendable () -> Void = {
    let load = Benchmark.Configuration(
        // cpuTotal (10 ms resolution) next to wallClock shows how much of a slow run was waiting for the CPU.
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(60),
        maxIterations: 10
    )

    Benchmark("DomainIndex: build from 1,010,000 claims", configuration: load) { benchmark, directory in
        let index = DomainIndex(organizations: directory.organizations)
        benchmark.stopMeasurement()  // freeing the index is not part of loading it
        blackHole(index.count)
    } setup: {
        SyntheticDirectory.shared
    }

    Benchmark("Directory: snapshot of 1,010,000 organizations", configuration: load) { benchmark, directory in
        let snapshot = Directory(config: directory.config)
        benchmark.stopMeasurement()
        blackHole(snapshot.domains.count)
    } setup: {
        SyntheticDirectory.shared
    }

    let lookup = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1_000,
        maxDuration: .seconds(10),
        maxIterations: 1_000_000
    )

    for sample in LookupSample.allCases {
        Benchmark("DomainIndex: lookup(email:), \(sample.rawValue)", configuration: lookup) { benchmark, fixture in
            let email = fixture.address(benchmark.currentIteration)
            benchmark.startMeasurement()
            blackHole(try fixture.index.lookup(email: email))
        } setup: {
            try LookupFixture(sample)
        }
    }

    // Each lookup timed by itself with two clock reads around it (`CLOCK_MONOTONIC`, through the vDSO:
    // ~20 ns, included), 1,000 per iteration: the per-lookup latency without the framework's own
    // work between iterations. The address is read before the clock starts, as in the benchmarks above.
    let timedLookups = Benchmark.Configuration(
        metrics: [.custom(LookupLatency.metricName, useScalingFactor: false)],
        warmupIterations: 10,
        maxDuration: .seconds(10),
        maxIterations: 1_000
    )
    for sample in LookupSample.allCases {
        Benchmark("DomainIndex: lookup(email:) timed one by one, \(sample.rawValue)", configuration: timedLookups) { benchmark, fixture in
            var next = benchmark.currentIteration &* 1_000
            for _ in 0..<1_000 {
                let email = fixture.address(next)
                next &+= 1
                let start = LookupLatency.now()
                let match = try fixture.index.lookup(email: email)
                let end = LookupLatency.now()
                blackHole(match)
                benchmark.measurement(.custom(LookupLatency.metricName), end - start)
            }
        } setup: {
            try LookupFixture(sample)
        }
    }

    // The same lookups in an index of 1,000 domains, which stays in cache: the lookup's own work,
    // without the memory latency of a million-domain table.
    Benchmark("DomainIndex: lookup(email:), existing domain, 1,000-domain index", configuration: lookup) { benchmark, fixture in
        let email = fixture.address(benchmark.currentIteration)
        benchmark.startMeasurement()
        blackHole(try fixture.index.lookup(email: email))
    } setup: {
        LookupFixture(smallIndexOf: 1_000)
    }

    // The same iteration without the lookup: what the framework and picking the address cost, to
    // read the lookup benchmarks' percentiles against.
    Benchmark("DomainIndex: baseline, iteration without a lookup", configuration: lookup) { benchmark, fixture in
        let email = fixture.address(benchmark.currentIteration)
        benchmark.startMeasurement()
        blackHole(email)
    } setup: {
        try LookupFixture(.mixed)
    }

    Benchmark(
        "DomainIndex: 1000 lookups(email:), mixed",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal],
            scalingFactor: .kilo,
            maxDuration: .seconds(10),
            maxIterations: 10_000
        )
    ) { benchmark, fixture in
        var found = 0
        var next = benchmark.currentIteration &* 1_000
        for _ in benchmark.scaledIterations {
            if try fixture.index.lookup(email: fixture.emails[next & (fixture.emails.count - 1)]) != nil { found += 1 }
            next &+= 1
        }
        blackHole(found)
    } setup: {
        try LookupFixture(.mixed)
    }
}

/// A million customer organizations, each with one verified claim on `org-N.example` (every tenth
/// including subdomains), and 10,000 regional sub-organizations `org-N-eu` below every hundredth
/// customer, each claiming `eu.org-N.example`: 1,010,000 organizations and as many claimed domains.
struct SyntheticDirectory: Sendable {
    static let customers = 1_000_000
    static let regionEvery = 100
    static let subdomainsEvery = 10

    /// Built once per process, on first use (in a benchmark's setup, outside the measured region).
    static let shared = SyntheticDirectory()
    /// The index the lookup benchmarks share, also built once per process.
    static let index = DomainIndex(organizations: shared.organizations)

    let organizations: [Organization]
    let config: DirectoryConfig

    private init() {
        var organizations: [Organization] = []
        organizations.reserveCapacity(Self.customers + Self.customers / Self.regionEvery)
        let verifiedAt = Date(timeIntervalSince1970: 1_700_000_000)
        for n in 0..<Self.customers {
            let id = OrgID("org-\(n)")
            organizations.append(
                Organization(
                    id: id, name: "Customer \(n)",
                    domains: [
                        DomainClaim(
                            domain: "org-\(n).example", verified: true, includeSubdomains: n % Self.subdomainsEvery == 0,
                            verifiedAt: verifiedAt)
                    ]))
            if n % Self.regionEvery == 0 {
                organizations.append(
                    Organization(
                        id: OrgID("org-\(n)-eu"), name: "Customer \(n) EU", parent: id,
                        domains: [DomainClaim(domain: "eu.org-\(n).example", verified: true, verifiedAt: verifiedAt)]))
            }
        }
        self.organizations = organizations
        self.config = DirectoryConfig(organizations: organizations)
    }
}

/// Which addresses a lookup benchmark asks for.
enum LookupSample: String, CaseIterable, Sendable {
    /// `user@org-N.example` and `user@eu.org-N.example` (exact matches).
    case existing = "existing domain"
    /// `user@dept.org-N.example` where `org-N.example` includes subdomains (a parent-domain match).
    case subdomain = "subdomain of a claim"
    /// `user@nobody-N.example` and `user@dept.org-N.example` where the claim excludes subdomains.
    case missing = "missing domain"
    /// All of the above, in equal parts.
    case mixed = "mixed"
}

/// The index and 65,536 addresses picked at random (with a fixed seed) from one ``LookupSample``.
struct LookupFixture: Sendable {
    let index: DomainIndex
    /// A power of two long, so an iteration number masks into it.
    let emails: [String]

    /// The address for iteration `n`, read through once before it is measured: a server looks up an
    /// address it has just decoded from the form, which is in cache; one of 65,536 strings often is not.
    func address(_ n: Int) -> String {
        let email = emails[n & (emails.count - 1)]
        blackHole(email.utf8.reduce(0, &+))
        return email
    }

    /// An index of the first `customers` customers' claims and 65,536 addresses in their domains.
    init(smallIndexOf customers: Int) {
        index = DomainIndex(organizations: SyntheticDirectory.shared.organizations.filter { $0.parent == nil }.prefix(customers))
        var random = SplitMix64(seed: 0x6761_7465_686f_7573)
        emails = (0..<65_536).map { _ in
            let n = Int(random.next() % UInt64(customers))
            return "user\(n)@org-\(n).example"
        }
    }

    /// - Throws: ``SetupError`` when the addresses do not behave as their sample says.
    init(_ sample: LookupSample) throws {
        index = SyntheticDirectory.index
        var random = SplitMix64(seed: 0x6761_7465_686f_7573)
        func customer() -> Int { Int(random.next() % UInt64(SyntheticDirectory.customers)) }
        func address(_ kind: LookupSample) -> String {
            switch kind {
            case .existing:
                let n = customer()
                return n % 2 == 0 ? "user\(n)@org-\(n).example" : "user\(n)@eu.org-\(n - n % SyntheticDirectory.regionEvery).example"
            case .subdomain:
                let n = customer() / SyntheticDirectory.subdomainsEvery * SyntheticDirectory.subdomainsEvery
                return "user\(n)@dept.org-\(n).example"
            case .missing:
                // An odd n never includes subdomains (every tenth, counting from 0, does).
                let n = customer()
                return n % 2 == 0 ? "user\(n)@nobody-\(n).example" : "user\(n)@dept.org-\(n).example"
            case .mixed:
                return address([.existing, .subdomain, .missing][Int(random.next() % 3)])
            }
        }
        emails = (0..<65_536).map { _ in address(sample) }
        // Measure what the names say: existing and subdomain addresses match, missing ones do not.
        if sample != .mixed {
            for email in emails.prefix(1_000) where (try index.lookup(email: email) != nil) != (sample != .missing) {
                throw SetupError("\(email) \(sample == .missing ? "matched" : "did not match") an organization")
            }
        }
    }
}

/// The clock of the one-by-one lookup benchmarks.
enum LookupLatency {
    static let metricName = "Lookup latency (ns)"

    /// `CLOCK_MONOTONIC` in nanoseconds.
    static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }
}

/// A small seeded generator (SplitMix64), so every run asks for the same addresses.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fixture that does not hold what the benchmark assumes.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
