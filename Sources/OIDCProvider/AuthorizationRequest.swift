import FlowEngine
import Foundation

/// A validated OpenID Connect authorization request (OIDC Core §3.1.2.1), as kept in the login
/// transaction until the user is authenticated and a code is issued.
public struct AuthorizationRequest: Sendable, Hashable, Codable {
    /// The client (`client_id`).
    public var clientID: AppID
    /// The exact registered redirect URI the request named.
    public var redirectURI: String
    /// Requested scopes (`openid` always among them).
    public var scopes: [String]
    /// Opaque client state, returned unchanged.
    public var state: String?
    /// Replay protection for the ID token.
    public var nonce: String?
    /// PKCE S256 challenge (RFC 7636), required for public clients.
    public var codeChallenge: String?
    /// `prompt` values (`none`, `login`, `consent`, `select_account`).
    public var prompt: [String]
    /// `max_age` in seconds.
    public var maxAge: Int?
    /// Requested levels (`acr_values`), in order of preference.
    public var acrValues: [String]
    /// `login_hint`.
    public var loginHint: String?
    /// An organization hint (`organization` parameter).
    public var organizationHint: OrgID?
    /// `response_mode` (`query` or `form_post`).
    public var responseMode: String
    /// Set when no app asked: the login was started by the user's IdP (an unsolicited SAML Response).
    /// Once the user is authenticated the browser goes here, the app's `initiate_login_uri` (OIDC Core
    /// §4), and the app starts its own request, which the SSO session answers; no code is issued.
    public var initiateLoginURI: String?

    /// Creates a request.
    public init(
        clientID: AppID, redirectURI: String, scopes: [String], state: String?, nonce: String?, codeChallenge: String?,
        prompt: [String] = [], maxAge: Int? = nil, acrValues: [String] = [], loginHint: String? = nil,
        organizationHint: OrgID? = nil, responseMode: String = "query", initiateLoginURI: String? = nil
    ) {
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.state = state
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.prompt = prompt
        self.maxAge = maxAge
        self.acrValues = acrValues
        self.loginHint = loginHint
        self.organizationHint = organizationHint
        self.responseMode = responseMode
        self.initiateLoginURI = initiateLoginURI
    }
}

/// Who logged in and how: what the SSO session records and what codes and tokens are issued for.
public struct AuthenticatedSession: Sendable, Hashable, Codable {
    /// The session id (`sid` claim; the SSO cookie names the session by a separate secret).
    public var sid: String
    /// The subject.
    public var user: UserID
    /// The account's email.
    public var email: String
    /// Whether the email was verified (by the identify + a factor bound to it, or the upstream IdP).
    public var emailVerified: Bool
    /// Display name.
    public var name: String?
    /// The organization of the login.
    public var organization: OrganizationContext?
    /// Roles in that organization.
    public var roles: [String]
    /// Extra claims from the flow.
    public var claims: [String: String]
    /// The level reached.
    public var acr: LevelName?
    /// Methods used.
    public var amr: [String]
    /// When the user actually authenticated.
    public var authTime: Date
    /// The upstream identity, when federated.
    public var upstream: UpstreamLink?
    /// The level an upstream IdP asserted.
    public var upstreamLevel: LevelName?

    /// Creates a session record.
    public init(
        sid: String, user: UserID, email: String, emailVerified: Bool, name: String?, organization: OrganizationContext?,
        roles: [String], claims: [String: String], acr: LevelName?, amr: [String], authTime: Date, upstream: UpstreamLink?,
        upstreamLevel: LevelName?
    ) {
        self.sid = sid
        self.user = user
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.organization = organization
        self.roles = roles
        self.claims = claims
        self.acr = acr
        self.amr = amr
        self.authTime = authTime
        self.upstream = upstream
        self.upstreamLevel = upstreamLevel
    }
}

/// A standard OAuth 2.0 / OIDC error response (RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6).
public struct OAuthError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The `error` code (`invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `access_denied`, `login_required`, `interaction_required`,
    /// `consent_required`, `invalid_token`, `server_error`, `temporarily_unavailable`, `unsupported_response_type`).
    public var error: String
    /// A human-readable `error_description` (never secrets).
    public var description: String
    /// The HTTP status for direct responses (400, 401 for `invalid_client`/`invalid_token`, 500, 503).
    public var status: Int
    /// The `WWW-Authenticate` header value the response must carry, when it has one: `Basic` for an
    /// `invalid_client` after HTTP Basic authentication (RFC 6749 §5.2), `Bearer …` at the userinfo
    /// endpoint (RFC 6750 §3).
    public var wwwAuthenticate: String?

    /// Creates an error.
    public init(_ error: String, _ description: String, status: Int = 400, wwwAuthenticate: String? = nil) {
        self.error = error
        self.description = description
        self.status = status
        self.wwwAuthenticate = wwwAuthenticate
    }

    /// The JSON body of a direct error response: `{"error":…,"error_description":…}` (RFC 6749 §5.2).
    public var jsonBody: Data {
        let body = ["error": error, "error_description": description]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data(#"{"error":"server_error"}"#.utf8)
    }

    /// `invalid_request`.
    public static func invalidRequest(_ description: String) -> OAuthError { OAuthError("invalid_request", description) }
    /// `invalid_client` (401).
    public static func invalidClient(_ description: String) -> OAuthError { OAuthError("invalid_client", description, status: 401) }
    /// `invalid_grant`.
    public static func invalidGrant(_ description: String) -> OAuthError { OAuthError("invalid_grant", description) }
    /// `access_denied`.
    public static func accessDenied(_ description: String) -> OAuthError { OAuthError("access_denied", description, status: 403) }
    /// `invalid_token` (401, RFC 6750 §3.1).
    public static func invalidToken(_ description: String) -> OAuthError { OAuthError("invalid_token", description, status: 401) }
    /// `server_error` (500).
    public static func serverError(_ description: String) -> OAuthError { OAuthError("server_error", description, status: 500) }
    /// `invalid_scope`.
    public static func invalidScope(_ description: String) -> OAuthError { OAuthError("invalid_scope", description) }
    /// `unauthorized_client`: the client may not use this grant or response type.
    public static func unauthorizedClient(_ description: String) -> OAuthError { OAuthError("unauthorized_client", description) }
    /// `unsupported_response_type`.
    public static func unsupportedResponseType(_ description: String) -> OAuthError {
        OAuthError("unsupported_response_type", description)
    }
    /// `unsupported_grant_type`.
    public static func unsupportedGrantType(_ description: String) -> OAuthError { OAuthError("unsupported_grant_type", description) }
    /// `request_not_supported` (OIDC Core §3.1.2.6): the `request` parameter (a request object).
    public static func requestNotSupported(_ description: String) -> OAuthError { OAuthError("request_not_supported", description) }
    /// `request_uri_not_supported` (OIDC Core §3.1.2.6): the `request_uri` parameter.
    public static func requestURINotSupported(_ description: String) -> OAuthError {
        OAuthError("request_uri_not_supported", description)
    }
    /// `registration_not_supported` (OIDC Core §3.1.2.6): the `registration` parameter.
    public static func registrationNotSupported(_ description: String) -> OAuthError {
        OAuthError("registration_not_supported", description)
    }
    /// `insufficient_scope` (403, RFC 6750 §3.1).
    public static func insufficientScope(_ description: String) -> OAuthError {
        OAuthError("insufficient_scope", description, status: 403)
    }
}
