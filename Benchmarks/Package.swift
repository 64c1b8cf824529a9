// swift-tools-version:6.1
import PackageDescription

// Gatehouse's benchmarks: a package of their own so that the root package's build and tests never
// compile ordo-one/benchmark. Run from this folder:
//
//     swift package benchmark                          # every suite, release build
//     swift package benchmark --target DiscoveryBenchmarks
//     swift run -c release gatehouse-load --help       # the load driver for a running `gatehouse serve`
//
// docs/performance.md lists the figures and the command behind each.

let package = Package(
    name: "gatehouse-benchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse-load", targets: ["GatehouseLoad"])
    ],
    dependencies: [
        // `name:` keeps the product references below independent of the folder the project is cloned into.
        .package(name: "gatehouse", path: ".."),
        // Only the malloc interposer: the default RuntimeInterposer trait needs a package this machine's
        // mirror does not have (and ARC counts are not measured here).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // The load driver's command line, HTTP (on swift-nio) and PKCE/TOTP hashes: the versions the root package already uses.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        // FlowMachine driven directly: step transitions per second, latency per login.
        benchmark("FlowMachineBenchmarks", dependencies: [.product(name: "FlowEngine", package: "gatehouse")]),
        // DomainIndex with a million verified domains: build time and lookup latency.
        benchmark("DiscoveryBenchmarks", dependencies: [.product(name: "Directory", package: "gatehouse")]),
        // `flow check` over a thousand flow files: read and validate.
        benchmark("FlowCheckBenchmarks", dependencies: [.product(name: "FlowEngine", package: "gatehouse")]),
        // The SQLite store's reads of users by email and id, exclusive (memory) and shared (file), and the
        // JSON of the records a login writes (RecordEncoder).
        benchmark(
            "StoreBenchmarks",
            dependencies: [
                .product(name: "Directory", package: "gatehouse"), .product(name: "FlowEngine", package: "gatehouse"),
                .product(name: "OIDCProvider", package: "gatehouse"),
            ]),
        // SAML Response validation and OIDC ID token verification (RS256, ES256) on one core.
        benchmark(
            "FederationBenchmarks",
            dependencies: [
                .product(name: "Federation", package: "gatehouse"),
                // The signature alone, for the breakdown of an RS256 verification (docs/performance.md §4).
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]),
        // Complete logins per second against a running `gatehouse serve` over loopback HTTP (docs/performance.md §5).
        .executableTarget(
            name: "GatehouseLoad",
            dependencies: [
                .product(name: "Authenticators", package: "gatehouse"),
                .product(name: "Federation", package: "gatehouse"),
                .product(name: "FlowEngine", package: "gatehouse"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "LoadDriver",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
    ]
)

/// A benchmark executable: its sources in `Benchmarks/<name>`, where the benchmark plugin looks for them.
func benchmark(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: dependencies + [.product(name: "Benchmark", package: "benchmark")],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}
