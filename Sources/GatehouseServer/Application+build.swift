import Directory
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import ServiceLifecycle

/// Builds the Gatehouse HTTP application from a configuration: opens the store, loads the directory
/// and flows, and wires the middleware and routes. Run it with `runService()`, which shuts down
/// gracefully on SIGINT and SIGTERM (in-flight requests finish, then the store is closed).
///
/// ```swift
/// let app = try await buildApplication(configuration: try ServerConfiguration.load(path: "server.json"))
/// try await app.runService()
/// ```
public func buildApplication(
    configuration: ServerConfiguration, environment: ServerEnvironment = ServerEnvironment()
) async throws -> some ApplicationProtocol {
    let runtime = try await GatehouseRuntime.make(configuration: configuration, environment: environment)
    do {
        return try await buildApplication(runtime: runtime, extensions: environment.extensions)
    } catch {
        // A store this function opened is closed again, so the error reaches the operator intact.
        if environment.store == nil, let sqlite = runtime.store as? SQLiteStore { try? await sqlite.close() }
        throw error
    }
}

/// Builds the application and runs it until SIGINT or SIGTERM (what `gatehouse serve` does).
/// - Parameter built: Called once the store, directory and flows are loaded, just before the server binds.
public func runServer(
    configuration: ServerConfiguration, environment: ServerEnvironment = ServerEnvironment(), built: @Sendable () -> Void = {}
) async throws {
    let app = try await buildApplication(configuration: configuration, environment: environment)
    built()
    try await app.runService()
}

/// Builds the application around an already assembled runtime (tests use it to look into the store).
///
/// With ``ServerConfiguration/tlsCertificatePath`` and ``ServerConfiguration/tlsKeyPath`` the server
/// speaks HTTPS itself (HTTP/1.1 over TLS through HummingbirdTLS and swift-nio-ssl).
/// - Throws: ``ServerConfigurationError`` when the certificate or key cannot be read, and what
///   ``buildRouter(runtime:extensions:)`` throws.
public func buildApplication(runtime: GatehouseRuntime, extensions: [any GatehouseExtension] = []) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(runtime: runtime, extensions: extensions)
    let settings = runtime.configuration
    return Application(
        router: router,
        server: try serverBuilder(settings),
        configuration: .init(address: .hostname(settings.host, port: settings.port)),
        services: [StoreMaintenance(store: runtime.store, clock: runtime.clock, logger: runtime.logger)]
            + extensions.flatMap { $0.services(runtime: runtime) },
        logger: runtime.logger)
}

/// Plain HTTP/1.1, or HTTP/1.1 over TLS with the configured PEM certificate chain and key.
func serverBuilder(_ settings: ServerConfiguration) throws -> HTTPServerBuilder {
    guard let certificatePath = settings.tlsCertificatePath, let keyPath = settings.tlsKeyPath else {
        return HTTPServerBuilder { responder in EventLoopBoundChannel(base: HTTP1Channel(responder: responder)) }
    }
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    do {
        chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
    } catch {
        throw ServerConfigurationError("tls_certificate '\(certificatePath)' cannot be read as a PEM certificate chain (\(error))")
    }
    guard !chain.isEmpty else { throw ServerConfigurationError("tls_certificate '\(certificatePath)' holds no certificate") }
    do {
        key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
    } catch {
        throw ServerConfigurationError("tls_key '\(keyPath)' cannot be read as a PEM private key (\(error))")
    }
    let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    return HTTPServerBuilder { responder in
        EventLoopBoundChannel(base: try TLSChannel(HTTP1Channel(responder: responder), tlsConfiguration: tls))
    }
}

/// The router: middleware (outermost first) and every route.
///
/// Middleware order: request id → forwarded headers → access log and metrics → security headers →
/// error pages → body limit → route. So the access log sees the final status of every request, and
/// error pages carry the security headers and the request id.
///
/// Routes: `/healthz`, `/readyz`, `/metrics`, `/static/gatehouse.css`, `/branding/{org}/style.css`,
/// `GET|POST /login/{id}`, `GET|POST /logout`, the `/demo` app when enabled, and those of `extensions`.
public func buildRouter(runtime: GatehouseRuntime, extensions: [any GatehouseExtension] = []) async throws -> Router<GatehouseRequestContext> {
    let router = Router(context: GatehouseRequestContext.self)
    router.add(middleware: RequestIDMiddleware(random: runtime.random))
    router.add(
        middleware: ForwardedHeadersMiddleware(
            trustedProxies: runtime.configuration.trustedProxies, scheme: runtime.configuration.tlsCertificatePath == nil ? "http" : "https"))
    router.add(middleware: AccessLogMiddleware(metrics: runtime.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorPageMiddleware(pages: runtime.pages))
    router.add(middleware: BodyLimitMiddleware(limit: runtime.configuration.maxBodyBytes))

    var hooks = LoginHooks.standard(runtime: runtime)
    for module in extensions { try await module.configure(hooks: &hooks, runtime: runtime) }
    let login = LoginController(runtime: runtime, hooks: hooks)

    OperationsRoutes.add(to: router, runtime: runtime)
    AssetRoutes.add(to: router, runtime: runtime)
    LoginRoutes.add(to: router, controller: login)
    LogoutRoutes.add(to: router, runtime: runtime, hooks: hooks)
    if runtime.configuration.demo { DemoRoutes.add(to: router, runtime: runtime) }
    for module in extensions { try await module.addRoutes(to: router, login: login, runtime: runtime) }
    return router
}

/// Purges expired ephemeral entries (transactions, sessions, counters) every five minutes, and closes
/// the store when the server has shut down.
struct StoreMaintenance: Service {
    let store: any DirectoryStore
    let clock: @Sendable () -> Date
    let logger: Logger
    var interval: Duration = .seconds(300)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    let purged = try await store.purgeExpired(now: clock())
                    if purged > 0 { logger.debug("purged expired entries", metadata: ["count": .stringConvertible(purged)]) }
                } catch {
                    logger.warning("purging expired entries failed", metadata: ["error.type": .string(String(reflecting: type(of: error)))])
                }
            }
        }
        // Also when the server was cancelled rather than shut down gracefully: the close runs in a task
        // of its own, which the cancellation does not reach, so the connection is never dropped open.
        if let sqlite = store as? SQLiteStore { await Task { try? await sqlite.close() }.value }
    }
}
