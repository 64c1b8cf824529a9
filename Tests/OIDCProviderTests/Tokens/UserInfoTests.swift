import Foundation
import Testing
@testable import OIDCProvider

struct UserInfoTests {
    let provider: Provider
    init() async throws { provider = try await Provider.make() }

    func userInfo(_ header: String?, at time: Date = now) async throws -> UserClaims {
        try await provider.service.userInfo(authorizationHeader: header, now: time)
    }

    @Test("a bearer access token gets the ID token's user claims, without token-only claims")
    func returnsClaims() async throws {
        let response = try await provider.login(scope: "openid email profile")
        let claims = try await userInfo("Bearer \(response.accessToken)")
        #expect(claims.sub == "u-alice")
        #expect(claims.email == "alice@acme.test")
        #expect(claims.org?.path == ["provider", "acme"])
        let json = try #require(try JSONSerialization.jsonObject(with: claims.json) as? [String: Any])
        #expect(Set(json.keys).isDisjoint(with: ["iss", "aud", "azp", "exp", "iat", "nonce", "at_hash"]))
        #expect(json["department"] as? String == "R&D")
    }

    @Test("the Bearer scheme is case-insensitive")
    func schemeIsCaseInsensitive() async throws {
        let response = try await provider.login()
        #expect(try await userInfo("bearer \(response.accessToken)").sub == "u-alice")
    }

    @Test("no token: 401 with a bare Bearer challenge")
    func rejectsMissingToken() async {
        for header in [nil, "Basic abc", "Bearer "] as [String?] {
            let error = await oauthError { try await userInfo(header) }
            #expect(error?.status == 401)
            #expect(error?.wwwAuthenticate == "Bearer realm=\"\(issuer)\"")
        }
    }

    @Test("unknown, expired and revoked tokens: 401 invalid_token with the error in the challenge")
    func rejectsInvalidTokens() async throws {
        let response = try await provider.login()
        for (header, time) in [("Bearer made-up", now), ("Bearer \(response.accessToken)", now.addingTimeInterval(601))] {
            let error = await oauthError { try await userInfo(header, at: time) }
            #expect(error?.error == "invalid_token")
            #expect(error?.wwwAuthenticate?.contains("error=\"invalid_token\"") == true)
        }
        try await provider.service.revoke(parameters: ["token": [response.accessToken]], authorizationHeader: Provider.basic(), now: now)
        #expect(await oauthError { try await userInfo("Bearer \(response.accessToken)") }?.error == "invalid_token")
    }

    @Test("a token whose scope lost openid is insufficient_scope")
    func rejectsTokenWithoutOpenID() async throws {
        let refresh = try #require(try await provider.login().refreshToken)
        let narrowed = try await provider.refresh(refresh, scope: "offline_access")
        #expect(narrowed.idToken == nil)
        let error = await oauthError { try await userInfo("Bearer \(narrowed.accessToken)") }
        #expect(error?.error == "insufficient_scope")
        #expect(error?.status == 403)
    }
}
