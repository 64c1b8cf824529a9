import FlowEngine
import Foundation

/// How the HTTP server runs: where it listens, the public issuer URL, where its state lives, whom it
/// trusts, and its limits.
///
/// Loaded by ``load(path:environment:)`` from a JSON file (snake_case keys, every key optional,
/// unknown keys rejected), then overridden by `GATEHOUSE_*` environment variables, then checked.
/// Relative paths in the file are relative to the file; relative paths from the environment are
/// relative to the working directory.
///
/// | JSON key | environment | default | meaning |
/// |---|---|---|---|
/// | `host` | `GATEHOUSE_HOST` | `127.0.0.1` | Address to bind. |
/// | `port` | `GATEHOUSE_PORT` | `8080` | Port to bind (0: any free port). |
/// | `issuer` | `GATEHOUSE_ISSUER` | `http://127.0.0.1:8080` | The public base URL (OIDC `iss`); `https` unless the host is loopback. |
/// | `database` | `GATEHOUSE_DATABASE` | `gatehouse.sqlite` | The SQLite store. |
/// | `shared_database` | `GATEHOUSE_SHARED_DATABASE` (`true`/`false`) | `false` | Whether several nodes share the database (else this node opens it alone and keeps its short-lived rows and users in memory). |
/// | `directory_config` | `GATEHOUSE_DIRECTORY_CONFIG` | none | Directory configuration imported when the database is new. |
/// | `flows_directory` | `GATEHOUSE_FLOWS_DIRECTORY` | from the directory configuration | Where flow files are. |
/// | `key_encryption_key` | `GATEHOUSE_KEK` | none (required) | Base64 of 32 bytes that encrypt the signing keys at rest (`openssl rand -base64 32`). |
/// | `pairwise_salt` | `GATEHOUSE_PAIRWISE_SALT` | generated once, kept in the database | Base64 of at least 16 secret bytes behind pairwise `sub` values. |
/// | `signing_key_rotation` | `GATEHOUSE_SIGNING_KEY_ROTATION` | 7776000 (90 days) | Seconds after which the signing keys are replaced at startup (0: never). |
/// | `tls_certificate`, `tls_key` | `GATEHOUSE_TLS_CERTIFICATE`, `GATEHOUSE_TLS_KEY` | none | PEM files; both or neither. |
/// | `saml_sp_certificate`, `saml_sp_key` | `GATEHOUSE_SAML_SP_CERTIFICATE`, `GATEHOUSE_SAML_SP_KEY` | none | Our SAML key pair (PEM, RSA): signs AuthnRequests, decrypts encrypted assertions, published in SP metadata; both or neither. |
/// | `trusted_proxies` | `GATEHOUSE_TRUSTED_PROXIES` (comma-separated) | none | CIDR blocks whose `X-Forwarded-*` headers are believed. |
/// | `demo` | `GATEHOUSE_DEMO` (`true`/`false`) | `false` | Serve the `/demo` client app. |
/// | `demo_client_secret` | `GATEHOUSE_DEMO_CLIENT_SECRET` | none | The secret `/demo` presents as `console` (`client_secret_basic`); none: public. |
/// | `host_organizations` | `GATEHOUSE_HOST_ORGANIZATIONS` (`host=org,…`) | none | Branded host names and the organization each stands for. |
/// | `max_body_bytes` | `GATEHOUSE_MAX_BODY_BYTES` | 65536 | Largest request body; larger ones get 413. |
/// | `session_idle_timeout` | `GATEHOUSE_SESSION_IDLE_TIMEOUT` | 28800 (8 h) | SSO session ends after this many seconds unused. |
/// | `session_absolute_timeout` | `GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT` | 86400 (24 h) | SSO session ends this long after login, used or not. |
/// | `ip_attempt_limit` | `GATEHOUSE_IP_ATTEMPT_LIMIT` | 30 | Password and code submissions allowed per client address… |
/// | `ip_attempt_window` | `GATEHOUSE_IP_ATTEMPT_WINDOW` | 300 | …in this many seconds (a sliding window). |
/// | `log_level` | `GATEHOUSE_LOG_LEVEL` | `info` | swift-log level. |
public struct ServerConfiguration: Sendable, Hashable {
    /// The address to bind.
    public var host: String = "127.0.0.1"
    /// The port to bind (0 picks a free port).
    public var port: Int = 8080
    /// The public base URL, without a trailing slash: what browsers and apps see, and the OIDC `iss`.
    public var issuer: String = "http://127.0.0.1:8080"
    /// The SQLite database file.
    public var databasePath: String = "gatehouse.sqlite"
    /// Whether other nodes (processes) use the database at the same time. When false, this node opens
    /// it alone (another process that opens it is refused) and answers reads of short-lived entries and
    /// users from memory (`SQLiteStore.Sharing`).
    public var sharedDatabase = false
    /// A directory configuration file, imported when the database is new.
    public var directoryConfigPath: String?
    /// Where the flow files are; when nil, the directory configuration's `flows_directory`.
    public var flowsDirectory: String?
    /// 32 bytes that encrypt private keys at rest (signing keys), when configured.
    public var keyEncryptionKey: [UInt8]?
    /// The secret salt of pairwise subject identifiers (OIDC Core §8.1); when nil, one is generated on
    /// first start and kept in the database.
    public var pairwiseSalt: [UInt8]?
    /// Seconds after which the active signing keys are replaced when the server starts; 0 never rotates.
    public var signingKeyRotation: TimeInterval = 90 * 86_400
    /// A PEM certificate chain, for serving TLS directly.
    public var tlsCertificatePath: String?
    /// The PEM private key of ``tlsCertificatePath``.
    public var tlsKeyPath: String?
    /// Our SAML SP certificate (PEM), published in SP metadata.
    public var samlCertificatePath: String?
    /// The PEM RSA private key of ``samlCertificatePath``: signs AuthnRequests, decrypts assertions.
    public var samlKeyPath: String?
    /// Peers whose `X-Forwarded-For/Proto/Host` headers are believed.
    public var trustedProxies: [IPNetwork] = []
    /// Whether the `/demo` client app is served.
    public var demo: Bool = false
    /// The client secret the `/demo` app presents at `/token` as `console`, if that app is confidential.
    public var demoClientSecret: String?
    /// Branded host names (lowercase, without port) and the organization each stands for.
    public var hostOrganizations: [String: OrgID] = [:]
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes: Int = 64 * 1024
    /// Seconds an SSO session survives without use.
    public var sessionIdleTimeout: TimeInterval = 8 * 3600
    /// Seconds an SSO session survives after the login that created it.
    public var sessionAbsoluteTimeout: TimeInterval = 24 * 3600
    /// Password and code submissions allowed per client address within ``ipAttemptWindow``.
    public var ipAttemptLimit: Int = 30
    /// The sliding window of ``ipAttemptLimit``, in seconds.
    public var ipAttemptWindow: TimeInterval = 300
    /// The swift-log level name (`trace` … `critical`).
    public var logLevel: String = "info"

    /// The defaults listed in the type's table.
    public init() {}

    /// Whether the issuer is served over https (the session cookie is then `Secure`).
    public var issuerIsHTTPS: Bool { issuer.lowercased().hasPrefix("https://") }

    /// The organization a branded host name stands for (the `Host` header, port and case ignored).
    public func organization(forHost host: String?) -> OrgID? {
        guard let host, !hostOrganizations.isEmpty else { return nil }
        return hostOrganizations[Self.normalizedHost(host)]
    }

    /// `Example.COM:8443` → `example.com`; `[::1]:80` → `[::1]`.
    static func normalizedHost(_ host: String) -> String {
        var host = host.trimmingCharacters(in: .whitespaces).lowercased()
        if host.hasPrefix("[") {
            if let end = host.firstIndex(of: "]") { host = String(host[...end]) }
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }
}

// MARK: - Loading

extension ServerConfiguration {
    /// Reads the JSON file at `path` (if any), applies `GATEHOUSE_*` overrides from `environment`, and
    /// checks the result.
    /// - Parameters:
    ///   - path: The configuration file, or nil for defaults and environment only.
    ///   - environment: The process environment (injected for tests).
    /// - Throws: ``ServerConfigurationError`` naming the file, key or variable and what is wrong with it.
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ServerConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .init("cannot read the server configuration '\(path)'")
            }
            guard data.count <= 1 << 20 else { throw .init("'\(path)' is larger than 1 MiB") }
            let base = URL(fileURLWithPath: path).deletingLastPathComponent()
            try configuration.apply(file: data, name: path, base: base)
        }
        try configuration.apply(environment: environment)
        try configuration.validate()
        return configuration
    }

    /// Parses a configuration document (for tests and embedding); relative paths stay as written.
    public static func parse(_ json: String, environment: [String: String] = [:]) throws(ServerConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        try configuration.apply(file: Data(json.utf8), name: "configuration", base: nil)
        try configuration.apply(environment: environment)
        try configuration.validate()
        return configuration
    }

    /// Checks every value; ``load(path:environment:)`` calls it, callers that edit a configuration in
    /// code call it again.
    /// - Throws: ``ServerConfigurationError`` for the first value that is not acceptable.
    public func validate() throws(ServerConfigurationError) {
        guard (0...65535).contains(port) else { throw .init("port \(port) is not between 0 and 65535") }
        guard !host.isEmpty else { throw .init("host is empty") }
        guard let url = URL(string: issuer), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let issuerHost = url.host, !issuerHost.isEmpty, url.query == nil, url.fragment == nil, !issuer.hasSuffix("/")
        else {
            throw .init("issuer '\(issuer)' must be an absolute http(s) URL without query, fragment or trailing slash (OIDC Discovery §2)")
        }
        if scheme == "http", !["localhost", "127.0.0.1", "::1", "[::1]"].contains(issuerHost.lowercased()) {
            throw .init("issuer '\(issuer)' must use https unless its host is loopback (OIDC Discovery §3)")
        }
        guard !databasePath.isEmpty else { throw .init("database is empty") }
        if let key = keyEncryptionKey, key.count != 32 { throw .init("key_encryption_key must be 32 bytes, not \(key.count)") }
        if let salt = pairwiseSalt, salt.count < 16 { throw .init("pairwise_salt must be at least 16 bytes, not \(salt.count)") }
        guard signingKeyRotation >= 0 else { throw .init("signing_key_rotation must not be negative") }
        guard (tlsCertificatePath == nil) == (tlsKeyPath == nil) else {
            throw .init("tls_certificate and tls_key must be given together")
        }
        guard (samlCertificatePath == nil) == (samlKeyPath == nil) else {
            throw .init("saml_sp_certificate and saml_sp_key must be given together")
        }
        guard maxBodyBytes >= 1024 else { throw .init("max_body_bytes must be at least 1024") }
        guard sessionIdleTimeout > 0, sessionAbsoluteTimeout > 0 else { throw .init("session timeouts must be positive") }
        guard sessionIdleTimeout <= sessionAbsoluteTimeout else {
            throw .init("session_idle_timeout must not be longer than session_absolute_timeout")
        }
        guard ipAttemptLimit > 0, ipAttemptWindow > 0 else { throw .init("ip_attempt_limit and ip_attempt_window must be positive") }
        guard Self.logLevels.contains(logLevel) else {
            throw .init("log_level '\(logLevel)' is not one of \(Self.logLevels.joined(separator: ", "))")
        }
        for (host, org) in hostOrganizations where host.isEmpty || org.rawValue.isEmpty {
            throw .init("host_organizations has an empty entry ('\(host)' = '\(org)')")
        }
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    private mutating func apply(file data: Data, name: String, base: URL?) throws(ServerConfigurationError) {
        let contents: FileContents
        do {
            contents = try JSONDecoder().decode(FileContents.self, from: data)
        } catch let error as ServerConfigurationError {
            throw error
        } catch let DecodingError.typeMismatch(type, context) {
            throw .init("\(name): '\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(Self.describe(type))")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw .init("\(name): '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)")
        } catch {
            throw .init("\(name) is not a JSON object of server settings")
        }
        func path(_ value: String?) -> String? {
            guard let value else { return nil }
            guard let base, !value.hasPrefix("/") else { return value }
            return base.appendingPathComponent(value).standardizedFileURL.path
        }
        host = contents.host ?? host
        port = contents.port ?? port
        issuer = contents.issuer ?? issuer
        databasePath = path(contents.database) ?? databasePath
        sharedDatabase = contents.sharedDatabase ?? sharedDatabase
        directoryConfigPath = path(contents.directoryConfig) ?? directoryConfigPath
        flowsDirectory = path(contents.flowsDirectory) ?? flowsDirectory
        if let key = contents.keyEncryptionKey { keyEncryptionKey = try Self.decodeKey(key, from: "\(name): key_encryption_key") }
        if let salt = contents.pairwiseSalt { pairwiseSalt = try Self.decodeSalt(salt, from: "\(name): pairwise_salt") }
        signingKeyRotation = contents.signingKeyRotation ?? signingKeyRotation
        tlsCertificatePath = path(contents.tlsCertificate) ?? tlsCertificatePath
        tlsKeyPath = path(contents.tlsKey) ?? tlsKeyPath
        samlCertificatePath = path(contents.samlSPCertificate) ?? samlCertificatePath
        samlKeyPath = path(contents.samlSPKey) ?? samlKeyPath
        if let proxies = contents.trustedProxies { trustedProxies = try Self.networks(proxies, from: "\(name): trusted_proxies") }
        demo = contents.demo ?? demo
        demoClientSecret = contents.demoClientSecret ?? demoClientSecret
        if let hosts = contents.hostOrganizations {
            hostOrganizations = Dictionary(hosts.map { (Self.normalizedHost($0.key), OrgID($0.value)) }, uniquingKeysWith: { first, _ in first })
        }
        maxBodyBytes = contents.maxBodyBytes ?? maxBodyBytes
        sessionIdleTimeout = contents.sessionIdleTimeout ?? sessionIdleTimeout
        sessionAbsoluteTimeout = contents.sessionAbsoluteTimeout ?? sessionAbsoluteTimeout
        ipAttemptLimit = contents.ipAttemptLimit ?? ipAttemptLimit
        ipAttemptWindow = contents.ipAttemptWindow ?? ipAttemptWindow
        logLevel = contents.logLevel ?? logLevel
    }

    private mutating func apply(environment: [String: String]) throws(ServerConfigurationError) {
        func value(_ name: String) -> String? {
            environment["GATEHOUSE_" + name].map { $0.trimmingCharacters(in: .whitespaces) }
        }
        func number<T: LosslessStringConvertible>(_ name: String, _ type: T.Type) throws(ServerConfigurationError) -> T? {
            guard let text = value(name) else { return nil }
            guard let number = T(text) else { throw .init("GATEHOUSE_\(name)='\(text)' is not a number") }
            return number
        }
        host = value("HOST") ?? host
        port = try number("PORT", Int.self) ?? port
        issuer = value("ISSUER") ?? issuer
        databasePath = value("DATABASE") ?? databasePath
        if let flag = value("SHARED_DATABASE") { sharedDatabase = try Self.flag(flag, "GATEHOUSE_SHARED_DATABASE") }
        directoryConfigPath = value("DIRECTORY_CONFIG") ?? directoryConfigPath
        flowsDirectory = value("FLOWS_DIRECTORY") ?? flowsDirectory
        if let key = value("KEK") { keyEncryptionKey = try Self.decodeKey(key, from: "GATEHOUSE_KEK") }
        if let salt = value("PAIRWISE_SALT") { pairwiseSalt = try Self.decodeSalt(salt, from: "GATEHOUSE_PAIRWISE_SALT") }
        signingKeyRotation = try number("SIGNING_KEY_ROTATION", Double.self) ?? signingKeyRotation
        tlsCertificatePath = value("TLS_CERTIFICATE") ?? tlsCertificatePath
        tlsKeyPath = value("TLS_KEY") ?? tlsKeyPath
        samlCertificatePath = value("SAML_SP_CERTIFICATE") ?? samlCertificatePath
        samlKeyPath = value("SAML_SP_KEY") ?? samlKeyPath
        if let list = value("TRUSTED_PROXIES") {
            trustedProxies = try Self.networks(Self.list(list), from: "GATEHOUSE_TRUSTED_PROXIES")
        }
        demoClientSecret = value("DEMO_CLIENT_SECRET") ?? demoClientSecret
        if let flag = value("DEMO") { demo = try Self.flag(flag, "GATEHOUSE_DEMO") }
        if let pairs = value("HOST_ORGANIZATIONS") {
            var map: [String: OrgID] = [:]
            for pair in Self.list(pairs) {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw .init("GATEHOUSE_HOST_ORGANIZATIONS entry '\(pair)' is not host=organization")
                }
                map[Self.normalizedHost(parts[0])] = OrgID(parts[1])
            }
            hostOrganizations = map
        }
        maxBodyBytes = try number("MAX_BODY_BYTES", Int.self) ?? maxBodyBytes
        sessionIdleTimeout = try number("SESSION_IDLE_TIMEOUT", Double.self) ?? sessionIdleTimeout
        sessionAbsoluteTimeout = try number("SESSION_ABSOLUTE_TIMEOUT", Double.self) ?? sessionAbsoluteTimeout
        ipAttemptLimit = try number("IP_ATTEMPT_LIMIT", Int.self) ?? ipAttemptLimit
        ipAttemptWindow = try number("IP_ATTEMPT_WINDOW", Double.self) ?? ipAttemptWindow
        logLevel = value("LOG_LEVEL")?.lowercased() ?? logLevel
    }

    /// A `true`/`false` environment value (also `1`/`0`, `yes`/`no`; empty is false).
    private static func flag(_ text: String, _ name: String) throws(ServerConfigurationError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes": true
        case "0", "false", "no", "": false
        default: throw .init("\(name)='\(text)' is not true or false")
        }
    }

    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func networks(_ texts: [String], from source: String) throws(ServerConfigurationError) -> [IPNetwork] {
        var networks: [IPNetwork] = []
        for text in texts {
            guard let network = IPNetwork(text) else { throw .init("\(source): '\(text)' is not an IP address or CIDR block") }
            networks.append(network)
        }
        return networks
    }

    private static func decodeKey(_ text: String, from source: String) throws(ServerConfigurationError) -> [UInt8] {
        guard let data = Data(base64Encoded: text), data.count == 32 else {
            throw .init("\(source) must be the base64 encoding of exactly 32 bytes")
        }
        return Array(data)
    }

    private static func decodeSalt(_ text: String, from source: String) throws(ServerConfigurationError) -> [UInt8] {
        guard let data = Data(base64Encoded: text), data.count >= 16 else {
            throw .init("\(source) must be the base64 encoding of at least 16 bytes")
        }
        return Array(data)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [String].Type: "an array of strings"
        default: "an object of strings"
        }
    }

    /// The file's keys; every one optional, anything else rejected.
    private struct FileContents: Decodable {
        var host: String?
        var port: Int?
        var issuer: String?
        var database: String?
        var sharedDatabase: Bool?
        var directoryConfig: String?
        var flowsDirectory: String?
        var keyEncryptionKey: String?
        var pairwiseSalt: String?
        var signingKeyRotation: Double?
        var tlsCertificate: String?
        var tlsKey: String?
        var samlSPCertificate: String?
        var samlSPKey: String?
        var trustedProxies: [String]?
        var demo: Bool?
        var demoClientSecret: String?
        var hostOrganizations: [String: String]?
        var maxBodyBytes: Int?
        var sessionIdleTimeout: Double?
        var sessionAbsoluteTimeout: Double?
        var ipAttemptLimit: Int?
        var ipAttemptWindow: Double?
        var logLevel: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port, issuer, database, demo
            case demoClientSecret = "demo_client_secret"
            case sharedDatabase = "shared_database"
            case directoryConfig = "directory_config"
            case flowsDirectory = "flows_directory"
            case keyEncryptionKey = "key_encryption_key"
            case pairwiseSalt = "pairwise_salt"
            case signingKeyRotation = "signing_key_rotation"
            case tlsCertificate = "tls_certificate"
            case tlsKey = "tls_key"
            case samlSPCertificate = "saml_sp_certificate"
            case samlSPKey = "saml_sp_key"
            case trustedProxies = "trusted_proxies"
            case hostOrganizations = "host_organizations"
            case maxBodyBytes = "max_body_bytes"
            case sessionIdleTimeout = "session_idle_timeout"
            case sessionAbsoluteTimeout = "session_absolute_timeout"
            case ipAttemptLimit = "ip_attempt_limit"
            case ipAttemptWindow = "ip_attempt_window"
            case logLevel = "log_level"
        }

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let known = Set(CodingKeys.allCases.map(\.rawValue))
            for key in try decoder.container(keyedBy: AnyKey.self).allKeys where !known.contains(key.stringValue) {
                let suggestion = known.filter { Self.distance($0, key.stringValue) <= 3 }
                    .min { Self.distance($0, key.stringValue) < Self.distance($1, key.stringValue) }
                throw ServerConfigurationError("unknown key '\(key.stringValue)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? ""))
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decodeIfPresent(String.self, forKey: .host)
            port = try c.decodeIfPresent(Int.self, forKey: .port)
            issuer = try c.decodeIfPresent(String.self, forKey: .issuer)
            database = try c.decodeIfPresent(String.self, forKey: .database)
            sharedDatabase = try c.decodeIfPresent(Bool.self, forKey: .sharedDatabase)
            directoryConfig = try c.decodeIfPresent(String.self, forKey: .directoryConfig)
            flowsDirectory = try c.decodeIfPresent(String.self, forKey: .flowsDirectory)
            keyEncryptionKey = try c.decodeIfPresent(String.self, forKey: .keyEncryptionKey)
            pairwiseSalt = try c.decodeIfPresent(String.self, forKey: .pairwiseSalt)
            signingKeyRotation = try c.decodeIfPresent(Double.self, forKey: .signingKeyRotation)
            tlsCertificate = try c.decodeIfPresent(String.self, forKey: .tlsCertificate)
            tlsKey = try c.decodeIfPresent(String.self, forKey: .tlsKey)
            samlSPCertificate = try c.decodeIfPresent(String.self, forKey: .samlSPCertificate)
            samlSPKey = try c.decodeIfPresent(String.self, forKey: .samlSPKey)
            trustedProxies = try c.decodeIfPresent([String].self, forKey: .trustedProxies)
            demo = try c.decodeIfPresent(Bool.self, forKey: .demo)
            demoClientSecret = try c.decodeIfPresent(String.self, forKey: .demoClientSecret)
            hostOrganizations = try c.decodeIfPresent([String: String].self, forKey: .hostOrganizations)
            maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes)
            sessionIdleTimeout = try c.decodeIfPresent(Double.self, forKey: .sessionIdleTimeout)
            sessionAbsoluteTimeout = try c.decodeIfPresent(Double.self, forKey: .sessionAbsoluteTimeout)
            ipAttemptLimit = try c.decodeIfPresent(Int.self, forKey: .ipAttemptLimit)
            ipAttemptWindow = try c.decodeIfPresent(Double.self, forKey: .ipAttemptWindow)
            logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel)
        }

        /// Levenshtein distance, for "did you mean".
        static func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a), b = Array(b)
            guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
            var row = Array(0...b.count)
            for i in 1...a.count {
                var previous = row[0]
                row[0] = i
                for j in 1...b.count {
                    let current = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = current
                }
            }
            return row[b.count]
        }
    }
}

/// A server configuration value that cannot be used, with where it came from and why.
public struct ServerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for the operator (never contains the key material itself).
    public let reason: String

    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }

    /// `ServerConfigurationError: <reason>`.
    public var description: String { "ServerConfigurationError: \(reason)" }
}
