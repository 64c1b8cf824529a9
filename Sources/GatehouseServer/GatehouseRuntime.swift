import AsyncHTTPClient
import Authenticators
import Directory
import FlowEngine
import Foundation
import Logging
import Login

/// What the server is made of once started: the configuration, the store and the directory snapshot,
/// the flows, the login environment, sessions, limits, metrics and pages.
///
/// A value shared by every route. The OAuth endpoints (and later the federation and admin routes)
/// receive it through ``GatehouseExtension`` and use its store, sessions and metrics.
public struct GatehouseRuntime: Sendable {
    /// The server configuration.
    public let configuration: ServerConfiguration
    /// The store: directory, credentials, transactions, sessions, counters.
    public let store: any DirectoryStore
    /// The directory snapshot the server started with.
    public let directory: Directory
    /// The compiled flows.
    public let flows: FlowCatalog
    /// Performs the flows' effects (discovery, credential checks, mail).
    public let environment: LoginEnvironment
    /// Turns an app's request into a flow request.
    public let planner: LoginPlanner
    /// SSO sessions.
    public let sessions: SessionStore
    /// Login transactions.
    public let transactions: LoginTransactionStore
    /// The per-address limit on password and code submissions.
    public let attemptLimiter: AddressAttemptLimiter
    /// Prometheus metrics.
    public let metrics: GatehouseMetrics
    /// The hosted pages.
    public let pages: PageRenderer
    /// The clock.
    public let clock: @Sendable () -> Date
    /// The random source of ids, tokens and cookies.
    public let random: any RandomSource
    /// The outbound HTTP client (the demo app's token request; federation later).
    public let httpClient: HTTPClient
    /// The server's logger.
    public let logger: Logger

    /// Opens the store, loads (or first imports) the directory, compiles the flows and assembles the rest.
    /// - Throws: ``ServerConfigurationError`` for settings that cannot work, `DirectoryError` when the
    ///   store or directory configuration cannot be read, `FlowError` for an invalid flow.
    public static func make(configuration: ServerConfiguration, environment: ServerEnvironment = ServerEnvironment()) async throws
        -> GatehouseRuntime
    {
        try configuration.validate()
        var logger =
            environment.logger
            ?? Logger(label: "gatehouse", factory: { LogLineHandler(label: $0, metadataProvider: LoggingSystem.metadataProvider) })
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        if let injected = environment.store {
            return try await make(configuration: configuration, environment: environment, store: injected, logger: logger)
        }
        let store = try await SQLiteStore.open(path: configuration.databasePath, sharing: configuration.sharedDatabase ? .shared : .exclusive)
        do {
            return try await make(configuration: configuration, environment: environment, store: store, logger: logger)
        } catch {
            // Closed before the error goes up: an open SQLite connection must not be dropped.
            try? await store.close()
            throw error
        }
    }

    private static func make(
        configuration: ServerConfiguration, environment: ServerEnvironment, store: any DirectoryStore, logger: Logger
    ) async throws -> GatehouseRuntime {
        var directoryConfig = try await store.loadDirectory()
        var flowsDirectory = configuration.flowsDirectory
        if let path = configuration.directoryConfigPath {
            let fileConfig = try DirectoryConfig.load(path: path)
            if directoryConfig.apps.isEmpty, directoryConfig.organizations.isEmpty, directoryConfig.users.isEmpty {
                try await store.replaceDirectory(with: fileConfig)
                directoryConfig = try await store.loadDirectory()
                logger.notice("imported the directory configuration into the empty store", metadata: ["config": .string(path)])
            }
            // Relative to the configuration file, unless the configuration gives an absolute path.
            let configured = fileConfig.flowsDirectory ?? "flows"
            flowsDirectory = flowsDirectory
                ?? (configured.hasPrefix("/")
                    ? configured
                    : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(configured).standardizedFileURL.path)
        }
        let flows = try FlowCatalog.load(directory: flowsDirectory ?? "flows", config: directoryConfig)
        let directory = Directory(config: directoryConfig)
        let outbox = environment.outbox ?? LoggingOutbox(logger: logger)
        let login = LoginEnvironment(
            directory: directory, store: store, flows: flows, outbox: outbox, clock: environment.clock, random: environment.random,
            settings: environment.credentialSettings)
        return GatehouseRuntime(
            configuration: configuration, store: store, directory: directory, flows: flows, environment: login,
            planner: LoginPlanner(directory: directory, flows: flows),
            sessions: SessionStore(
                store: store, idleTimeout: configuration.sessionIdleTimeout, absoluteTimeout: configuration.sessionAbsoluteTimeout,
                random: environment.random),
            transactions: LoginTransactionStore(store: store),
            attemptLimiter: AddressAttemptLimiter(store: store, limit: configuration.ipAttemptLimit, window: configuration.ipAttemptWindow),
            metrics: environment.metrics, pages: try await PageRenderer.bundled(), clock: environment.clock, random: environment.random,
            httpClient: environment.httpClient, logger: logger)
    }

    /// The page branding for users of `organization` (nearest ancestor with branding).
    public func branding(for organization: OrgID?) -> PageBranding {
        PageBranding.resolve(organization, in: directory)
    }
}

/// The effects the server depends on, injected so tests run with a fixed clock, seeded randomness
/// and an in-memory outbox, and so the OAuth, federation and admin code plugs in.
public struct ServerEnvironment: Sendable {
    /// The clock.
    public var clock: @Sendable () -> Date = { Date() }
    /// Randomness for ids, tokens, cookies, secrets and codes (the system generator by default).
    public var random: any RandomSource = SystemRandom()
    /// Where email codes go; by default they are logged (there is no mail relay yet).
    public var outbox: (any Outbox)?
    /// Password hashing, attempt limits, TOTP and code settings.
    public var credentialSettings = CredentialSettings()
    /// A store to use instead of opening ``ServerConfiguration/databasePath``.
    public var store: (any DirectoryStore)?
    /// The logger; by default `gatehouse`, writing to standard output through ``LogLineHandler``.
    public var logger: Logger?
    /// The metrics registry.
    public var metrics = GatehouseMetrics()
    /// The outbound HTTP client.
    public var httpClient: HTTPClient = .shared
    /// Route modules (OAuth endpoints, federation, admin) and their login hooks.
    public var extensions: [any GatehouseExtension] = []

    /// The production defaults.
    public init() {}
}

/// An outbox that logs that a code was sent, to whom (masked by the caller) and never the code itself;
/// the default until a mail relay is configured.
struct LoggingOutbox: Outbox {
    let logger: Logger

    func send(_ message: EmailMessage) async {
        logger.warning(
            "no mail relay is configured; an email was not delivered", metadata: ["subject": .string(message.subject)])
    }
}

extension GatehouseRuntime {
    /// Whether `app` is first-party: its users are not asked for consent (`client.first_party`,
    /// true unless the app's client settings say otherwise).
    public func isFirstParty(_ app: AppID) -> Bool {
        directory.application(app)?.client?.firstParty ?? true
    }
}
