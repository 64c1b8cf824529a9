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
        .library(name: "Federation", targets: ["Federation"]),
        .library(name: "OIDCProvider", targets: ["OIDCProvider"]),
        .library(name: "GatehouseServer", targets: ["GatehouseServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    ],
    targets: [
        // Pure core: flow model, validator, state-machine runner. Imports only Foundation.
        .target(name: "FlowEngine", swiftSettings: swiftSettings),
        // Cache prefetch hints (a header-only C shim), for discovery's lookups in a million-domain table.
        .target(name: "CPrefetch"),
        // Organizations, domains, users, apps, connections, levels; the Store and its SQLite implementation.
        .target(
            name: "Directory",
            dependencies: [
                "FlowEngine", "CPrefetch",
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
        .target(name: "Replay", dependencies: ["Login", "Federation"], swiftSettings: swiftSettings),
        // Debian's libxml2 + libxmlsec1 (OpenSSL backend), for SAML XML-DSig and XML-Enc. Imported by Federation only.
        .systemLibrary(
            name: "CXMLSec", pkgConfig: "xmlsec1-openssl", providers: [.apt(["libxmlsec1-dev", "libxml2-dev"])]
        ),
        // Debian's OpenSSL libcrypto, for RS256 signatures (it uses AVX-512 IFMA where the CPU has it). Imported by OIDCProvider only.
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Debian's libqrencode, for the QR code on the TOTP enrollment page. Imported by GatehouseServer only.
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // Upstream IdPs: SAML 2.0 service provider, OIDC relying party, social presets, outbound HTTP.
        .target(
            name: "Federation",
            dependencies: [
                "CXMLSec", "FlowEngine", "Directory", "Authenticators",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // OpenID Connect provider logic: clients, authorization requests, codes, tokens, keys, claims.
        .target(
            name: "OIDCProvider",
            dependencies: [
                "CLibCrypto", "FlowEngine", "Directory", "Authenticators",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP: OIDC endpoints, hosted login pages, SSO sessions, health and metrics (Hummingbird 2).
        .target(
            name: "GatehouseServer",
            dependencies: [
                "FlowEngine", "Directory", "Authenticators", "Login", "OIDCProvider", "Federation", "CQREncode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Static")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "FlowEngine", "Directory", "Authenticators", "Login", "Replay", "GatehouseServer", "Federation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            // jemalloc (Debian's libjemalloc) as the process's allocator instead of glibc's, as Vapor's
            // deployment template does: a brokered login spent a tenth of its CPU in glibc's malloc and
            // free; with jemalloc it ran 9% faster in interleaved runs, up to 37% when the machine ran slow
            // (docs/performance.md §5, "The allocator"). Tests/e2e/test_binary.py checks it is in use.
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),
        .testTarget(name: "FlowEngineTests", dependencies: ["FlowEngine"], swiftSettings: swiftSettings),
        .testTarget(name: "DirectoryTests", dependencies: ["Directory"], swiftSettings: swiftSettings),
        .testTarget(name: "AuthenticatorsTests", dependencies: ["Authenticators"], swiftSettings: swiftSettings),
        .testTarget(name: "LoginTests", dependencies: ["Login"], swiftSettings: swiftSettings),
        .testTarget(name: "FederationTests", dependencies: ["Federation"], resources: [.copy("Resources")], swiftSettings: swiftSettings),
        .testTarget(name: "OIDCProviderTests", dependencies: ["OIDCProvider", "Authenticators"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GatehouseServerTests",
            dependencies: ["GatehouseServer", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReplayTests",
            dependencies: ["Replay", "Directory", "Authenticators", "Federation", "gatehouse", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
    ]
)
