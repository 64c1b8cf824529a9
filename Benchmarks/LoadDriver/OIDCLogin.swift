import Authenticators
import Crypto
import FlowEngine
import Foundation
import NIOCore

/// An app of the benchmark directory, as the driver plays it: a confidential client with
/// `client_secret_basic` (docs/apps.md).
struct LoadApp: Sendable {
    var id: String
    var secret: String
    var redirectURI: String

    /// `Authorization: Basic …` (RFC 6749 §2.3.1; the id and secret are plain ASCII, so no form-encoding is needed).
    var basicAuthorization: String { "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString() }
}

/// A user of the benchmark directory: what a person would type.
struct LoadUser: Sendable, Codable {
    var email: String
    var password: String
    /// The TOTP secret as stored (its ASCII bytes are the HMAC key), from which the driver computes codes.
    var totpSecret: String
}

/// One authorization request's secrets (RFC 7636 §4.1–4.2, OIDC Core §3.1.2.1).
struct AuthorizationAttempt {
    let state: String
    let nonce: String
    let verifier: String

    /// Fresh secrets: 16 random bytes each for `state` and `nonce`, 32 for the verifier, drawn at once.
    init() {
        let random = randomBytes(64)
        state = Bytes.base64URL(random[0..<16])
        nonce = Bytes.base64URL(random[16..<32])
        verifier = Bytes.base64URL(random[32..<64])
    }

    /// `BASE64URL(SHA256(verifier))`.
    var challenge: String { Bytes.base64URL(SHA256.hash(data: Array(verifier.utf8))) }

    /// The `/authorize` URL (path and query) for `app`, with `login_hint` when the app knows the user's email.
    func url(_ app: LoadApp, scope: String, loginHint: String? = nil) -> String {
        var parameters = [
            ("response_type", "code"), ("client_id", app.id), ("redirect_uri", app.redirectURI), ("scope", scope),
            ("state", state), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        if let loginHint { parameters.append(("login_hint", loginHint)) }
        return "/authorize?" + FormEncoding.encode(parameters, spaceAsPlus: false)
    }
}

/// The token endpoint's answer (only what the driver checks or reuses).
struct TokenSet {
    var accessToken: String
    var idToken: String?
    var refreshToken: String?

    /// The members of a token response (RFC 6749 §5.1), read with the server's own strict JSON grammar
    /// (FlowEngine's, without positions): Foundation's `JSONDecoder` was 7% of the driver's samples
    /// in an SSO run, CPU the server then did not get. Nil unless the body is one JSON object
    /// with a string `access_token` (and `id_token`, `refresh_token` strings when present).
    init?(json body: ByteBuffer) {
        guard case .object(let members)? = try? PlainJSON.parse(Array(body.readableBytesView), file: "token response", limits: .files),
            case .string(let accessToken)? = members["access_token"]
        else { return nil }
        self.accessToken = accessToken
        switch members["id_token"] {
        case nil: idToken = nil
        case .string(let token)?: idToken = token
        default: return nil
        }
        switch members["refresh_token"] {
        case nil: refreshToken = nil
        case .string(let token)?: refreshToken = token
        default: return nil
        }
    }
}

/// A step of a login that did not go as a browser expects; the run counts it as a failed login.
struct LoginFailure: Error, CustomStringConvertible {
    var description: String

    init(_ what: String, _ reply: Browser.Reply? = nil) {
        guard let reply else {
            description = what
            return
        }
        let snippet = reply.body.prefix(300).replacingOccurrences(of: "\n", with: " ")
        description = "\(what): HTTP \(reply.status) \(reply.location ?? "") \(snippet)"
    }
}

extension Browser {
    /// Runs an authorization request to its code, as a browser and its user would: `GET /authorize`,
    /// the redirect to the login page, then each page the flow shows (email, password, TOTP code)
    /// until the server redirects to the app with `code`, `state` and `iss`.
    /// - Parameters:
    ///   - user: Who types the answers; nil when the SSO session must stand in (a page is then a failure).
    ///   - loginHint: The user's email, when the app knows it (`login_hint`).
    ///   - identityProvider: Who answers when the server sends the browser to the customer IdP (brokered logins).
    ///   - totpStep: Called with the time step of a TOTP code before the code is sent.
    /// - Returns: The code and the attempt (its PKCE verifier).
    mutating func authorizationCode(
        _ app: LoadApp, scope: String, user: LoadUser?, loginHint: String? = nil, identityProvider: TestIdentityProvider? = nil,
        totpStep: (Int64) async -> Void = { _ in }
    ) async throws -> (code: String, attempt: AuthorizationAttempt) {
        let attempt = AuthorizationAttempt()
        var reply = try await get(attempt.url(app, scope: scope, loginHint: loginHint))
        for _ in 0..<8 {
            if reply.status == 303, let location = reply.location {
                if location.hasPrefix(app.redirectURI) {
                    let parameters = FormEncoding.query(of: location)
                    guard parameters["state"] == attempt.state, parameters["iss"] == server, let code = parameters["code"] else {
                        throw LoginFailure("the app got no code", reply)
                    }
                    return (code, attempt)
                }
                if location.hasPrefix(TestIdentityProvider.ssoURL) {
                    guard let identityProvider, let user else { throw LoginFailure("sent to an IdP the driver does not play", reply) }
                    let answer = try identityProvider.answer(location, email: user.email)
                    // A cross-site POST from the IdP's page: a browser sends its SameSite=None cookies only.
                    reply = try await post(answer.action, form: answer.fields, crossSite: true)
                    continue
                }
                reply = try await get(location)
                continue
            }
            let html = reply.body
            guard reply.status == 200, let page = LoginPage(html: html), let user else {
                throw LoginFailure(user == nil ? "the SSO session did not stand in" : "unexpected login page", reply)
            }
            let answer: (String, String)
            switch LoginPage.prompt(of: html) {
            case "email"?:
                answer = ("email", user.email)
            case "password"?:
                answer = ("password", user.password)
            case "code"?:
                let now = Date()
                let totp = TOTPAuthenticator()
                let step = try totp.step(at: now)
                await totpStep(step)
                answer = ("code", try totp.code(secret: user.totpSecret, at: now))
            default:
                throw LoginFailure("a login page the driver cannot answer", reply)
            }
            reply = try await post(page.action, form: [("csrf", page.csrf), answer])
        }
        throw LoginFailure("the login did not end", reply)
    }

    /// `POST /token` with `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5), as the app's backend.
    mutating func redeem(_ code: String, attempt: AuthorizationAttempt, app: LoadApp) async throws -> TokenSet {
        try await token(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirectURI), ("code_verifier", attempt.verifier)],
            app: app)
    }

    /// `POST /token` with `grant_type=refresh_token` (RFC 6749 §6); the answer holds the rotated refresh token.
    mutating func refresh(_ refreshToken: String, app: LoadApp) async throws -> TokenSet {
        try await token([("grant_type", "refresh_token"), ("refresh_token", refreshToken)], app: app)
    }

    private mutating func token(_ form: [(String, String)], app: LoadApp) async throws -> TokenSet {
        let reply = try await post("/token", form: form, headers: ["authorization": app.basicAuthorization])
        guard reply.status == 200, let tokens = TokenSet(json: reply.bytes) else {
            throw LoginFailure("the token endpoint refused", reply)
        }
        // A compact JWS has three parts; the driver does not verify it (that would spend the server's CPU).
        guard let idToken = tokens.idToken, idToken.utf8.split(separator: UInt8(ascii: ".")).count == 3 else {
            throw LoginFailure("the token response has no ID token", reply)
        }
        return tokens
    }
}

/// `count` random bytes, base64url without padding (RFC 4648 §5).
func randomURLSafe(_ count: Int) -> String {
    Bytes.base64URL(randomBytes(count))
}

/// `count` random bytes from BoringSSL's generator, in one call: `UInt8.random(in:)` would ask the
/// kernel for each byte.
func randomBytes(_ count: Int) -> [UInt8] {
    SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
}
