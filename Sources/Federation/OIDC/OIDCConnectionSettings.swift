import Directory
import FlowEngine
import Foundation

/// How the relying party authenticates to the token endpoint (OIDC Core §9).
public enum TokenEndpointAuthMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// `client_id` and `client_secret` in an HTTP Basic `Authorization` header (RFC 6749 §2.3.1).
    case clientSecretBasic = "client_secret_basic"
    /// `client_id` and `client_secret` in the form body.
    case clientSecretPost = "client_secret_post"
    /// A JWT client assertion signed with the connection's private key (RFC 7523 §2.2).
    case privateKeyJWT = "private_key_jwt"
}

/// `response_mode` of the authorization request (OAuth 2.0 Multiple Response Types §2.1, Form Post Response Mode).
public enum ResponseMode: String, Sendable, Hashable, Codable {
    /// Parameters come back in the redirect URI's query (the default for `code`).
    case query
    /// Parameters come back as an HTML form POSTed to the redirect URI (Apple with `name`/`email` scopes).
    case formPost = "form_post"
}

/// One rule of an `amr` → level mapping: the level is reached when the ID token's `amr` holds every
/// listed method.
public struct AMRLevelRule: Sendable, Hashable, Codable {
    /// Methods that must all be present (RFC 8176 values: `pwd`, `otp`, `mfa`, `hwk`, …).
    public var amr: [String]
    /// The level they reach.
    public var level: LevelName

    /// Creates a rule.
    public init(amr: [String], level: LevelName) {
        self.amr = amr
        self.level = level
    }
}

/// How an upstream's `acr` and `amr` map to configured levels (DESIGN.md §5).
///
/// `acr` is looked up first (exact value); otherwise the first `amr` rule whose methods are all
/// present wins, so list the strongest rule first. Unmapped signals give no level.
public struct OIDCLevelMapping: Sendable, Hashable {
    /// `acr` value → level.
    public var acr: [String: LevelName]
    /// `amr` rules, strongest first.
    public var amr: [AMRLevelRule]

    /// Creates a mapping.
    public init(acr: [String: LevelName] = [:], amr: [AMRLevelRule] = []) {
        self.acr = acr
        self.amr = amr
    }

    /// The level the upstream's signals reach, if any is mapped.
    public func level(acr value: String?, amr methods: [String]) -> LevelName? {
        if let value, let level = acr[value] { return level }
        let used = Set(methods)
        return amr.first { !$0.amr.isEmpty && $0.amr.allSatisfy(used.contains) }?.level
    }

    /// The `acr_values` to request for `level`: every `acr` mapped to it, sorted (OIDC Core §3.1.2.1).
    public func acrValues(for level: LevelName) -> [String] {
        acr.filter { $0.value == level }.map(\.key).sorted()
    }
}

/// The settings of one OpenID Connect connection (a customer IdP, or a social preset filled in by
/// ``SocialPreset``), read from the connection's `settings` object in configuration.
///
/// Keys in configuration are snake_case:
///
/// | key | default | meaning |
/// |---|---|---|
/// | `issuer` | required | The issuer identifier, exactly as the IdP writes it in `iss` and in its discovery document. A `{tenantid}` placeholder makes it a template checked against the `tid` claim (Microsoft multi-tenant). |
/// | `discovery_url` | `issuer` + `/.well-known/openid-configuration` | Where the discovery document is. |
/// | `client_id` | required | Our client id at the IdP. |
/// | `client_secret` | — | Our client secret (for `client_secret_basic`/`client_secret_post`, and for `HS256`). |
/// | `private_key` | — | PEM private key (RSA → RS256, P-256 → ES256) for `private_key_jwt`. |
/// | `private_key_id` | — | The `kid` the IdP knows that key by. |
/// | `token_endpoint_auth_method` | `private_key_jwt` when a private key is given, else `client_secret_basic` | `client_secret_basic`, `client_secret_post` or `private_key_jwt`. |
/// | `scopes` | `["openid", "email", "profile"]` | Requested scopes; `openid` is added when missing. |
/// | `allowed_algorithms` | `["RS256", "ES256"]` | ID token algorithms accepted. `none` is refused; `HS256` needs a client secret. |
/// | `clock_skew_seconds` | `120` | Tolerance for `exp`, `iat` and `nbf`. |
/// | `acr_levels` | `{}` | `acr` value → level (merged over the connection's `level_mapping`). |
/// | `amr_levels` | `[]` | `[{"amr": ["pwd", "otp"], "level": "loa2"}]`, strongest first. |
/// | `redirect_uri` | the server's default | Our callback URL registered at the IdP. |
/// | `response_mode` | `query` | `query` or `form_post`. |
/// | `userinfo` | `true` | Whether to call the userinfo endpoint (when the IdP has one). |
/// | `trust_unverified_email` | `false` | Pass on `email` even without `email_verified: true`. |
/// | `email_verified_claims` | `["email_verified"]` | Boolean claims any of which vouches for `email`. |
/// | `allowed_tenants` | any | For a `{tenantid}` issuer: the tenant ids (`tid`) accepted. |
/// | `required_claims` | `{}` | Claim → accepted values (e.g. Google's `hd`); a login without one of them fails. |
/// | `jwks_refetch_interval_seconds` | `60` | Shortest time between two JWKS fetches caused by an unknown `kid`. |
public struct OIDCConnectionSettings: Sendable, Hashable {
    /// The issuer identifier (`iss`), compared exactly; may hold `{tenantid}`.
    public var issuer: String
    /// Where the discovery document is (OIDC Discovery §4).
    public var discoveryURL: URL
    /// Our `client_id`.
    public var clientID: String
    /// Our client secret, when the method uses one.
    public var clientSecret: Secret?
    /// Our PEM private key for `private_key_jwt`.
    public var privateKey: Secret?
    /// The `kid` of ``privateKey`` at the IdP.
    public var privateKeyID: String?
    /// Client authentication at the token endpoint.
    public var tokenEndpointAuthMethod: TokenEndpointAuthMethod
    /// Requested scopes, `openid` first.
    public var scopes: [String]
    /// ID token algorithms accepted.
    public var allowedAlgorithms: [IDTokenAlgorithm]
    /// Tolerance, in seconds, for `exp`, `iat` and `nbf`.
    public var clockSkew: TimeInterval
    /// `acr`/`amr` → level.
    public var levels: OIDCLevelMapping
    /// Our registered callback URL.
    public var redirectURI: URL
    /// How the authorization response comes back.
    public var responseMode: ResponseMode
    /// Whether to call the userinfo endpoint.
    public var fetchUserInfo: Bool
    /// Whether an `email` without verification is passed on.
    public var trustsUnverifiedEmail: Bool
    /// Boolean claims that vouch for `email`.
    public var emailVerifiedClaims: [String]
    /// Tenants accepted under a `{tenantid}` issuer; `nil` accepts any.
    public var allowedTenants: Set<String>?
    /// Claims that must have one of the listed values.
    public var requiredClaims: [String: Set<String>]
    /// Shortest time, in seconds, between two JWKS fetches.
    public var jwksRefetchInterval: TimeInterval

    /// Creates settings; see the type's table for the meaning and defaults.
    public init(
        issuer: String, discoveryURL: URL? = nil, clientID: String, clientSecret: Secret? = nil, privateKey: Secret? = nil,
        privateKeyID: String? = nil, tokenEndpointAuthMethod: TokenEndpointAuthMethod? = nil,
        scopes: [String] = ["openid", "email", "profile"], allowedAlgorithms: [IDTokenAlgorithm] = IDTokenAlgorithm.defaultAllowed,
        clockSkew: TimeInterval = 120, levels: OIDCLevelMapping = OIDCLevelMapping(), redirectURI: URL,
        responseMode: ResponseMode = .query, fetchUserInfo: Bool = true, trustsUnverifiedEmail: Bool = false,
        emailVerifiedClaims: [String] = ["email_verified"], allowedTenants: Set<String>? = nil,
        requiredClaims: [String: Set<String>] = [:], jwksRefetchInterval: TimeInterval = 60
    ) {
        self.issuer = issuer
        self.discoveryURL = discoveryURL ?? Self.defaultDiscoveryURL(issuer: issuer)
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.privateKey = privateKey
        self.privateKeyID = privateKeyID
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod ?? (privateKey != nil && clientSecret == nil ? .privateKeyJWT : .clientSecretBasic)
        self.scopes = scopes.contains("openid") ? scopes : ["openid"] + scopes
        self.allowedAlgorithms = allowedAlgorithms
        self.clockSkew = clockSkew
        self.levels = levels
        self.redirectURI = redirectURI
        self.responseMode = responseMode
        self.fetchUserInfo = fetchUserInfo
        self.trustsUnverifiedEmail = trustsUnverifiedEmail
        self.emailVerifiedClaims = emailVerifiedClaims
        self.allowedTenants = allowedTenants
        self.requiredClaims = requiredClaims
        self.jwksRefetchInterval = jwksRefetchInterval
    }

    /// `issuer` + `/.well-known/openid-configuration` (OIDC Discovery §4: a trailing `/` is dropped first).
    public static func defaultDiscoveryURL(issuer: String) -> URL {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return URL(string: base + "/.well-known/openid-configuration") ?? URL(fileURLWithPath: "/invalid-issuer")
    }

    /// The issuer check the ID token gets: exact, or the `{tenantid}` template.
    public var expectedIssuer: ExpectedIssuer {
        issuer.contains(ExpectedIssuer.tenantPlaceholder)
            ? .tenantTemplate(issuer, allowedTenants: allowedTenants) : .exactly(issuer)
    }

    /// Reads a connection's settings: its `settings` object, with the connection's `level_mapping` as
    /// `acr` levels underneath `acr_levels`.
    ///
    /// - Parameters:
    ///   - connection: The configured connection.
    ///   - defaultRedirectURI: The callback URL used when the settings name none.
    /// - Throws: ``FederationError/Code/configuration`` saying which key is wrong.
    public init(connection: Connection, defaultRedirectURI: URL?) throws {
        let raw = try RawSettings.decode(for: connection)
        guard let issuer = raw.issuer, !issuer.isEmpty else {
            throw FederationError(.configuration, "connection '\(connection.id)': settings.issuer is required")
        }
        try self.init(raw: raw, issuer: issuer, connection: connection, defaultRedirectURI: defaultRedirectURI)
    }

    /// Builds settings from decoded keys over an issuer a preset may have chosen.
    init(raw: RawSettings, issuer: String, connection: Connection, defaultRedirectURI: URL?, defaults: PresetDefaults = .init()) throws {
        let id = connection.id
        guard let clientID = raw.clientID, !clientID.isEmpty else {
            throw FederationError(.configuration, "connection '\(id)': settings.client_id is required")
        }
        guard let redirectURI = raw.redirectURI.flatMap(URL.init(string:)) ?? defaultRedirectURI else {
            throw FederationError(.configuration, "connection '\(id)': settings.redirect_uri is required (no server default)")
        }
        var acr = connection.levelMapping
        acr.merge(raw.acrLevels ?? [:]) { _, explicit in explicit }
        self.init(
            issuer: issuer,
            discoveryURL: try raw.discoveryURL.map { try Self.url($0, key: "discovery_url", connection: id) } ?? defaults.discoveryURL,
            clientID: clientID,
            clientSecret: raw.clientSecret.map(Secret.init),
            privateKey: raw.privateKey.map(Secret.init),
            privateKeyID: raw.privateKeyID,
            tokenEndpointAuthMethod: raw.tokenEndpointAuthMethod ?? defaults.tokenEndpointAuthMethod,
            scopes: raw.scopes ?? defaults.scopes ?? ["openid", "email", "profile"],
            allowedAlgorithms: raw.allowedAlgorithms ?? IDTokenAlgorithm.defaultAllowed,
            clockSkew: raw.clockSkewSeconds ?? 120,
            levels: OIDCLevelMapping(acr: acr, amr: raw.amrLevels ?? []),
            redirectURI: redirectURI,
            responseMode: raw.responseMode ?? defaults.responseMode ?? .query,
            fetchUserInfo: raw.userinfo ?? defaults.fetchUserInfo ?? true,
            trustsUnverifiedEmail: raw.trustUnverifiedEmail ?? false,
            emailVerifiedClaims: raw.emailVerifiedClaims ?? defaults.emailVerifiedClaims ?? ["email_verified"],
            allowedTenants: raw.allowedTenants.map(Set.init),
            requiredClaims: (raw.requiredClaims ?? [:]).mapValues(Set.init),
            jwksRefetchInterval: raw.jwksRefetchIntervalSeconds ?? 60)
    }

    /// Checks the settings hang together; call once when the connection is loaded.
    ///
    /// - Parameter allowsPlainHTTPOnLoopback: Whether `http://` loopback URLs are acceptable (tests, demo).
    /// - Throws: ``FederationError/Code/configuration`` naming the setting.
    public func validate(allowsPlainHTTPOnLoopback: Bool = false) throws {
        func requireHTTPS(_ url: URL, _ key: String) throws {
            do {
                try UpstreamHTTPClient.checkScheme(url, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback)
            } catch {
                throw FederationError(.configuration, "\(key) '\(UpstreamHTTPClient.describe(url))' must be https")
            }
        }
        try requireHTTPS(discoveryURL, "discovery_url")
        if !issuer.contains(ExpectedIssuer.tenantPlaceholder), let url = URL(string: issuer) {
            try requireHTTPS(url, "issuer")
        }
        if redirectURI.scheme?.lowercased() != "https" && !UpstreamHTTPClient.isLoopback(redirectURI) {
            throw FederationError(.configuration, "redirect_uri must be https (or a loopback address)")
        }
        guard !allowedAlgorithms.isEmpty else {
            throw FederationError(.configuration, "allowed_algorithms is empty; no ID token could be accepted")
        }
        if allowedAlgorithms.contains(.hs256) {
            guard let clientSecret else {
                throw FederationError(.configuration, "allowed_algorithms lists HS256 but there is no client_secret to verify it with")
            }
            guard clientSecret.value.utf8.count >= IDTokenVerifier.minimumHMACSecretBytes else {
                throw FederationError(.configuration, "allowed_algorithms lists HS256 but client_secret is shorter than 32 bytes (RFC 7518 §3.2)")
            }
        }
        switch tokenEndpointAuthMethod {
        case .clientSecretBasic, .clientSecretPost:
            if clientSecret == nil {
                throw FederationError(.configuration, "token_endpoint_auth_method \(tokenEndpointAuthMethod.rawValue) needs client_secret")
            }
        case .privateKeyJWT:
            guard let privateKey else {
                throw FederationError(.configuration, "token_endpoint_auth_method private_key_jwt needs private_key")
            }
            _ = try ClientSigningKey(pem: privateKey, keyID: privateKeyID)
        }
        guard clockSkew >= 0, clockSkew <= 600 else {
            throw FederationError(.configuration, "clock_skew_seconds must be between 0 and 600")
        }
    }

    static func url(_ text: String, key: String, connection: ConnectionID) throws -> URL {
        guard let url = URL(string: text), url.scheme != nil, url.host != nil else {
            throw FederationError(.configuration, "connection '\(connection)': settings.\(key) '\(text)' is not an absolute URL")
        }
        return url
    }
}

/// What a social preset fills in when the configuration is silent.
struct PresetDefaults {
    var discoveryURL: URL?
    var tokenEndpointAuthMethod: TokenEndpointAuthMethod?
    var scopes: [String]?
    var responseMode: ResponseMode?
    var fetchUserInfo: Bool?
    var emailVerifiedClaims: [String]?
}

/// The `settings` object as written in configuration (snake_case keys), before defaults.
///
/// Unknown keys are refused, so that a misspelt `client_secert` is an error rather than a silent default,
/// and so are keys that belong to another kind of connection.
struct RawSettings: Decodable {
    var issuer: String?
    var discoveryURL: String?
    var clientID: String?
    var clientSecret: String?
    var privateKey: String?
    var privateKeyID: String?
    var tokenEndpointAuthMethod: TokenEndpointAuthMethod?
    var scopes: [String]?
    var allowedAlgorithms: [IDTokenAlgorithm]?
    var clockSkewSeconds: Double?
    var acrLevels: [String: LevelName]?
    var amrLevels: [AMRLevelRule]?
    var redirectURI: String?
    var responseMode: ResponseMode?
    var userinfo: Bool?
    var trustUnverifiedEmail: Bool?
    var emailVerifiedClaims: [String]?
    var allowedTenants: [String]?
    var requiredClaims: [String: [String]]?
    var jwksRefetchIntervalSeconds: Double?
    // Social presets.
    var tenant: String?
    var allowedHostedDomains: [String]?
    var teamID: String?
    var keyID: String?
    var apiBaseURL: String?
    var webBaseURL: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case issuer
        case discoveryURL = "discovery_url"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case privateKey = "private_key"
        case privateKeyID = "private_key_id"
        case tokenEndpointAuthMethod = "token_endpoint_auth_method"
        case scopes
        case allowedAlgorithms = "allowed_algorithms"
        case clockSkewSeconds = "clock_skew_seconds"
        case acrLevels = "acr_levels"
        case amrLevels = "amr_levels"
        case redirectURI = "redirect_uri"
        case responseMode = "response_mode"
        case userinfo
        case trustUnverifiedEmail = "trust_unverified_email"
        case emailVerifiedClaims = "email_verified_claims"
        case allowedTenants = "allowed_tenants"
        case requiredClaims = "required_claims"
        case jwksRefetchIntervalSeconds = "jwks_refetch_interval_seconds"
        case tenant
        case allowedHostedDomains = "allowed_hosted_domains"
        case teamID = "team_id"
        case keyID = "key_id"
        case apiBaseURL = "api_base_url"
        case webBaseURL = "web_base_url"
    }

    /// Keys only one kind reads; any other kind refuses them.
    static let kindOnlyKeys: [ConnectionKind: Set<CodingKeys>] = [
        .microsoft: [.tenant], .google: [.allowedHostedDomains], .apple: [.teamID, .keyID], .github: [.apiBaseURL, .webBaseURL],
    ]

    /// Keys GitHub (OAuth 2.0 without OIDC) has no use for.
    static let oidcOnlyKeys: Set<CodingKeys> = [
        .issuer, .discoveryURL, .privateKey, .privateKeyID, .tokenEndpointAuthMethod, .allowedAlgorithms, .clockSkewSeconds, .acrLevels,
        .amrLevels, .responseMode, .userinfo, .trustUnverifiedEmail, .emailVerifiedClaims, .allowedTenants, .requiredClaims,
        .jwksRefetchIntervalSeconds,
    ]

    /// Decodes a connection's `settings`, refusing unknown keys and keys of another kind.
    static func decode(for connection: Connection) throws -> RawSettings {
        let id = connection.id
        if case .object(let members) = connection.settings {
            for name in members.keys.sorted() {
                guard let key = CodingKeys(rawValue: name) else {
                    throw FederationError(.configuration, "connection '\(id)': unknown setting '\(name)'")
                }
                let owner = kindOnlyKeys.first { $0.value.contains(key) }?.key
                if let owner, owner != connection.kind {
                    throw FederationError(.configuration, "connection '\(id)': setting '\(name)' applies to \(owner) connections only")
                }
                if connection.kind == .github, oidcOnlyKeys.contains(key) {
                    throw FederationError(.configuration, "connection '\(id)': setting '\(name)' does not apply to GitHub (OAuth 2.0, no OIDC)")
                }
            }
        }
        do {
            let data = try JSONEncoder().encode(connection.settings ?? .object([:]))
            return try JSONDecoder().decode(RawSettings.self, from: data)
        } catch {
            throw FederationError(.configuration, "connection '\(id)': settings: \(DecodingErrorText.describe(error))")
        }
    }
}
