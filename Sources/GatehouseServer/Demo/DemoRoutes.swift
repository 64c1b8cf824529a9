import AsyncHTTPClient
import Directory
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import OIDCProvider

/// A tiny OpenID Connect client app served by Gatehouse itself (`gatehouse serve --demo`), so a real
/// authorization-code + PKCE login can be tried in a browser: it signs in as the app `console`
/// through `/authorize`, exchanges the code at `/token` over HTTP like any other app, and shows the
/// ID token's claims.
///
/// It authenticates at `/token` with ``ServerConfiguration/demoClientSecret`` when one is configured
/// (`client_secret_basic`), else as a public client. It keeps its `state`, `nonce` and PKCE verifier in the store (namespace `demo`, ten minutes) and
/// binds `state` to the browser with a cookie, as a real client must (RFC 9700 §4.7).
enum DemoRoutes {
    /// The client id the demo signs in as.
    static let clientID = "console"
    static let namespace = "demo"
    static let stateCookie = "gatehouse_demo_state"
    /// The demo's home page, where RP-initiated logout returns.
    static let homePath = "/demo"
    /// The demo's redirect URI path.
    static let callbackPath = "/demo/callback"

    /// What the demo remembers between the redirect and the callback.
    struct Pending: Codable {
        var verifier: String
        var nonce: String
    }

    /// Adds `GET /demo`, `GET /demo/login` and `GET /demo/callback`.
    static func add(to router: Router<GatehouseRequestContext>, runtime: GatehouseRuntime) {
        let issuer = runtime.configuration.issuer
        let redirectURI = issuer + callbackPath
        let secure = runtime.configuration.issuerIsHTTPS

        router.get("/demo") { _, _ in
            runtime.pages.render(
                "demo", titleKey: "demo.title",
                values: ["app": runtime.directory.application(AppID(clientID))?.name ?? clientID, "redirect": redirectURI],
                branding: .standard)
        }

        router.get("/demo/login") { _, _ in
            let now = runtime.clock()
            let state = Tokens.random(16, from: runtime.random)
            let pending = Pending(verifier: Tokens.random(32, from: runtime.random), nonce: Tokens.random(16, from: runtime.random))
            try await runtime.store.putEphemeral(
                namespace: namespace, key: state, value: try JSONEncoder().encode(pending), expiresAt: now.addingTimeInterval(600))
            let query = OAuthParameters.encode([
                (name: "response_type", value: "code"), (name: "client_id", value: clientID), (name: "redirect_uri", value: redirectURI),
                (name: "scope", value: "openid email profile"), (name: "state", value: state), (name: "nonce", value: pending.nonce),
                (name: "code_challenge", value: PKCE.challenge(forVerifier: pending.verifier)), (name: "code_challenge_method", value: PKCE.method),
            ])
            var response = Response(status: .seeOther, headers: [.location: "/authorize?\(query)"])
            response.setCookie(Cookie(name: stateCookie, value: state, maxAge: 600, path: "/demo", secure: secure, httpOnly: true, sameSite: .lax))
            return response
        }

        router.get("/demo/callback") { request, context in
            let query = request.uri.queryParameters
            guard let state = query.get("state"), let cookie = request.cookies[stateCookie]?.value,
                Tokens.constantTimeEquals(state, cookie),
                let data = try await runtime.store.ephemeral(namespace: namespace, key: state, now: runtime.clock()),
                let pending = try? JSONDecoder().decode(Pending.self, from: data)
            else {
                return failure(runtime, "The callback does not belong to a sign-in started here (state mismatch or expired).", status: .badRequest)
            }
            try await runtime.store.deleteEphemeral(namespace: namespace, key: state)
            if let error = query.get("error") {
                return failure(runtime, "The sign-in ended with \u{201C}\(error)\u{201D}: \(query.get("error_description") ?? "no description").")
            }
            guard let code = query.get("code") else {
                return failure(runtime, "The callback carries neither a code nor an error.", status: .badRequest)
            }
            do {
                let (idToken, claims) = try await exchange(
                    code: code, verifier: pending.verifier, redirectURI: redirectURI, tokenEndpoint: issuer + "/token", runtime: runtime)
                guard claims["nonce"] as? String == pending.nonce else {
                    return failure(runtime, "The ID token's nonce does not match the one sent; the token was not accepted.")
                }
                // RP-initiated logout: the ID token names the session, so no confirmation is needed.
                let logout = "/logout?" + OAuthParameters.encode([
                    (name: "client_id", value: clientID), (name: "id_token_hint", value: idToken),
                    (name: "post_logout_redirect_uri", value: issuer + homePath),
                ])
                return runtime.pages.render(
                    "demo-result", titleKey: "signed_in.title",
                    values: ["claims": prettyJSON(claims), "subject": claims["sub"] as? String ?? "?", "logout": logout],
                    branding: .standard)
            } catch let error as DemoError {
                context.logger.notice("demo token exchange failed", metadata: ["reason": .string(error.reason)])
                return failure(runtime, error.reason)
            }
        }
    }

    /// Redeems the code at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5) over HTTP and returns
    /// the ID token with its claims.
    static func exchange(
        code: String, verifier: String, redirectURI: String, tokenEndpoint: String, runtime: GatehouseRuntime
    ) async throws -> (idToken: String, claims: [String: Any]) {
        var request = HTTPClientRequest(url: tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        var form = [
            (name: "grant_type", value: "authorization_code"), (name: "code", value: code), (name: "redirect_uri", value: redirectURI),
            (name: "code_verifier", value: verifier),
        ]
        if let secret = runtime.configuration.demoClientSecret {
            // RFC 6749 §2.3.1: client_secret_basic, each part form-encoded first.
            let credentials = OAuthParameters.encode(clientID) + ":" + OAuthParameters.encode(secret)
            request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        } else {
            form.append((name: "client_id", value: clientID))
        }
        request.body = .bytes(ByteBuffer(string: OAuthParameters.encode(form)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await runtime.httpClient.execute(request, timeout: .seconds(10))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw DemoError("The token endpoint \(tokenEndpoint) could not be reached (\(type(of: error))).")
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard response.status == .ok else {
            let detail = json.map { "\($0["error"] as? String ?? "?"): \($0["error_description"] as? String ?? "")" } ?? "no OAuth error body"
            throw DemoError("The token endpoint answered \(response.status.code) (\(detail)).")
        }
        guard let idToken = json?["id_token"] as? String else { throw DemoError("The token response has no id_token.") }
        let parts = idToken.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64URLDecode(String(parts[1])),
            let claims = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any]
        else { throw DemoError("The id_token is not a JWS in compact form.") }
        // OIDC Core §3.1.3.7 (6): received directly from the token endpoint over the server's own
        // connection, the token's origin is the server; the demo shows the claims without checking the signature.
        return (idToken, claims)
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    static func prettyJSON(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func failure(_ runtime: GatehouseRuntime, _ message: String, status: HTTPResponse.Status = .badGateway) -> Response {
        runtime.pages.render(
            "error", titleKey: "error.title",
            values: ["heading": "The demo sign-in did not finish", "message": message, "hint": "Start again at /demo.", "demoLink": true],
            branding: .standard, status: status)
    }

    struct DemoError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
