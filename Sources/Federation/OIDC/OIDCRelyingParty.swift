import FlowEngine
import Foundation
import Logging

/// An OpenID Connect relying party for one connection: authorization code flow with PKCE S256,
/// `state` and `nonce`, RFC 9207 `iss` checking, the three client authentication methods, ID token
/// verification as named checks, and userinfo (OIDC Core §3.1).
///
/// One instance per connection, shared by all logins through it: it caches the provider's
/// discovery document and JWKS. Everything that varies per login is in the
/// ``AuthorizationTransaction`` the caller stores, so any node can finish a login another started.
public final class OIDCRelyingParty: FederatedLogin {
    /// How long a fetched discovery document is used before it is fetched again.
    public static let metadataLifetime: TimeInterval = 24 * 3600

    /// The connection.
    public let connection: ConnectionID
    /// Its settings.
    public let settings: OIDCConnectionSettings
    private let random: RandomBytes
    private let http: any UpstreamHTTP
    private let logger: Logger
    private let provider: ProviderCache
    private let tokenEndpoint: TokenEndpointClient
    private let mapping: IdentityMapping
    private let clientSecret: Secret?

    /// Creates the relying party after checking its settings.
    ///
    /// - Parameters:
    ///   - connection: The connection's id.
    ///   - settings: Its settings.
    ///   - http: The network edge (``UpstreamHTTPClient`` in the server, a fake in tests).
    ///   - random: Where PKCE verifiers, `state`, `nonce` and `jti` come from.
    ///   - allowsPlainHTTPOnLoopback: Accept `http://` loopback endpoints (tests, the local demo).
    ///   - logger: Where failures are logged, without secrets. No-op by default.
    /// - Throws: ``FederationError/Code/configuration`` when the settings are inconsistent.
    public convenience init(
        connection: ConnectionID, settings: OIDCConnectionSettings, http: any UpstreamHTTP, random: RandomBytes = .system,
        allowsPlainHTTPOnLoopback: Bool = false,
        logger: Logger = Logger(label: "gatehouse.federation.oidc", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        try self.init(
            connection: connection, settings: settings, http: http, random: random, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback,
            logger: logger, secretSource: settings.clientSecret.map(ClientSecretSource.fixed))
    }

    /// The designated initialiser; presets pass their own client secret source (Apple).
    init(
        connection: ConnectionID, settings: OIDCConnectionSettings, http: any UpstreamHTTP, random: RandomBytes,
        allowsPlainHTTPOnLoopback: Bool, logger: Logger, secretSource: ClientSecretSource?
    ) throws {
        var checked = settings
        if case .appleSigned = secretSource, checked.clientSecret == nil {
            // Validation only asks that a secret exists; Apple's is made per request.
            checked.clientSecret = Secret("<signed per request>")
        }
        try checked.validate(allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback)
        self.connection = connection
        self.settings = settings
        self.random = random
        self.http = http
        self.logger = logger
        self.clientSecret = settings.clientSecret
        self.provider = ProviderCache(settings: settings, http: http, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback, logger: logger)
        self.tokenEndpoint = TokenEndpointClient(
            clientID: settings.clientID, method: settings.tokenEndpointAuthMethod, secret: secretSource,
            signingKey: try settings.privateKey.map { try ClientSigningKey(pem: $0, keyID: settings.privateKeyID) }, random: random,
            http: http)
        self.mapping = IdentityMapping(
            levels: settings.levels, trustsUnverifiedEmail: settings.trustsUnverifiedEmail,
            emailVerifiedClaims: settings.emailVerifiedClaims, requiredClaims: settings.requiredClaims)
    }

    /// The provider's discovery document, fetched and validated on first use and cached.
    public func metadata(now: Date) async throws -> ProviderMetadata {
        try await provider.metadata(now: now)
    }

    /// Builds the authorization request (OIDC Core §3.1.2.1): `response_type=code`, our `client_id`
    /// and `redirect_uri`, the scopes, fresh `state` and `nonce`, the PKCE S256 challenge, the
    /// `login_hint`, and `acr_values` for the required level when the connection maps one.
    ///
    /// - Throws: ``FederationError`` when discovery fails or the request names another connection.
    public func startLogin(_ request: UpstreamRequest, now: Date) async throws -> LoginRedirect {
        guard request.connection == connection else {
            throw FederationError(.configuration, "upstream request for '\(request.connection)' sent to connection '\(connection)'")
        }
        let metadata = try await provider.metadata(now: now)
        let pkce = PKCE(random: random)
        let transaction = AuthorizationTransaction(
            connection: connection, state: random.token(), nonce: random.token(), codeVerifier: pkce.verifier,
            redirectURI: settings.redirectURI, requiredLevel: request.requiredLevel, loginHint: request.loginHint, createdAt: now)
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", settings.redirectURI.absoluteString),
            ("scope", settings.scopes.joined(separator: " ")), ("state", transaction.state), ("nonce", transaction.nonce),
            ("code_challenge", pkce.challenge), ("code_challenge_method", PKCE.method),
        ]
        if settings.responseMode == .formPost { parameters.append(("response_mode", ResponseMode.formPost.rawValue)) }
        if let hint = request.loginHint, !hint.isEmpty { parameters.append(("login_hint", hint)) }
        if let level = request.requiredLevel {
            let acr = settings.levels.acrValues(for: level)
            if !acr.isEmpty { parameters.append(("acr_values", acr.joined(separator: " "))) }
        }
        let url = FormURLEncoding.appending(parameters, to: metadata.authorizationEndpoint)
        return LoginRedirect(url: url, transaction: transaction, responseMode: settings.responseMode)
    }

    /// Checks the answer (`state`, RFC 9207 `iss`, `error`), redeems the code with the PKCE verifier,
    /// verifies the ID token, fetches userinfo, and maps the result.
    ///
    /// - Throws: ``FederationError`` saying which check failed.
    public func finishLogin(_ response: AuthorizationResponse, transaction: AuthorizationTransaction, now: Date) async throws
        -> UpstreamIdentity
    {
        do {
            return try await finish(response, transaction: transaction, now: now)
        } catch let error as FederationError {
            logger.info("upstream login failed", metadata: ["connection": "\(connection)", "error": "\(error.code)", "reason": "\(error.reason)"])
            throw error
        }
    }

    private func finish(_ response: AuthorizationResponse, transaction: AuthorizationTransaction, now: Date) async throws
        -> UpstreamIdentity
    {
        try Self.checkTransaction(transaction, connection: connection, now: now, skew: settings.clockSkew)
        let metadata = try await provider.metadata(now: now)
        let code = try AuthorizationResponseValidation.code(
            from: response, transaction: transaction, issuer: settings.expectedIssuer,
            issuerParameterRequired: metadata.authorizationResponseIssParameterSupported)
        let tokens = try await tokenEndpoint.redeem(
            code: code, codeVerifier: transaction.codeVerifier, redirectURI: transaction.redirectURI,
            tokenEndpoint: metadata.tokenEndpoint, now: now)
        guard let idToken = tokens.idToken else {
            throw FederationError(.tokenInvalid, "the token response has no id_token")
        }
        let verified = try await verifyIDToken(
            idToken, expectedIssuer: settings.expectedIssuer, expectedAudience: settings.clientID, nonce: transaction.nonce, now: now)
        if let iss = response.issuer, iss != verified.claims.issuer {
            throw FederationError(.issuerMismatch, "the answer's iss is not the ID token's iss")
        }
        var claims = verified.claims.all
        if settings.fetchUserInfo, let endpoint = metadata.userinfoEndpoint {
            let userinfo = try await UserInfo.fetch(endpoint: endpoint, accessToken: tokens.accessToken, subject: verified.subject, http: http)
            claims = UserInfo.merge(claims, userinfo)
        }
        return try mapping.identity(connection: connection, subject: verified.subject, claims: claims)
    }

    /// Verifies an ID token from this connection's provider with its keys and the connection's
    /// algorithms and clock skew. See ``IDTokenVerifier/verifyIDToken(_:expectedIssuer:expectedAudience:nonce:now:)``.
    public func verifyIDToken(
        _ token: String, expectedIssuer: ExpectedIssuer, expectedAudience: String, nonce: String, now: Date
    ) async throws -> VerifiedIDToken {
        let keys = try await provider.keys(now: now)
        let verifier = IDTokenVerifier(
            keys: keys, allowedAlgorithms: settings.allowedAlgorithms, clockSkew: settings.clockSkew, clientSecret: clientSecret)
        return try await verifier.verifyIDToken(
            token, expectedIssuer: expectedIssuer, expectedAudience: expectedAudience, nonce: nonce, now: now)
    }

    /// The transaction belongs to this connection and is recent.
    static func checkTransaction(_ transaction: AuthorizationTransaction, connection: ConnectionID, now: Date, skew: TimeInterval) throws {
        guard transaction.connection == connection else {
            throw FederationError(.stateMismatch, "the stored login is for connection '\(transaction.connection)', not '\(connection)'")
        }
        let age = now.timeIntervalSince(transaction.createdAt)
        guard age <= AuthorizationTransaction.lifetime, age >= -skew else {
            throw FederationError(.expired, "the login started \(Int(age)) s ago; at most \(Int(AuthorizationTransaction.lifetime)) s are allowed")
        }
    }
}

/// The provider's discovery document and its JWKS cache, shared by every login of a connection.
actor ProviderCache {
    private let settings: OIDCConnectionSettings
    private let http: any UpstreamHTTP
    private let allowsPlainHTTPOnLoopback: Bool
    private let logger: Logger
    private var cached: (metadata: ProviderMetadata, fetchedAt: Date)?
    private var jwks: JWKSCache?

    init(settings: OIDCConnectionSettings, http: any UpstreamHTTP, allowsPlainHTTPOnLoopback: Bool, logger: Logger) {
        self.settings = settings
        self.http = http
        self.allowsPlainHTTPOnLoopback = allowsPlainHTTPOnLoopback
        self.logger = logger
    }

    func metadata(now: Date) async throws -> ProviderMetadata {
        if let cached, now.timeIntervalSince(cached.fetchedAt) < OIDCRelyingParty.metadataLifetime {
            return cached.metadata
        }
        let metadata = try await ProviderMetadata.discover(
            at: settings.discoveryURL, expectedIssuer: settings.expectedIssuer.configured, http: http,
            allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback)
        if let previous = cached?.metadata, previous.jwksURI != metadata.jwksURI { jwks = nil }
        cached = (metadata, now)
        return metadata
    }

    func keys(now: Date) async throws -> JWKSCache {
        let metadata = try await metadata(now: now)
        if let jwks { return jwks }
        let cache = JWKSCache(
            issuer: settings.issuer, jwksURI: metadata.jwksURI, http: http, minimumRefetchInterval: settings.jwksRefetchInterval,
            logger: logger)
        jwks = cache
        return cache
    }
}
