import FlowEngine
import Foundation
import JWTKit
import Testing
@testable import OIDCProvider

struct EndSessionValidatorTests {
    let provider: Provider
    let validator: EndSessionValidator

    init() async throws {
        provider = try await Provider.make()
        validator = EndSessionValidator(keys: provider.keys, registry: provider.registry, configuration: provider.configuration)
    }

    func idToken() async throws -> String { try #require(try await provider.login().idToken) }

    func validate(_ parameters: [String: [String]], at time: Date = now) async -> Result<EndSessionRequest, OAuthError> {
        await validator.validate(parameters: parameters, now: time)
    }

    @Test("a valid hint with a registered post_logout_redirect_uri returns there with state")
    func acceptsHintAndRedirect() async throws {
        let hint = try await idToken()
        let request = try await validate([
            "id_token_hint": [hint], "post_logout_redirect_uri": ["https://web.example/bye"], "state": ["s 1"],
        ]).get()
        #expect(request.clientID == "web")
        #expect(request.sid == "sid-1")
        #expect(request.subject == "u-alice")
        #expect(request.redirectLocation == "https://web.example/bye?state=s%201")
        #expect(!request.requiresConfirmation)
    }

    @Test("an expired ID token is still a valid hint")
    func acceptsExpiredHint() async throws {
        let hint = try await idToken()
        #expect(try await validate(["id_token_hint": [hint]], at: now.addingTimeInterval(3_000)).get().sid == "sid-1")
    }

    @Test("without a hint the user must confirm")
    func noHintNeedsConfirmation() async throws {
        let request = try await validate(["client_id": ["web"], "post_logout_redirect_uri": ["https://web.example/bye"]]).get()
        #expect(request.requiresConfirmation)
        #expect(request.redirectLocation == "https://web.example/bye")
    }

    @Test("a post_logout_redirect_uri that is not registered exactly is refused", arguments: [
        "https://web.example/bye/", "https://web.example/cb", "https://evil.example/bye", "https://web.example/bye?x=1",
    ])
    func rejectsUnregisteredRedirect(uri: String) async throws {
        let hint = try await idToken()
        guard case .failure(let error) = await validate(["id_token_hint": [hint], "post_logout_redirect_uri": [uri]]) else {
            Issue.record("accepted \(uri)")
            return
        }
        #expect(error.error == "invalid_request")
    }

    @Test("a post_logout_redirect_uri without a client is refused")
    func rejectsRedirectWithoutClient() async {
        guard case .failure = await validate(["post_logout_redirect_uri": ["https://web.example/bye"]]) else {
            Issue.record("accepted a redirect without a client")
            return
        }
    }

    @Test("a hint not signed by our keys is refused")
    func rejectsForeignHint() async throws {
        let foreign = JWTKeyCollection()
        await foreign.add(ecdsa: ES256PrivateKey(), kid: "x")
        let claims = IDTokenClaims(
            iss: issuer, aud: "web", azp: "web", exp: 0, iat: 0, nonce: nil, atHash: nil,
            user: try JSONDecoder().decode(UserClaims.self, from: Data(#"{"sub":"u-alice","sid":"sid-1"}"#.utf8)))
        let forged = try await foreign.sign(claims, kid: "x")
        guard case .failure = await validate(["id_token_hint": [forged]]) else {
            Issue.record("accepted a foreign ID token")
            return
        }
        // Our kid on a foreign signature is refused too.
        let ourKid = try #require(await provider.keys.activeKey(for: .es256)?.kid)
        let withOurKid = try await foreign.sign(claims, kid: "x", header: ["kid": .string(ourKid)])
        guard case .failure = await validate(["id_token_hint": [withOurKid]]) else {
            Issue.record("accepted a foreign signature under our kid")
            return
        }
    }

    @Test("client_id must agree with the hint's audience")
    func rejectsClientMismatch() async throws {
        let hint = try await idToken()
        guard case .failure = await validate(["id_token_hint": [hint], "client_id": ["post-client"]]) else {
            Issue.record("accepted a mismatching client_id")
            return
        }
    }

    @Test("repeated parameters are refused")
    func rejectsRepeats() async {
        guard case .failure(let error) = await validate(["state": ["a", "b"]]) else {
            Issue.record("accepted a repeated state")
            return
        }
        #expect(error.error == "invalid_request")
    }
}
