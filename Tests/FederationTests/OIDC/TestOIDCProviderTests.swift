import FlowEngine
import Foundation
import Testing

@testable import Federation

/// The in-process provider enforces what a real one would, so the relying party's tests mean something.
@Suite("OIDC test provider")
struct TestOIDCProviderTests {
    /// An approved code and the transaction it belongs to.
    func approvedCode(_ harness: OIDCHarness) async throws -> (code: String, transaction: AuthorizationTransaction) {
        let redirect = try await harness.relyingParty.startLogin(
            UpstreamRequest(step: "sso", connection: "acme-oidc", kind: .oidc, loginHint: nil, requiredLevel: nil), now: harness.clock.now)
        let answer = try await harness.provider.authorize(redirect.url, as: "alice-0001")
        return (try #require(answer.code), redirect.transaction)
    }

    func tokenRequest(code: String, verifier: String?, secret: String = OIDCHarness.clientSecret) -> UpstreamHTTPRequest {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", OIDCHarness.redirectURI.absoluteString)]
        if let verifier { form.append(("code_verifier", verifier)) }
        let credentials = Data("\(OIDCHarness.clientID):\(FormURLEncoding.encode(component: secret))".utf8).base64EncodedString()
        return .postForm(URL(string: "https://idp.test/token")!, form: form, headers: ["authorization": "Basic " + credentials])
    }

    func oauthError(_ response: UpstreamHTTPResponse) throws -> String? {
        guard case .object(let body) = try response.decodeJSON(PlainJSON.self, what: "error"), case .string(let error)? = body["error"] else {
            return nil
        }
        return error
    }

    @Test("refuses to redeem a code without the PKCE verifier")
    func refusesCodeWithoutVerifier() async throws {
        let harness = try await OIDCHarness()
        let (code, _) = try await approvedCode(harness)
        let response = await harness.provider.handle(tokenRequest(code: code, verifier: nil))
        #expect(response.status == 400)
        #expect(try oauthError(response) == "invalid_grant")
    }

    @Test("refuses to redeem a code with another verifier")
    func refusesWrongVerifier() async throws {
        let harness = try await OIDCHarness()
        let (code, _) = try await approvedCode(harness)
        let response = await harness.provider.handle(tokenRequest(code: code, verifier: PKCE(random: .system).verifier))
        #expect(try oauthError(response) == "invalid_grant")
    }

    @Test("redeems a code with its verifier, once")
    func redeemsOnce() async throws {
        let harness = try await OIDCHarness()
        let (code, transaction) = try await approvedCode(harness)
        let first = await harness.provider.handle(tokenRequest(code: code, verifier: transaction.codeVerifier))
        #expect(first.status == 200)
        let second = await harness.provider.handle(tokenRequest(code: code, verifier: transaction.codeVerifier))
        #expect(try oauthError(second) == "invalid_grant")
    }

    @Test("refuses a wrong client secret with invalid_client")
    func refusesWrongSecret() async throws {
        let harness = try await OIDCHarness()
        let (code, transaction) = try await approvedCode(harness)
        let response = await harness.provider.handle(tokenRequest(code: code, verifier: transaction.codeVerifier, secret: "guess"))
        #expect(response.status == 401)
        #expect(try oauthError(response) == "invalid_client")
    }

    @Test("answers an authorization request without a PKCE challenge with invalid_request")
    func refusesRequestWithoutChallenge() async throws {
        let harness = try await OIDCHarness()
        let url = FormURLEncoding.appending(
            [
                ("response_type", "code"), ("client_id", OIDCHarness.clientID), ("redirect_uri", OIDCHarness.redirectURI.absoluteString),
                ("scope", "openid"), ("state", "s1"),
            ], to: URL(string: "https://idp.test/authorize")!)
        let answer = try await harness.provider.authorize(url, as: "alice-0001")
        #expect(answer.error == "invalid_request")
        #expect(answer.code == nil)
        #expect(answer.state == "s1")
    }

    @Test("shows an error page, not a redirect, for an unregistered redirect URI")
    func refusesUnregisteredRedirect() async throws {
        let harness = try await OIDCHarness()
        let url = FormURLEncoding.appending(
            [("response_type", "code"), ("client_id", OIDCHarness.clientID), ("redirect_uri", "https://evil.test/cb"), ("scope", "openid")],
            to: URL(string: "https://idp.test/authorize")!)
        let response = await harness.provider.handle(.get(url))
        #expect(response.status == 400)
        #expect(response.header("location") == nil)
    }

    @Test("over HTTP, approval is a 302 to the redirect URI with code, state and iss")
    func redirectsOverHTTP() async throws {
        let harness = try await OIDCHarness()
        let redirect = try await harness.relyingParty.startLogin(
            UpstreamRequest(step: "sso", connection: "acme-oidc", kind: .oidc, loginHint: "alice@acme.test", requiredLevel: nil),
            now: harness.clock.now)
        let response = await harness.provider.handle(.get(redirect.url))
        #expect(response.status == 302)
        let location = try #require(response.header("location").flatMap(URL.init(string:)))
        let answer = AuthorizationResponse(callbackURL: location)
        #expect(location.absoluteString.hasPrefix(OIDCHarness.redirectURI.absoluteString + "?"))
        #expect(answer.state == redirect.transaction.state)
        #expect(answer.issuer == OIDCHarness.issuer)
        let identity = try await harness.relyingParty.finishLogin(answer, transaction: redirect.transaction, now: harness.clock.now)
        #expect(identity.subject == "alice-0001")
    }

    @Test("publishes the committed test keys as the JWKS checked in under Resources/oidc")
    func publishesFixtureJWKS() async throws {
        let harness = try await OIDCHarness()
        let response = await harness.provider.handle(.get(URL(string: "https://idp.test/jwks")!))
        let served = try response.decodeJSON(PlainJSON.self, what: "JWKS")
        let resource = try #require(Bundle.module.url(forResource: "jwks", withExtension: "json", subdirectory: "Resources/oidc"))
        let committed = try JSONDecoder().decode(PlainJSON.self, from: Data(contentsOf: resource))
        #expect(served == committed)
    }
}
