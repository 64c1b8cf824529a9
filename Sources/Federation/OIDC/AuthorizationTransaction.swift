import Authenticators
import Crypto
import FlowEngine
import Foundation

/// PKCE with the S256 method (RFC 7636): the verifier stays with us, its hash goes in the request.
public struct PKCE: Sendable, Hashable {
    /// The only method Gatehouse sends or accepts; `plain` would put the verifier in the front channel.
    public static let method = "S256"

    /// `code_verifier`: 43 base64url characters (32 random bytes, RFC 7636 §4.1).
    public let verifier: String

    /// A fresh verifier from `random`.
    public init(random: RandomBytes) { verifier = random.token(bytes: 32) }

    /// A known verifier (a stored transaction, a test vector).
    public init(verifier: String) { self.verifier = verifier }

    /// `code_challenge = BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2).
    public var challenge: String { Self.challenge(for: verifier) }

    /// The S256 challenge of a verifier.
    public static func challenge(for verifier: String) -> String {
        Bytes.base64URL(SHA256.hash(data: Array(verifier.utf8)))
    }
}

/// What the server keeps between sending the user to the IdP and the IdP's answer: the values
/// that bind the answer to this login. Store it server-side or in a sealed cookie — it holds the
/// PKCE verifier and the nonce, which must not reach the browser in clear.
public struct AuthorizationTransaction: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How long a login may take at the IdP before its answer is refused.
    public static let lifetime: TimeInterval = 600

    /// The connection the login went to.
    public var connection: ConnectionID
    /// `state` sent, compared with the answer's (RFC 6749 §10.12).
    public var state: String
    /// `nonce` sent, compared with the ID token's (OIDC Core §3.1.2.1).
    public var nonce: String
    /// The PKCE `code_verifier` (RFC 7636).
    public var codeVerifier: String
    /// The `redirect_uri` sent, repeated at the token endpoint.
    public var redirectURI: URL
    /// The level the app needed, if any.
    public var requiredLevel: LevelName?
    /// The login hint sent, if any.
    public var loginHint: String?
    /// When the login was sent to the IdP.
    public var createdAt: Date

    /// Creates a transaction.
    public init(
        connection: ConnectionID, state: String, nonce: String, codeVerifier: String, redirectURI: URL,
        requiredLevel: LevelName?, loginHint: String?, createdAt: Date
    ) {
        self.connection = connection
        self.state = state
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.redirectURI = redirectURI
        self.requiredLevel = requiredLevel
        self.loginHint = loginHint
        self.createdAt = createdAt
    }

    /// The connection and time only; the secrets are never printed.
    public var description: String {
        "AuthorizationTransaction(connection: \(connection), createdAt: \(createdAt.formatted(.iso8601)), state/nonce/verifier: <redacted>)"
    }
}

/// Where to send the user to log in at the IdP, and what to keep until they come back.
public struct LoginRedirect: Sendable, Hashable {
    /// The authorization request URL (send a `302` to it).
    public var url: URL
    /// What to store for ``FederatedLogin/finishLogin(_:transaction:now:)``.
    public var transaction: AuthorizationTransaction
    /// How the answer comes back: to the callback's query, or POSTed as a form.
    public var responseMode: ResponseMode

    /// Creates a redirect.
    public init(url: URL, transaction: AuthorizationTransaction, responseMode: ResponseMode) {
        self.url = url
        self.transaction = transaction
        self.responseMode = responseMode
    }
}

/// The IdP's answer at our redirect URI (RFC 6749 §4.1.2): query parameters, or a POSTed form for
/// `response_mode=form_post`.
public struct AuthorizationResponse: Sendable, Hashable {
    /// Every parameter received.
    public var parameters: [String: String]

    /// Wraps parameters already parsed by the HTTP layer.
    public init(parameters: [String: String]) { self.parameters = parameters }

    /// The parameters of a callback URL's query.
    public init(callbackURL: URL) {
        let query = URLComponents(url: callbackURL, resolvingAgainstBaseURL: false)?.percentEncodedQuery ?? ""
        parameters = FormURLEncoding.decodeDictionary(query)
    }

    /// The parameters of a `form_post` body (`application/x-www-form-urlencoded`).
    public init(formBody: String) { parameters = FormURLEncoding.decodeDictionary(formBody) }

    /// `code`.
    public var code: String? { parameters["code"] }
    /// `state`.
    public var state: String? { parameters["state"] }
    /// `iss` (RFC 9207).
    public var issuer: String? { parameters["iss"] }
    /// `error` (RFC 6749 §4.1.2.1).
    public var error: String? { parameters["error"] }
    /// `error_description`.
    public var errorDescription: String? { parameters["error_description"] }
}

/// A login at an upstream IdP over OAuth 2.0 redirects: an OIDC relying party or GitHub.
///
/// The server calls ``startLogin(_:now:)`` when the flow asks for the upstream, redirects the user
/// to ``LoginRedirect/url`` and stores ``LoginRedirect/transaction``; at the callback it calls
/// ``finishLogin(_:transaction:now:)`` and hands the identity (or the failure) to the flow.
///
/// ```swift
/// let login = try FederatedLogins.make(for: connection, http: http, defaultRedirectURI: callback)
/// let redirect = try await login.startLogin(request, now: .now)
/// // … later, at the callback …
/// let identity = try await login.finishLogin(AuthorizationResponse(callbackURL: url), transaction: stored, now: .now)
/// ```
public protocol FederatedLogin: Sendable {
    /// The connection this login goes to.
    var connection: ConnectionID { get }

    /// Builds the authorization request for a flow's upstream request.
    func startLogin(_ request: UpstreamRequest, now: Date) async throws -> LoginRedirect

    /// Checks the IdP's answer against the stored transaction, redeems the code and returns the
    /// verified, mapped identity.
    ///
    /// - Throws: ``FederationError`` saying which check failed.
    func finishLogin(_ response: AuthorizationResponse, transaction: AuthorizationTransaction, now: Date) async throws
        -> UpstreamIdentity
}

extension UpstreamResponse {
    /// The flow event for a failed upstream login: the error code as `reason`, and a message fit
    /// for the user (no details an attacker could use).
    public static func failure(_ error: FederationError) -> UpstreamResponse {
        let message =
            switch error.code {
            case .statusNotSuccess: "The identity provider did not complete the sign-in."
            case .upstreamHTTP: "The identity provider could not be reached. Please try again."
            case .expired where error.reason.contains("login"): "The sign-in took too long. Please try again."
            default: "The sign-in could not be verified."
            }
        return .failed(reason: error.code.description, message: message)
    }
}
