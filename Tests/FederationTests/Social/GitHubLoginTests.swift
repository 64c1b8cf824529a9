import Directory
import FlowEngine
import Foundation
import Synchronization
import Testing

@testable import Federation

/// GitHub (OAuth 2.0 + REST API) against a fake of its three endpoints.
@Suite("Social presets: GitHub")
struct GitHubLoginTests {
    static let redirectURI = URL(string: "https://gatehouse.test/federation/callback")!
    let clock = TestClock()

    /// A fake GitHub: the token endpoint (which checks our credentials and PKCE verifier), `/user` and `/user/emails`.
    func fakeGitHub(emails: [PlainJSON], tokenCalls: TokenCalls? = nil) -> FakeNetwork {
        let token: FakeNetwork.Handler = { request in
            let form = request.formParameters
            tokenCalls?.forms.withLock { $0.append(form) }
            guard form["client_id"] == "Iv1.gatehouse", form["client_secret"] == "gh-secret", form["code"] == "gh-code",
                form["code_verifier"] != nil, request.header("accept") == "application/json"
            else { return .json(["error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."]) }
            return .json(["access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a", "token_type": "bearer", "scope": "read:user,user:email"])
        }
        let api: FakeNetwork.Handler = { request in
            guard request.header("authorization") == "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a" else {
                return UpstreamHTTPResponse(status: 401)
            }
            if request.url.path == "/user/emails" { return .json(PlainJSON.array(emails)) }
            return .json(["id": PlainJSON.number(583231), "login": "octocat", "name": "The Octocat"])
        }
        return FakeNetwork([("https://github.com/login/oauth/access_token", token), ("https://api.github.com/user", api)])
    }

    func login(_ network: FakeNetwork) throws -> any FederatedLogin {
        let connection = Connection(
            id: "github", kind: .github, displayName: "GitHub", settings: .object(["client_id": "Iv1.gatehouse", "client_secret": "gh-secret"]))
        return try FederatedLogins.make(for: connection, http: network, defaultRedirectURI: Self.redirectURI)
    }

    func run(_ login: any FederatedLogin, answer: (LoginRedirect) -> [String: String]) async throws -> UpstreamIdentity {
        let redirect = try await login.startLogin(
            UpstreamRequest(step: "social", connection: "github", kind: .github, loginHint: nil, requiredLevel: nil), now: clock.now)
        return try await login.finishLogin(AuthorizationResponse(parameters: answer(redirect)), transaction: redirect.transaction, now: clock.now)
    }

    static func email(_ address: String, primary: Bool, verified: Bool) -> PlainJSON {
        .object(["email": .string(address), "primary": .bool(primary), "verified": .bool(verified), "visibility": .null])
    }

    @Test("takes the numeric id as subject and the primary verified email")
    func logsIn() async throws {
        let calls = TokenCalls()
        let network = fakeGitHub(
            emails: [Self.email("octo@old.test", primary: false, verified: true), Self.email("octocat@github.test", primary: true, verified: true)],
            tokenCalls: calls)
        let identity = try await run(try login(network)) { ["code": "gh-code", "state": $0.transaction.state] }
        #expect(identity.subject == "583231")
        #expect(identity.email == "octocat@github.test")
        #expect(identity.claims == ["login": "octocat", "name": "The Octocat"])
        #expect(identity.level == nil)
        #expect(calls.forms.withLock { $0.first?["redirect_uri"] } == Self.redirectURI.absoluteString)
    }

    @Test("passes on no email when the primary one is not verified, even if another is")
    func ignoresUnverifiedPrimary() async throws {
        let network = fakeGitHub(emails: [
            Self.email("octocat@github.test", primary: true, verified: false), Self.email("octo@verified.test", primary: false, verified: true),
        ])
        let identity = try await run(try login(network)) { ["code": "gh-code", "state": $0.transaction.state] }
        #expect(identity.email == nil)
    }

    @Test("the authorization request names the app, the scopes, state and a PKCE challenge")
    func buildsAuthorizationRequest() async throws {
        let login = try login(fakeGitHub(emails: []))
        let redirect = try await login.startLogin(
            UpstreamRequest(step: "social", connection: "github", kind: .github, loginHint: nil, requiredLevel: nil), now: clock.now)
        let query = UpstreamHTTPRequest.get(redirect.url).queryParameters
        #expect(redirect.url.absoluteString.hasPrefix("https://github.com/login/oauth/authorize?"))
        #expect(query["client_id"] == "Iv1.gatehouse")
        #expect(query["scope"] == "read:user user:email")
        #expect(query["state"] == redirect.transaction.state)
        #expect(query["code_challenge"] == PKCE.challenge(for: redirect.transaction.codeVerifier))
    }

    @Test("rejects a state that is not the login's")
    func rejectsStateMismatch() async throws {
        let login = try login(fakeGitHub(emails: []))
        await #expect(throws: FederationError(.stateMismatch, "")) {
            _ = try await run(login) { _ in ["code": "gh-code", "state": "forged"] }
        }
    }

    @Test("maps GitHub's error-with-200 token answer to statusNotSuccess")
    func mapsTokenError() async throws {
        let login = try login(fakeGitHub(emails: []))
        await #expect(throws: FederationError(.statusNotSuccess, "")) {
            _ = try await run(login) { ["code": "wrong-code", "state": $0.transaction.state] }
        }
    }
}

/// The token requests the fake GitHub received.
final class TokenCalls: Sendable {
    let forms = Mutex<[[String: String]]>([])
}
