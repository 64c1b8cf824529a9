import FlowEngine
import Foundation

/// A small OpenID Provider that runs in-process, for tests and the local demo: discovery document,
/// JWKS, authorization endpoint (codes bound to PKCE S256), token endpoint (the three client
/// authentication methods and Apple's signed client secret), and userinfo. ID tokens are signed
/// with RS256 or ES256 test keys (``TestSigningKey``).
///
/// It is an ``UpstreamHTTP``: hand it to an ``OIDCRelyingParty`` in place of the network, and every
/// request whose URL is under ``Configuration/baseURL`` is answered in-process (anything else is a
/// `404`). ``handle(_:)`` never throws, so an HTTP server can expose it as it is. A test plays the
/// browser with ``authorize(_:as:)``.
///
/// ``Misbehaviour`` makes it a broken or hostile provider (wrong claims, another issuer in the
/// discovery document, no RFC 9207 `iss`, a foreign userinfo `sub`…) for the relying party's
/// negative tests.
///
/// - Warning: For tests and demos only: it signs with committed test keys and logs every request.
public actor TestOIDCProvider: UpstreamHTTP {
    /// Where the provider lives and what it advertises.
    public struct Configuration: Sendable {
        /// The issuer it advertises; may be a `{tenantid}` template (Microsoft).
        public var issuer: String
        /// Where its endpoints are: `/.well-known/openid-configuration`, `/jwks`, `/authorize`, `/token`, `/userinfo`.
        public var baseURL: URL
        /// For a template issuer: the tenant its tokens are issued in (the `tid` claim).
        public var tenantID: String?
        /// Whether it advertises and sends the RFC 9207 `iss` authorization response parameter.
        public var supportsIssuerParameter: Bool
        /// Whether it has a userinfo endpoint.
        public var hasUserInfo: Bool
        /// How long its ID tokens live.
        public var idTokenLifetime: TimeInterval

        /// Creates a configuration; by default the endpoints are under the issuer.
        public init(
            issuer: String, baseURL: URL? = nil, tenantID: String? = nil, supportsIssuerParameter: Bool = true, hasUserInfo: Bool = true,
            idTokenLifetime: TimeInterval = 600
        ) {
            self.issuer = issuer
            self.baseURL = baseURL ?? URL(string: issuer) ?? URL(fileURLWithPath: "/")
            self.tenantID = tenantID
            self.supportsIssuerParameter = supportsIssuerParameter
            self.hasUserInfo = hasUserInfo
            self.idTokenLifetime = idTokenLifetime
        }

        /// The issuer its tokens carry: the template filled with ``tenantID``.
        public var tokenIssuer: String {
            tenantID.map { issuer.replacingOccurrences(of: ExpectedIssuer.tenantPlaceholder, with: $0) } ?? issuer
        }
    }

    /// A registered relying party.
    public struct Client: Sendable {
        /// How the client proves itself at the token endpoint.
        public enum Authentication: Sendable {
            /// `client_secret_basic` with this secret.
            case clientSecretBasic(String)
            /// `client_secret_post` with this secret.
            case clientSecretPost(String)
            /// `private_key_jwt` with assertions signed by the private half of this PEM public key.
            case privateKeyJWT(publicKeyPEM: String)
            /// Apple's: `client_secret` is an ES256 JWT from this team, signed by this P-256 public key's private half.
            case appleClientSecret(teamID: String, keyID: String, publicKeyPEM: String)
        }

        /// `client_id`.
        public var clientID: String
        /// Registered redirect URIs (compared exactly).
        public var redirectURIs: [URL]
        /// Client authentication.
        public var authentication: Authentication
        /// The algorithm its ID tokens are signed with (RS256 or ES256).
        public var idTokenAlgorithm: IDTokenAlgorithm
        /// `response_mode` its answers use when the request names none.
        public var defaultResponseMode: ResponseMode

        /// Registers a client.
        public init(
            clientID: String, redirectURIs: [URL], authentication: Authentication, idTokenAlgorithm: IDTokenAlgorithm = .rs256,
            defaultResponseMode: ResponseMode = .query
        ) {
            self.clientID = clientID
            self.redirectURIs = redirectURIs
            self.authentication = authentication
            self.idTokenAlgorithm = idTokenAlgorithm
            self.defaultResponseMode = defaultResponseMode
        }
    }

    /// A user who can log in.
    public struct User: Sendable {
        /// `sub`.
        public var subject: String
        /// `email`.
        public var email: String?
        /// `email_verified`; `nil` leaves the claim out.
        public var emailVerified: Bool?
        /// `name`.
        public var name: String?
        /// `acr` put in ID tokens.
        public var acr: String?
        /// `amr` put in ID tokens.
        public var amr: [String]
        /// Any other claims for ID tokens and userinfo.
        public var claims: [String: PlainJSON]

        /// Creates a user.
        public init(
            subject: String, email: String?, emailVerified: Bool? = true, name: String? = nil, acr: String? = nil, amr: [String] = ["pwd"],
            claims: [String: PlainJSON] = [:]
        ) {
            self.subject = subject
            self.email = email
            self.emailVerified = emailVerified
            self.name = name
            self.acr = acr
            self.amr = amr
            self.claims = claims
        }
    }

    /// Ways to make the provider misbehave, for negative tests of the relying party.
    public struct Misbehaviour: Sendable {
        /// What the authorization answer carries as RFC 9207 `iss`.
        public enum IssuerParameter: Sendable {
            /// The provider's own issuer (when ``Configuration/supportsIssuerParameter``).
            case correct
            /// None, even though the provider advertises it.
            case omitted
            /// This value.
            case value(String)
        }

        /// Claims set (or replaced) in every ID token.
        public var idTokenClaims: [String: PlainJSON] = [:]
        /// Claims removed from every ID token.
        public var removedIDTokenClaims: Set<String> = []
        /// Sign ID tokens with this key id instead of the client's algorithm's first key.
        public var signingKeyID: String?
        /// The `iss` authorization response parameter.
        public var issuerParameter: IssuerParameter = .correct
        /// The `issuer` the discovery document names.
        public var discoveryIssuer: String?
        /// The `sub` userinfo answers with.
        public var userinfoSubject: String?
        /// Key ids published in the JWKS; `nil` publishes all.
        public var publishedKeyIDs: Set<String>?
        /// A body of this many bytes in place of the discovery document.
        public var oversizedDiscovery: Int?

        /// No misbehaviour.
        public init() {}
    }

    struct AuthorizationCode {
        var clientID: String
        var redirectURI: String
        var codeChallenge: String
        var nonce: String?
        var subject: String
        var scope: String
        var issuedAt: Date
        var used: Bool
    }

    /// What arrives at the redirect URI after the user approved (or the request failed).
    struct Answer {
        var redirectURI: URL
        var parameters: [(String, String)]
        var mode: ResponseMode
    }

    /// Its configuration.
    public let configuration: Configuration
    let now: @Sendable () -> Date
    let random: RandomBytes
    var keys: [TestSigningKey]
    var clients: [String: Client] = [:]
    var users: [User] = []
    var codes: [String: AuthorizationCode] = [:]
    var accessTokens: [String: (subject: String, clientID: String, expires: Date)] = [:]
    var usedAssertionIDs: Set<String> = []
    /// The current misbehaviour.
    public var misbehaviour = Misbehaviour()
    /// Every request received, in order.
    public private(set) var requests: [UpstreamHTTPRequest] = []

    /// Creates a provider.
    ///
    /// - Parameters:
    ///   - configuration: Where it lives and what it advertises.
    ///   - keys: Its signing keys (the first of each algorithm signs).
    ///   - now: Its clock.
    ///   - random: Where codes and access tokens come from.
    public init(configuration: Configuration, keys: [TestSigningKey], now: @escaping @Sendable () -> Date, random: RandomBytes = .system) {
        self.configuration = configuration
        self.keys = keys
        self.now = now
        self.random = random
    }

    /// Registers (or replaces) a client.
    public func register(_ client: Client) { clients[client.clientID] = client }

    /// Adds a user.
    public func add(_ user: User) { users.append(user) }

    /// Adds `user` unless a user with the same subject exists (the demo IdP signs in whoever is named).
    public func addIfMissing(_ user: User) {
        if !users.contains(where: { $0.subject == user.subject }) { users.append(user) }
    }

    /// Adds a signing key (a rotation: publish it, then sign with it through ``Misbehaviour/signingKeyID``).
    public func add(key: TestSigningKey) { keys.append(key) }

    /// Replaces the misbehaviour.
    public func misbehave(_ misbehaviour: Misbehaviour) { self.misbehaviour = misbehaviour }

    /// How many requests went to a path under ``Configuration/baseURL`` (`"/jwks"`, `"/token"`).
    public func requestCount(path: String) -> Int {
        requests.filter { relativePath($0.url) == path }.count
    }

    /// Answers one HTTP request; never throws (errors are HTTP answers, as a server would send them).
    public func handle(_ request: UpstreamHTTPRequest) async -> UpstreamHTTPResponse {
        requests.append(request)
        switch (request.method, relativePath(request.url)) {
        case (.get, "/.well-known/openid-configuration"): return discoveryDocument()
        case (.get, "/jwks"): return jwks()
        case (.get, "/authorize"): return authorizationEndpoint(request)
        case (.post, "/token"): return await tokenEndpoint(request)
        case (.get, "/userinfo") where configuration.hasUserInfo: return userinfo(request)
        default: return UpstreamHTTPResponse(status: 404, headers: ["content-type": "text/plain"], body: Array("not found".utf8))
        }
    }

    /// ``UpstreamHTTP``: the same as ``handle(_:)``.
    public func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        await handle(request)
    }

    /// Plays the browser: follows an authorization request URL as `subject` (who approves at once)
    /// and returns what arrives at the relying party's redirect URI.
    ///
    /// - Throws: ``FederationError/Code/malformedMessage`` when the request is so wrong that the
    ///   provider shows an error page instead of redirecting (unknown client or redirect URI).
    public func authorize(_ authorizationURL: URL, as subject: String) async throws -> AuthorizationResponse {
        let request = UpstreamHTTPRequest.get(authorizationURL)
        requests.append(request)
        switch authorizationAnswer(request.queryParameters, subject: subject) {
        case .success(let answer):
            return AuthorizationResponse(parameters: Dictionary(answer.parameters, uniquingKeysWith: { _, last in last }))
        case .failure(let page):
            throw FederationError(.malformedMessage, "the test provider refused the request: \(page.reason)")
        }
    }

    /// Signs an ID token (or any claims) with one of the provider's keys.
    ///
    /// - Parameters:
    ///   - claims: The claims, exactly.
    ///   - keyID: The key to sign with; its id goes in the header.
    public func mintIDToken(claims: [String: PlainJSON], keyID: String) async throws -> String {
        guard let key = keys.first(where: { $0.keyID == keyID }) else {
            throw FederationError(.configuration, "the test provider has no key '\(keyID)'")
        }
        return try await Self.sign(claims, with: key)
    }

    func relativePath(_ url: URL) -> String? {
        let base =
            configuration.baseURL.absoluteString.hasSuffix("/")
            ? String(configuration.baseURL.absoluteString.dropLast()) : configuration.baseURL.absoluteString
        var target = url.absoluteString
        if let query = target.firstIndex(of: "?") { target = String(target[..<query]) }
        guard target.hasPrefix(base) else { return nil }
        let rest = String(target.dropFirst(base.count))
        return rest.isEmpty ? "/" : rest
    }

    func endpoint(_ path: String) -> URL { configuration.baseURL.appending(path: path) }
}
