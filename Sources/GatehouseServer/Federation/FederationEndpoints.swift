import Authenticators
import Directory
import Federation
import FlowEngine
import Foundation
import Hummingbird

/// Customer IdP federation and social login over HTTP: where `federate` and `social` steps send the
/// user, and where the IdPs answer.
///
/// | route | what |
/// |---|---|
/// | `POST /federation/saml/{connection}/acs` | AssertionConsumerService (SAML HTTP-POST binding) |
/// | `GET /federation/saml/{connection}/metadata` | our SP metadata for the customer's IdP |
/// | `GET|POST /federation/oidc/{connection}/callback` | OAuth / OIDC redirect URI (`query` or `form_post`) |
///
/// With ``ServerConfiguration/demo`` set, connections without settings are served by the built-in
/// test IdPs (``DemoIdentityProviders``), so the demo's customer organizations can sign in.
///
/// ```swift
/// environment.extensions = [OIDCEndpoints(), FederationEndpoints()]
/// ```
public struct FederationEndpoints: GatehouseExtension {
    /// The network edge of OAuth connections; nil: an ``UpstreamHTTPClient`` with the default limits.
    public var http: (any UpstreamHTTP)?
    /// Accept `http://` IdP endpoints on loopback addresses (tests, local IdPs). Always on in the demo.
    public var allowsPlainHTTPOnLoopback: Bool
    /// Settings that replace the directory's for some connections (tests point a connection at a test IdP).
    public var settings: [ConnectionID: PlainJSON]

    private let built = Handoff<(FederationBroker, DemoIdentityProviders?)>()

    /// Creates the endpoints.
    public init(http: (any UpstreamHTTP)? = nil, allowsPlainHTTPOnLoopback: Bool = false, settings: [ConnectionID: PlainJSON] = [:]) {
        self.http = http
        self.allowsPlainHTTPOnLoopback = allowsPlainHTTPOnLoopback
        self.settings = settings
    }

    /// Prepares every connection and sends upstream logins to them.
    public func configure(hooks: inout LoginHooks, runtime: GatehouseRuntime) async throws {
        let (broker, demo) = try await make(runtime: runtime)
        built.put((broker, demo))
        hooks.onUpstream = { try await broker.start($0, transaction: $1, request: $2, logger: $3) }
    }

    /// Adds the routes in the table on the type (and the demo's test IdPs).
    public func addRoutes(to router: Router<GatehouseRequestContext>, login: LoginController, runtime: GatehouseRuntime) async throws {
        let built = self.built.take()
        let (broker, demo) = if let built { built } else { try await make(runtime: runtime) }
        router.post("/federation/saml/:connection/acs") { try await broker.assertionConsumer($0, context: $1, login: login) }
        router.get("/federation/saml/:connection/metadata") { _, context in try await broker.metadata(context) }
        router.get("/federation/oidc/:connection/callback") { try await broker.callback($0, context: $1, login: login) }
        router.post("/federation/oidc/:connection/callback") { try await broker.callback($0, context: $1, login: login) }
        demo?.addRoutes(to: router, runtime: runtime)
    }

    private func make(runtime: GatehouseRuntime) async throws -> (FederationBroker, DemoIdentityProviders?) {
        let configuration = runtime.configuration
        let key = try Self.serviceProviderKey(configuration)
        let random = RandomBytes { [random = runtime.random] in random.bytes($0) }
        var settings = self.settings
        var http = self.http ?? (allowsPlainHTTPOnLoopback || configuration.demo ? Self.loopbackClient : Self.client)
        var demo: DemoIdentityProviders?
        if configuration.demo {
            let providers = try await DemoIdentityProviders.make(runtime: runtime, random: random)
            for (id, value) in providers.settings(for: runtime.directory.config.connections) where settings[id] == nil {
                settings[id] = value
            }
            http = providers.routing(fallback: http)
            demo = providers
        }
        let connections = UpstreamConnections.make(
            connections: runtime.directory.config.connections, settings: settings, issuer: configuration.issuer, key: key, http: http,
            replayCache: DirectoryAssertionReplayCache(store: runtime.store), random: random,
            allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback || configuration.demo, now: runtime.clock, logger: runtime.logger)
        let broker = FederationBroker(runtime: runtime, connections: connections, pending: PendingUpstreamLogins(store: runtime.store), random: random)
        return (broker, demo)
    }

    /// The outbound clients, one per process and never shut down (an `HTTPClient` must be shut down
    /// before it is released; these never are): https only, and https or http to loopback.
    static let client = UpstreamHTTPClient()
    static let loopbackClient = UpstreamHTTPClient(configuration: .init(allowsPlainHTTPOnLoopback: true))

    /// Our SAML key pair from ``ServerConfiguration/samlKeyPath`` and ``ServerConfiguration/samlCertificatePath``.
    static func serviceProviderKey(_ configuration: ServerConfiguration) throws -> UpstreamConnections.ServiceProviderKey? {
        guard let keyPath = configuration.samlKeyPath, let certificatePath = configuration.samlCertificatePath else { return nil }
        guard let keyPEM = try? String(contentsOfFile: keyPath, encoding: .utf8) else {
            throw ServerConfigurationError("saml_sp_key '\(keyPath)' cannot be read")
        }
        guard let certificatePEM = try? String(contentsOfFile: certificatePath, encoding: .utf8) else {
            throw ServerConfigurationError("saml_sp_certificate '\(certificatePath)' cannot be read")
        }
        do {
            let signingKey = try SAMLSigningKey(privateKeyPEM: keyPEM, certificatePEM: certificatePEM)
            return UpstreamConnections.ServiceProviderKey(privateKeyPEM: keyPEM, certificatePEM: certificatePEM, signingKey: signingKey)
        } catch {
            throw ServerConfigurationError("saml_sp_key and saml_sp_certificate are not a usable RSA key pair (\(error.reason))")
        }
    }
}
