import Directory
import Foundation
import GatehouseServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OIDCProvider
import Testing

/// A change to a valid authorization request: parameters taken out, parameters added.
struct QueryChange: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var remove: [String] = []
    var add: [(String, String)] = []

    /// The console's valid request (PKCE, state, nonce) with the change applied.
    func query() -> String {
        let base: [(String, String)] = [
            ("response_type", "code"), ("client_id", "console"), ("redirect_uri", ClientApp.console.redirectURI), ("scope", "openid"),
            ("state", "s-1"), ("nonce", "n-1"), ("code_challenge", PKCE.challenge(forVerifier: String(repeating: "v", count: 43))),
            ("code_challenge_method", "S256"),
        ]
        return OAuthParameters.encode(base.filter { !remove.contains($0.0) } + add)
    }
}

/// A request to a back-channel endpoint and the OAuth error it must get.
struct BadRequest: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var path = "/token"
    var method: HTTPRequest.Method = .post
    var body = "grant_type=authorization_code&code=abc&redirect_uri=x"
    var contentType: String? = "application/x-www-form-urlencoded"
    var authorization: [String] = ["Basic " + Data("console:console-demo-secret".utf8).base64EncodedString()]
    var status: HTTPResponse.Status = .badRequest
    var error = "invalid_request"
}

@Suite("Bad input at every endpoint: the standard OAuth error, never a redirect to an unchecked URI, never a 500")
struct BadInputTests {
    @Test(arguments: [
        QueryChange(testDescription: "unknown client", remove: ["client_id"], add: [("client_id", "nobody")]),
        QueryChange(testDescription: "no client_id", remove: ["client_id"]),
        QueryChange(testDescription: "no redirect_uri", remove: ["redirect_uri"]),
        QueryChange(testDescription: "unregistered redirect_uri", remove: ["redirect_uri"], add: [("redirect_uri", "https://evil.example/cb")]),
        QueryChange(
            testDescription: "redirect_uri with a registered prefix", remove: ["redirect_uri"],
            add: [("redirect_uri", ClientApp.console.redirectURI + ".evil.example")]),
        QueryChange(testDescription: "repeated redirect_uri", add: [("redirect_uri", "https://evil.example/cb")]),
        QueryChange(testDescription: "repeated client_id", add: [("client_id", "partners")]),
        QueryChange(
            testDescription: "oversized redirect_uri", remove: ["redirect_uri"],
            add: [("redirect_uri", ClientApp.console.redirectURI + "?" + String(repeating: "a", count: 2_100))]),
        QueryChange(testDescription: "too many parameters", add: (0..<40).map { ("extra\($0)", "x") }),
    ])
    func refusesOnAnErrorPageWhatCannotBeRedirected(change: QueryChange) async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let page = try await browser.get("/authorize?" + change.query())
            #expect(page.status == .badRequest)
            #expect(page.headers[.location] == nil)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("The app sent an invalid sign-in request"))
        }
    }

    @Test func refusesAnAuthorizationPOSTThatIsNotAForm() async throws {
        try await withProvider { provider in
            let response = try await provider.client.execute(
                uri: "/authorize", method: .post, headers: [.contentType: "application/json", .accept: "text/html"],
                body: ByteBuffer(string: #"{"client_id":"console"}"#))
            #expect(response.status == .badRequest)
            #expect(response.headers[.location] == nil)
        }
    }

    @Test(arguments: [
        (QueryChange(testDescription: "no response_type", remove: ["response_type"]), "invalid_request"),
        (QueryChange(testDescription: "implicit flow", remove: ["response_type"], add: [("response_type", "token")]), "unsupported_response_type"),
        (QueryChange(testDescription: "no scope", remove: ["scope"]), "invalid_scope"),
        (QueryChange(testDescription: "scope without openid", remove: ["scope"], add: [("scope", "email")]), "invalid_scope"),
        (QueryChange(testDescription: "PKCE plain", remove: ["code_challenge_method"], add: [("code_challenge_method", "plain")]), "invalid_request"),
        (QueryChange(testDescription: "repeated scope", add: [("scope", "openid email")]), "invalid_request"),
        (QueryChange(testDescription: "request object", add: [("request", "eyJ.x.y")]), "request_not_supported"),
        (QueryChange(testDescription: "oversized nonce", remove: ["nonce"], add: [("nonce", String(repeating: "n", count: 600))]), "invalid_request"),
        (QueryChange(testDescription: "prompt none with login", add: [("prompt", "none login")]), "invalid_request"),
        (QueryChange(testDescription: "negative max_age", add: [("max_age", "-1")]), "invalid_request"),
        (QueryChange(testDescription: "fragment response mode", add: [("response_mode", "fragment")]), "invalid_request"),
    ])
    func sendsOtherErrorsBackToTheCheckedRedirectURI(change: QueryChange, error: String) async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let response = try await browser.get("/authorize?" + change.query())
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix(ClientApp.console.redirectURI + "?"))
            let items = queryItems(of: location)
            #expect(items["error"] == error)
            #expect(items["error_description"]?.isEmpty == false)
            #expect(items["iss"] == provider.issuer)
            #expect(items["code"] == nil)
        }
    }

    static let basic = "Basic " + Data("console:console-demo-secret".utf8).base64EncodedString()

    @Test(arguments: [
        BadRequest(testDescription: "JSON body", body: #"{"grant_type":"authorization_code"}"#, contentType: "application/json"),
        BadRequest(testDescription: "no content type", contentType: nil),
        BadRequest(testDescription: "no grant_type", body: "code=abc"),
        BadRequest(testDescription: "password grant", body: "grant_type=password&username=a&password=b", error: "unsupported_grant_type"),
        BadRequest(testDescription: "client credentials grant", body: "grant_type=client_credentials", error: "unsupported_grant_type"),
        BadRequest(testDescription: "repeated grant_type", body: "grant_type=authorization_code&grant_type=refresh_token&code=a"),
        BadRequest(testDescription: "oversized code", body: "grant_type=authorization_code&redirect_uri=x&code=" + String(repeating: "c", count: 600)),
        BadRequest(testDescription: "malformed percent escape", body: "grant_type=authorization_code&code=%ZZ&redirect_uri=x"),
        BadRequest(testDescription: "unknown code", error: "invalid_grant"),
        BadRequest(testDescription: "unknown refresh token", body: "grant_type=refresh_token&refresh_token=abc", error: "invalid_grant"),
        BadRequest(
            testDescription: "unknown client", authorization: ["Basic " + Data("nobody:secret".utf8).base64EncodedString()], status: .unauthorized,
            error: "invalid_client"),
        BadRequest(
            testDescription: "wrong secret", authorization: ["Basic " + Data("console:wrong".utf8).base64EncodedString()], status: .unauthorized,
            error: "invalid_client"),
        BadRequest(testDescription: "malformed Basic credentials", authorization: ["Basic !!!"], status: .unauthorized, error: "invalid_client"),
        BadRequest(
            testDescription: "Basic and client_secret together", body: "grant_type=authorization_code&code=a&client_secret=x", status: .unauthorized,
            error: "invalid_client"),
        BadRequest(
            testDescription: "confidential client without its secret", body: "grant_type=authorization_code&code=a&client_id=console",
            authorization: [], status: .unauthorized, error: "invalid_client"),
        BadRequest(testDescription: "two Authorization headers", authorization: [basic, basic]),
        BadRequest(testDescription: "GET", method: .get, body: "", status: .methodNotAllowed),
        BadRequest(
            testDescription: "body over max_body_bytes", body: "grant_type=authorization_code&code=" + String(repeating: "c", count: 70_000),
            status: .contentTooLarge),
        BadRequest(testDescription: "userinfo without a token", path: "/userinfo", method: .get, body: "", authorization: [], status: .unauthorized, error: "invalid_token"),
        BadRequest(
            testDescription: "userinfo with an unknown token", path: "/userinfo", method: .get, body: "", authorization: ["Bearer nope"],
            status: .unauthorized, error: "invalid_token"),
        BadRequest(
            testDescription: "userinfo with the token twice", path: "/userinfo", body: "access_token=abc", authorization: ["Bearer abc"]),
        BadRequest(testDescription: "userinfo with Basic", path: "/userinfo", method: .get, body: "", status: .unauthorized, error: "invalid_token"),
        BadRequest(testDescription: "introspection without a token", path: "/introspect", body: "token_type_hint=access_token"),
        BadRequest(testDescription: "introspection of a repeated token", path: "/introspect", body: "token=a&token=b"),
        BadRequest(testDescription: "introspection as JSON", path: "/introspect", body: #"{"token":"a"}"#, contentType: "application/json"),
        BadRequest(
            testDescription: "introspection without client authentication", path: "/introspect", body: "token=a", authorization: [],
            status: .unauthorized, error: "invalid_client"),
        BadRequest(testDescription: "introspection by GET", path: "/introspect", method: .get, body: "", status: .methodNotAllowed),
        BadRequest(testDescription: "revocation without a token", path: "/revoke", body: ""),
        BadRequest(
            testDescription: "revocation without client authentication", path: "/revoke", body: "token=a", authorization: [], status: .unauthorized,
            error: "invalid_client"),
        BadRequest(testDescription: "revocation by GET", path: "/revoke", method: .get, body: "", status: .methodNotAllowed),
    ])
    func answersBadBackChannelRequestsWithTheOAuthErrorJSON(request: BadRequest) async throws {
        try await withProvider(configure: { $0.maxBodyBytes = 65_536 }) { provider in
            var headers: HTTPFields = [:]
            if let type = request.contentType { headers[.contentType] = type }
            for value in request.authorization { headers.append(HTTPField(name: .authorization, value: value)) }
            let response = try await provider.client.execute(
                uri: request.path, method: request.method, headers: headers, body: request.body.isEmpty ? nil : ByteBuffer(string: request.body))
            #expect(response.status == request.status)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.cacheControl] == "no-store")
            let body = try json(response)
            #expect(body["error"] as? String == request.error, "\(response.text)")
            #expect((body["error_description"] as? String)?.isEmpty == false)
            if request.status == .unauthorized {
                let challenge = try #require(response.headers[.wwwAuthenticate])
                #expect(challenge.hasPrefix(request.path == "/userinfo" ? "Bearer realm=" : "Basic realm="))
            }
            if request.status == .methodNotAllowed { #expect(response.headers[.allow] == "POST") }
        }
    }
}
