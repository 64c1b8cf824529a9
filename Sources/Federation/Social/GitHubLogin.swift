import Directory
import FlowEngine
import Foundation
import Logging

/// Sign in with GitHub: OAuth 2.0 only (GitHub issues no ID token), then the REST API for who the
/// user is.
///
/// Settings (`kind: "github"`):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `client_id` | required | The OAuth app's (or GitHub App's) client id. |
/// | `client_secret` | required | Its client secret (sent in the token request body). |
/// | `redirect_uri` | the server's default | The app's authorization callback URL. |
/// | `scopes` | `["read:user", "user:email"]` | `user:email` is needed to read private addresses. |
/// | `web_base_url` | `https://github.com` | GitHub Enterprise Server: `https://github.example.com`. |
/// | `api_base_url` | `https://api.github.com` | GitHub Enterprise Server: `https://github.example.com/api/v3`. |
///
/// The subject is the numeric user id (a login name can be renamed and reused). The email is the
/// **primary, verified** address from `GET /user/emails`, or none: an unverified address must not
/// link to an account. GitHub gives no assurance signals, so no level is mapped.
public final class GitHubLogin: FederatedLogin {
    /// The settings of a GitHub connection.
    public struct Settings: Sendable, Hashable {
        /// Our client id.
        public var clientID: String
        /// Our client secret.
        public var clientSecret: Secret
        /// Our callback URL.
        public var redirectURI: URL
        /// Requested scopes.
        public var scopes: [String]
        /// Where users authorize (`/login/oauth/authorize`) and codes are redeemed (`/login/oauth/access_token`).
        public var webBaseURL: URL
        /// Where the REST API is (`/user`, `/user/emails`).
        public var apiBaseURL: URL

        /// Creates settings.
        public init(
            clientID: String, clientSecret: Secret, redirectURI: URL, scopes: [String] = ["read:user", "user:email"],
            webBaseURL: URL = URL(string: "https://github.com")!, apiBaseURL: URL = URL(string: "https://api.github.com")!
        ) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.redirectURI = redirectURI
            self.scopes = scopes
            self.webBaseURL = webBaseURL
            self.apiBaseURL = apiBaseURL
        }

        /// Reads a connection's `settings`.
        ///
        /// - Throws: ``FederationError/Code/configuration`` naming the wrong setting.
        public init(connection: Connection, defaultRedirectURI: URL?) throws {
            let raw = try RawSettings.decode(for: connection)
            let id = connection.id
            guard let clientID = raw.clientID, let secret = raw.clientSecret else {
                throw FederationError(.configuration, "connection '\(id)': client_id and client_secret are required")
            }
            guard let redirectURI = raw.redirectURI.flatMap(URL.init(string:)) ?? defaultRedirectURI else {
                throw FederationError(.configuration, "connection '\(id)': settings.redirect_uri is required (no server default)")
            }
            self.init(
                clientID: clientID, clientSecret: Secret(secret), redirectURI: redirectURI, scopes: raw.scopes ?? ["read:user", "user:email"],
                webBaseURL: try raw.webBaseURL.map { try OIDCConnectionSettings.url($0, key: "web_base_url", connection: id) }
                    ?? URL(string: "https://github.com")!,
                apiBaseURL: try raw.apiBaseURL.map { try OIDCConnectionSettings.url($0, key: "api_base_url", connection: id) }
                    ?? URL(string: "https://api.github.com")!)
        }
    }

    /// The connection.
    public let connection: ConnectionID
    /// Its settings.
    public let settings: Settings
    private let http: any UpstreamHTTP
    private let random: RandomBytes
    private let tokenEndpoint: TokenEndpointClient
    private let logger: Logger

    /// Creates the login.
    ///
    /// - Parameters:
    ///   - connection: The connection's id.
    ///   - settings: Its settings.
    ///   - http: The network edge.
    ///   - random: Where `state` and the PKCE verifier come from.
    ///   - allowsPlainHTTPOnLoopback: Accept `http://` loopback base URLs (tests, the local demo).
    ///   - logger: Where failures are logged. No-op by default.
    /// - Throws: ``FederationError/Code/configuration`` for a non-https base or redirect URL.
    public init(
        connection: ConnectionID, settings: Settings, http: any UpstreamHTTP, random: RandomBytes = .system,
        allowsPlainHTTPOnLoopback: Bool = false,
        logger: Logger = Logger(label: "gatehouse.federation.github", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        for (key, url) in [("web_base_url", settings.webBaseURL), ("api_base_url", settings.apiBaseURL)] {
            do {
                try UpstreamHTTPClient.checkScheme(url, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback)
            } catch {
                throw FederationError(.configuration, "connection '\(connection)': \(key) must be https")
            }
        }
        if settings.redirectURI.scheme?.lowercased() != "https" && !UpstreamHTTPClient.isLoopback(settings.redirectURI) {
            throw FederationError(.configuration, "connection '\(connection)': redirect_uri must be https (or a loopback address)")
        }
        self.connection = connection
        self.settings = settings
        self.http = http
        self.random = random
        self.logger = logger
        self.tokenEndpoint = TokenEndpointClient(
            clientID: settings.clientID, method: .clientSecretPost, secret: .fixed(settings.clientSecret), signingKey: nil,
            random: random, http: http)
    }

    /// Builds GitHub's authorization request with `state` and a PKCE S256 challenge.
    public func startLogin(_ request: UpstreamRequest, now: Date) async throws -> LoginRedirect {
        guard request.connection == connection else {
            throw FederationError(.configuration, "upstream request for '\(request.connection)' sent to connection '\(connection)'")
        }
        let pkce = PKCE(random: random)
        let transaction = AuthorizationTransaction(
            connection: connection, state: random.token(), nonce: random.token(), codeVerifier: pkce.verifier,
            redirectURI: settings.redirectURI, requiredLevel: request.requiredLevel, loginHint: request.loginHint, createdAt: now)
        let url = FormURLEncoding.appending(
            [
                ("client_id", settings.clientID), ("redirect_uri", settings.redirectURI.absoluteString),
                ("scope", settings.scopes.joined(separator: " ")), ("state", transaction.state),
                ("code_challenge", pkce.challenge), ("code_challenge_method", PKCE.method),
            ], to: endpoint(settings.webBaseURL, "login/oauth/authorize"))
        return LoginRedirect(url: url, transaction: transaction, responseMode: .query)
    }

    /// Checks `state`, redeems the code, and reads the user and their primary verified email.
    public func finishLogin(_ response: AuthorizationResponse, transaction: AuthorizationTransaction, now: Date) async throws
        -> UpstreamIdentity
    {
        do {
            try OIDCRelyingParty.checkTransaction(transaction, connection: connection, now: now, skew: 120)
            let code = try AuthorizationResponseValidation.code(
                from: response, transaction: transaction, issuer: .exactly(settings.webBaseURL.absoluteString),
                issuerParameterRequired: false)
            let tokens = try await tokenEndpoint.redeem(
                code: code, codeVerifier: transaction.codeVerifier, redirectURI: transaction.redirectURI,
                tokenEndpoint: endpoint(settings.webBaseURL, "login/oauth/access_token"), now: now)
            let headers = [
                "authorization": "Bearer " + tokens.accessToken, "accept": "application/vnd.github+json",
                "x-github-api-version": "2022-11-28",
            ]
            let user = try await api("user", headers: headers).decodeJSON(GitHubUser.self, what: "GitHub user")
            let emails = try await api("user/emails", headers: headers).decodeJSON([GitHubEmail].self, what: "GitHub email list")
            var claims = ["login": user.login]
            if let name = user.name { claims["name"] = name }
            return UpstreamIdentity(
                connection: connection, subject: String(user.id), email: Self.primaryVerifiedEmail(emails), claims: claims)
        } catch let error as FederationError {
            logger.info("upstream login failed", metadata: ["connection": "\(connection)", "error": "\(error.code)", "reason": "\(error.reason)"])
            throw error
        }
    }

    /// The primary address, only if GitHub verified it.
    static func primaryVerifiedEmail(_ emails: [GitHubEmail]) -> String? {
        emails.first { $0.primary && $0.verified }?.email
    }

    private func api(_ path: String, headers: [String: String]) async throws -> UpstreamHTTPResponse {
        let url = endpoint(settings.apiBaseURL, path)
        let response = try await http.get(url, headers: headers)
        guard response.isSuccess else {
            throw FederationError(.upstreamHTTP, "GitHub \(UpstreamHTTPClient.describe(url)) answered HTTP \(response.status)")
        }
        return response
    }

    private func endpoint(_ base: URL, _ path: String) -> URL {
        base.appending(path: path)
    }
}

/// `GET /user`, the fields used.
struct GitHubUser: Decodable {
    var id: Int64
    var login: String
    var name: String?
}

/// One entry of `GET /user/emails`.
struct GitHubEmail: Decodable {
    var email: String
    var primary: Bool
    var verified: Bool
}
