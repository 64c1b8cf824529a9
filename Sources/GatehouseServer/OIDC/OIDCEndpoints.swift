import Foundation
import Hummingbird
import OIDCProvider
import ServiceLifecycle

/// The OpenID Connect provider over HTTP: what apps delegate login to.
///
/// | route | what |
/// |---|---|
/// | `GET /.well-known/openid-configuration` | discovery (OIDC Discovery 1.0 §4) |
/// | `GET /jwks` | the public signing keys |
/// | `GET|POST /authorize` | starts a login (authorization code, PKCE S256) |
/// | `POST /token` | redeems a code, rotates a refresh token |
/// | `GET|POST /userinfo` | the user's claims for an access token |
/// | `POST /introspect` | token introspection (RFC 7662) |
/// | `POST /revoke` | token revocation (RFC 7009) |
/// | `GET|POST /logout` | RP-initiated logout, through the server's sign-out confirmation |
///
/// Its login hooks issue the code when a login succeeds and report denials to the app.
///
/// ```swift
/// var environment = ServerEnvironment()
/// environment.extensions = [OIDCEndpoints()]
/// try await runServer(configuration: configuration, environment: environment)
/// ```
///
/// The provider is assembled once per application build (``configure(hooks:runtime:)`` builds it,
/// ``addRoutes(to:login:runtime:)`` takes it over); use one value per application.
public struct OIDCEndpoints: GatehouseExtension {
    /// How long a retired signing key stays in the JWKS: longer than an ID token lives plus how long
    /// relying parties cache the JWKS.
    public var keyOverlap: Duration
    /// Size limits of authorization request parameters.
    public var limits: ParameterLimits
    /// How long relying parties may cache discovery and the JWKS, in seconds.
    public var documentMaxAge: Int
    /// Where new signing keys come from (tests pass pre-made RSA keys: generating them is slow).
    public var keyGenerator: SigningKeyGenerator

    /// How often a running node reloads its signing keys and rotates them when due (one hour by default).
    public var keyCheckInterval: Duration

    private let built = Handoff<OpenIDProvider>()
    private let maintenance = Handoff<SigningKeyMaintenance>()

    /// Creates the endpoints.
    public init(
        keyOverlap: Duration = .seconds(86_400), limits: ParameterLimits = .default, documentMaxAge: Int = 300,
        keyGenerator: SigningKeyGenerator = .system, keyCheckInterval: Duration = .seconds(3600)
    ) {
        self.keyCheckInterval = keyCheckInterval
        self.keyOverlap = keyOverlap
        self.limits = limits
        self.documentMaxAge = documentMaxAge
        self.keyGenerator = keyGenerator
    }

    /// Builds the provider and plugs it into the login: codes on success, errors to the app on denial,
    /// RP-initiated logout parameters at `/logout`.
    public func configure(hooks: inout LoginHooks, runtime: GatehouseRuntime) async throws {
        let provider = try await OpenIDProvider.make(runtime: runtime, keyOverlap: keyOverlap, limits: limits, keyGenerator: keyGenerator)
        built.put(provider)
        hooks.onAuthenticated = { await provider.authenticated($0, $1, $2) }
        hooks.onDenied = { provider.denied($0, $1, $2) }
        hooks.onLogout = { try await provider.logout($0) }
    }

    /// Adds the provider's routes (see the table on the type).
    public func addRoutes(to router: Router<GatehouseRequestContext>, login: LoginController, runtime: GatehouseRuntime) async throws {
        let provider: OpenIDProvider
        if let taken = built.take() {
            provider = taken
        } else {
            provider = try await OpenIDProvider.make(runtime: runtime, keyOverlap: keyOverlap, limits: limits, keyGenerator: keyGenerator)
        }
        maintenance.put(SigningKeyMaintenance(runtime: runtime, keys: provider.keys, interval: keyCheckInterval))
        let maxAge = documentMaxAge
        let discovery = DiscoveryDocument(configuration: provider.configuration).json

        router.get("/.well-known/openid-configuration") { _, _ in OAuthMessages.publicJSON(discovery, maxAge: maxAge) }
        router.get("/jwks") { _, _ in
            // Keys another node rotated in are published here within ten seconds, whatever the hourly check.
            let now = runtime.clock()
            try await provider.keys.reload(ifOlderThan: 10, now: now)
            return OAuthMessages.publicJSON(await provider.keys.jwks(now: now).json, maxAge: maxAge)
        }
        router.get("/authorize") { try await provider.authorize($0, context: $1, login: login) }
        router.post("/authorize") { try await provider.authorize($0, context: $1, login: login) }
        router.post("/token") { await provider.token($0, context: $1) }
        router.get("/userinfo") { await provider.userInfo($0, context: $1) }
        router.post("/userinfo") { await provider.userInfo($0, context: $1) }
        router.post("/introspect") { await provider.introspect($0, context: $1) }
        router.post("/revoke") { await provider.revoke($0, context: $1) }
        for path in ["/token", "/introspect", "/revoke"] {
            router.get(RouterPath(path)) { _, _ in OAuthMessages.methodNotAllowed(allow: "POST") }
        }
    }

    /// Reloads the signing keys every ``keyCheckInterval`` and rotates them when due (on one node).
    public func services(runtime: GatehouseRuntime) -> [any Service] {
        maintenance.take().map { [$0] } ?? []
    }
}
