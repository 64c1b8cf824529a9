import FlowEngine
import Foundation

/// What the OpenID provider is told at startup: who it is, where its endpoints are, how long what it
/// issues lives, and the secret behind pairwise subjects.
///
/// Every lifetime has a safe default. The endpoint URLs are the issuer followed by fixed paths
/// (`/authorize`, `/token`, `/userinfo`, `/jwks`, `/logout`, `/introspect`, `/revoke`), so the HTTP
/// layer and the discovery document cannot disagree.
public struct ProviderConfiguration: Sendable {
    /// The issuer identifier (`iss`): an `https` URL (or `http` on loopback for development) without
    /// query or fragment, and without a trailing slash (OIDC Discovery §3).
    public let issuer: String
    /// How long an authorization code can be redeemed (RFC 6749 §4.1.2: "a maximum authorization code
    /// lifetime of 10 minutes is RECOMMENDED"; we use one minute).
    public var codeLifetime: Duration
    /// How long an access token is accepted at userinfo and introspection.
    public var accessTokenLifetime: Duration
    /// The ID token's `exp - iat`.
    public var idTokenLifetime: Duration
    /// How long a refresh token stays usable when unused (each rotation starts a new period).
    public var refreshTokenIdleLifetime: Duration
    /// The longest a grant (the code's refresh-token family) lives, however often it is refreshed.
    public var grantLifetime: Duration
    /// How far another party's clock may be off: applied to client assertions' `exp` and `nbf`.
    public var clockSkew: Duration
    /// The furthest in the future a client assertion's `exp` may be; the `jti` replay cache keeps each
    /// assertion until then, so this bounds the cache.
    public var maxClientAssertionLifetime: Duration
    /// The secret salt of pairwise subject identifiers (OIDC Core §8.1). Changing it changes every
    /// pairwise `sub`, so it is configuration, kept as carefully as the key-encryption key.
    public let pairwiseSalt: [UInt8]
    /// The configured levels of assurance, weakest first: `acr_values_supported`, and the only
    /// `acr_values` an authorization request keeps.
    public var levels: [LevelName]

    /// Creates a configuration.
    /// - Throws: ``OIDCProviderError`` `invalidConfiguration` when the issuer is not an absolute
    ///   `https` URL (or `http` on localhost) without query and fragment, or the salt is shorter than 16 bytes.
    public init(
        issuer: String, pairwiseSalt: [UInt8], levels: [LevelName] = [], codeLifetime: Duration = .seconds(60),
        accessTokenLifetime: Duration = .seconds(600), idTokenLifetime: Duration = .seconds(600),
        refreshTokenIdleLifetime: Duration = .seconds(14 * 86_400), grantLifetime: Duration = .seconds(30 * 86_400),
        clockSkew: Duration = .seconds(30), maxClientAssertionLifetime: Duration = .seconds(3_600)
    ) throws(OIDCProviderError) {
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        guard let url = URLComponents(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil,
            scheme == "https" || (scheme == "http" && ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host))
        else {
            throw .invalidConfiguration(
                "the issuer '\(issuer)' must be an https URL (http only on localhost) without query or fragment")
        }
        guard pairwiseSalt.count >= 16 else {
            throw .invalidConfiguration("the pairwise subject salt must be at least 16 bytes")
        }
        self.issuer = trimmed
        self.pairwiseSalt = pairwiseSalt
        self.levels = levels
        self.codeLifetime = codeLifetime
        self.accessTokenLifetime = accessTokenLifetime
        self.idTokenLifetime = idTokenLifetime
        self.refreshTokenIdleLifetime = refreshTokenIdleLifetime
        self.grantLifetime = grantLifetime
        self.clockSkew = clockSkew
        self.maxClientAssertionLifetime = maxClientAssertionLifetime
    }

    /// `/authorize` (OIDC Core §3.1.2).
    public var authorizationEndpoint: String { issuer + "/authorize" }
    /// `/token` (OIDC Core §3.1.3); also an accepted `aud` of client assertions.
    public var tokenEndpoint: String { issuer + "/token" }
    /// `/userinfo` (OIDC Core §5.3).
    public var userinfoEndpoint: String { issuer + "/userinfo" }
    /// `/jwks` (the `jwks_uri`).
    public var jwksURI: String { issuer + "/jwks" }
    /// `/logout` (OIDC RP-Initiated Logout `end_session_endpoint`).
    public var endSessionEndpoint: String { issuer + "/logout" }
    /// `/introspect` (RFC 7662).
    public var introspectionEndpoint: String { issuer + "/introspect" }
    /// `/revoke` (RFC 7009).
    public var revocationEndpoint: String { issuer + "/revoke" }
}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// Whole seconds, for `expires_in`.
    var wholeSeconds: Int { Int(components.seconds) }
}

extension Date {
    /// `self` moved forward by `duration`.
    static func + (date: Date, duration: Duration) -> Date { date.addingTimeInterval(duration.timeInterval) }
    /// `self` moved back by `duration`.
    static func - (date: Date, duration: Duration) -> Date { date.addingTimeInterval(-duration.timeInterval) }
    /// Seconds since 1970, truncated: the NumericDate of JWT claims (RFC 7519 §2).
    var numericDate: Int { Int(timeIntervalSince1970.rounded(.down)) }
}
