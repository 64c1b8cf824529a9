import Foundation
import Testing
@testable import OIDCProvider

struct RevocationTests {
    let provider: Provider
    init() async throws { provider = try await Provider.make() }

    func revoke(_ token: String, hint: String? = nil, as header: String? = Provider.basic(), extra: [String: [String]] = [:]) async throws {
        var parameters: [String: [String]] = ["token": [token]]
        if let hint { parameters["token_type_hint"] = [hint] }
        parameters.merge(extra) { _, new in new }
        try await provider.service.revoke(parameters: parameters, authorizationHeader: header, now: now)
    }

    func isActive(_ token: String) async throws -> Bool {
        try await provider.service.introspect(parameters: ["token": [token]], authorizationHeader: Provider.basic(), now: now).active
    }

    @Test("revoking an access token ends it and leaves the refresh token")
    func revokesAccessToken() async throws {
        let response = try await provider.login()
        try await revoke(response.accessToken, hint: "access_token")
        #expect(try await !isActive(response.accessToken))
        #expect(try await isActive(try #require(response.refreshToken)))
    }

    @Test("revoking a refresh token revokes its family and the access tokens issued from it")
    func revokesFamily() async throws {
        let first = try await provider.login()
        let second = try await provider.refresh(try #require(first.refreshToken))
        try await revoke(try #require(second.refreshToken), hint: "refresh_token")
        #expect(try await !isActive(first.accessToken))
        #expect(try await !isActive(second.accessToken))
        #expect(await oauthError { try await provider.refresh(try #require(second.refreshToken)) }?.error == "invalid_grant")
    }

    @Test("a wrong hint does not stop the search")
    func wrongHintStillRevokes() async throws {
        let response = try await provider.login()
        try await revoke(response.accessToken, hint: "refresh_token")
        #expect(try await !isActive(response.accessToken))
    }

    @Test("unknown tokens get 200 and change nothing")
    func unknownTokenSucceeds() async throws {
        try await revoke("made-up")
        try await revoke("made-up", hint: "something_else")
    }

    @Test("another client's token is not revoked, and the call still succeeds")
    func otherClientsTokenUntouched() async throws {
        let response = try await provider.login()
        try await revoke(response.accessToken, as: nil, extra: ["client_id": ["post-client"], "client_secret": [Provider.postSecret]])
        try await revoke(try #require(response.refreshToken), as: nil, extra: ["client_id": ["post-client"], "client_secret": [Provider.postSecret]])
        #expect(try await isActive(response.accessToken))
        #expect(try await isActive(try #require(response.refreshToken)))
    }

    @Test("revocation requires client authentication")
    func requiresClientAuthentication() async throws {
        let response = try await provider.login()
        #expect(await oauthError { try await revoke(response.accessToken, as: Provider.basic("web", "wrong")) }?.error == "invalid_client")
        #expect(try await isActive(response.accessToken))
    }
}
