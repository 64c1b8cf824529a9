// swift-tools-version:6.1
import PackageDescription

/// One set of language settings for every target (Hummingbird's and jwt-kit's manifests do the same).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
        .library(name: "Directory", targets: ["Directory"]),
        .library(name: "Authenticators", targets: ["Authenticators"]),
        .library(name: "Login", targets: ["Login"]),
        .library(name: "Replay", targets: ["Replay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
    ],
    targets: [
        // Pure core: flow model, validator, state-machine runner. Imports only Foundation.
        .target(name: "FlowEngine", swiftSettings: swiftSettings),
        // Organizations, domains, users, apps, connections, levels; the Store and its SQLite implementation.
        .target(
            name: "Directory",
            dependencies: [
                "FlowEngine",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Credential checks: password (scrypt), TOTP, recovery codes, email OTP.
        .target(
            name: "Authenticators",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // Drives a FlowMachine and performs its effects against Directory and Authenticators.
        .target(name: "Login", dependencies: ["FlowEngine", "Directory", "Authenticators"], swiftSettings: swiftSettings),
        // Recorded login transactions replayed offline and deterministically.
        .target(name: "Replay", dependencies: ["Login"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "FlowEngine", "Directory", "Authenticators", "Login", "Replay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FlowEngineTests", dependencies: ["FlowEngine"], swiftSettings: swiftSettings),
        .testTarget(name: "DirectoryTests", dependencies: ["Directory"], swiftSettings: swiftSettings),
        .testTarget(name: "AuthenticatorsTests", dependencies: ["Authenticators"], swiftSettings: swiftSettings),
        .testTarget(name: "LoginTests", dependencies: ["Login"], swiftSettings: swiftSettings),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Directory", "gatehouse"], swiftSettings: swiftSettings),
    ]
)
