import Foundation
import Testing
@testable import OIDCProvider

struct IntrospectionTests {
    let provider: Provider
    init() async throws { provider = try await Provider.make() }

    func introspect(_ token: String, hint: String? = nil, as header: String? = Provider.basic(), extra: [String: [String]] = [:], at time: Date = now) async throws -> IntrospectionResponse {
        var parameters: [String: [String]] = ["token": [token]]
        if let hint { parameters["token_type_hint"] = [hint] }
        parameters.merge(extra) { _, new in new }
        return try await provider.service.introspect(parameters: parameters, authorizationHeader: header, now: time)
    }

    @Test("an active access token is described")
    func describesAccessToken() async throws {
        let response = try await provider.login()
        let result = try await introspect(response.accessToken)
        #expect(result.active)
        #expect(result.clientID == "web")
        #expect(result.sub == "u-alice")
        #expect(result.scope == "openid email profile offline_access")
        #expect(result.tokenType == "Bearer")
        #expect(result.exp == Int(now.timeIntervalSince1970) + 600)
        #expect(result.iss == issuer)
    }

    @Test("an active refresh token is described, with or without the hint")
    func describesRefreshToken() async throws {
        let token = try #require(try await provider.login().refreshToken)
        #expect(try await introspect(token).tokenType == "refresh_token")
        #expect(try await introspect(token, hint: "refresh_token").active)
    }

    @Test("inactive: unknown, expired, revoked, rotated-out, and other clients' tokens")
    func reportsInactive() async throws {
        let response = try await provider.login()
        let refresh = try #require(response.refreshToken)
        #expect(try await introspect("made-up") == .inactive)
        #expect(try await introspect(response.accessToken, at: now.addingTimeInterval(601)) == .inactive)
        // Another client may not learn about web's tokens.
        let asOther = try await introspect(
            response.accessToken, as: nil, extra: ["client_id": ["post-client"], "client_secret": [Provider.postSecret]])
        #expect(asOther == .inactive)
        // Rotated out.
        let rotated = try await provider.refresh(refresh)
        #expect(try await introspect(refresh) == .inactive)
        // Revoked (family).
        try await provider.service.revoke(parameters: ["token": [try #require(rotated.refreshToken)]], authorizationHeader: Provider.basic(), now: now)
        #expect(try await introspect(rotated.accessToken) == .inactive)
        #expect(String(decoding: IntrospectionResponse.inactive.json, as: UTF8.self) == #"{"active":false}"#)
    }

    @Test("introspection requires client authentication")
    func requiresClientAuthentication() async throws {
        let response = try await provider.login()
        let error = await oauthError { try await introspect(response.accessToken, as: Provider.basic("web", "wrong")) }
        #expect(error?.error == "invalid_client")
        #expect(await oauthError { try await introspect(response.accessToken, as: nil) }?.error == "invalid_client")
        let missing = await oauthError {
            try await provider.service.introspect(parameters: [:], authorizationHeader: Provider.basic(), now: now)
        }
        #expect(missing?.error == "invalid_request")
    }
}
