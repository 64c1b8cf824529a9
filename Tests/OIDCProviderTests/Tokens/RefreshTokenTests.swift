import Authenticators
import Directory
import FlowEngine
import Foundation
import Testing
@testable import OIDCProvider

struct RefreshTokenTests {
    let provider: Provider
    init() async throws { provider = try await Provider.make() }

    @Test("no refresh token without offline_access")
    func noRefreshWithoutOfflineAccess() async throws {
        #expect(try await provider.login(scope: "openid email").refreshToken == nil)
    }

    @Test("refresh rotates: a new refresh token, access token and ID token each time")
    func rotates() async throws {
        let first = try await provider.login()
        let old = try #require(first.refreshToken)
        let second = try await provider.refresh(old, at: now.addingTimeInterval(60))
        let new = try #require(second.refreshToken)
        #expect(new != old)
        #expect(second.accessToken != first.accessToken)
        #expect(second.idToken != nil)
        #expect(second.scope == "openid email profile offline_access")
        #expect(try await provider.refresh(new, at: now.addingTimeInterval(120)).refreshToken != nil)
    }

    @Test("reusing a rotated-out refresh token revokes the whole family")
    func reuseRevokesFamily() async throws {
        let first = try await provider.login()
        let old = try #require(first.refreshToken)
        let second = try await provider.refresh(old, at: now.addingTimeInterval(60))
        let current = try #require(second.refreshToken)

        let reuse = await oauthError { try await provider.refresh(old, at: now.addingTimeInterval(90)) }
        #expect(reuse?.error == "invalid_grant")
        // The legitimate holder's current token and the access tokens of the family are dead too.
        #expect(await oauthError { try await provider.refresh(current, at: now.addingTimeInterval(100)) }?.error == "invalid_grant")
        for token in [first.accessToken, second.accessToken] {
            let error = await oauthError {
                try await provider.service.userInfo(authorizationHeader: "Bearer \(token)", now: now.addingTimeInterval(100))
            }
            #expect(error?.error == "invalid_token")
        }
    }

    @Test("of concurrent refreshes with one token exactly one rotates it, and the others' reuse revokes the family")
    func concurrentRefreshes() async throws {
        let token = try #require(try await provider.login().refreshToken)
        let results = await withTaskGroup(of: Result<TokenResponse, OAuthError>.self) { group in
            for _ in 0..<8 {
                group.addTask { [provider] in
                    do throws(OAuthError) { return .success(try await provider.refresh(token, at: now.addingTimeInterval(60))) } catch { return .failure(error) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let rotated = results.compactMap { try? $0.get() }
        #expect(rotated.count == 1)
        let next = try #require(rotated.first?.refreshToken)
        #expect(await oauthError { try await provider.refresh(next, at: now.addingTimeInterval(90)) }?.error == "invalid_grant")
    }

    @Test("a token's record points to its grant: the session is stored once with the grant, not with every token")
    func tokensPointToTheirGrant() async throws {
        let first = try await provider.login()
        let later = now.addingTimeInterval(60)
        let second = try await provider.refresh(try #require(first.refreshToken), at: later)
        for (namespace, token) in [(TokenStore.accessTokens, second.accessToken), (TokenStore.refreshTokens, try #require(second.refreshToken))] {
            let stored = try #require(try await provider.store.ephemeral(namespace: namespace, key: TokenStore.key(of: token), now: later))
            #expect(!String(decoding: stored, as: UTF8.self).contains("alice@acme.test"), "\(namespace) holds the session")
        }
        let claims = try await provider.service.userInfo(authorizationHeader: "Bearer \(second.accessToken)", now: later)
        #expect(claims.sub == "u-alice" && claims.email == "alice@acme.test")
    }

    @Test("another login's family is untouched by a reuse")
    func reuseLeavesOtherFamiliesAlone() async throws {
        let a = try #require(try await provider.login().refreshToken)
        let b = try #require(try await provider.login().refreshToken)
        _ = try await provider.refresh(a)
        _ = await oauthError { try await provider.refresh(a) }
        #expect(try await provider.refresh(b).refreshToken != nil)
    }

    @Test("a refresh token is bound to its client")
    func rejectsOtherClient() async throws {
        let token = try #require(try await provider.login().refreshToken)
        let error = await oauthError {
            try await provider.service.token(
                parameters: ["grant_type": ["refresh_token"], "refresh_token": [token], "client_id": ["post-client"],
                    "client_secret": [Provider.postSecret]],
                authorizationHeader: nil, now: now)
        }
        #expect(error?.error == "invalid_grant")
        // The rightful client can still use it.
        #expect(try await provider.refresh(token).refreshToken != nil)
    }

    @Test("a rotated-out refresh token presented by another client still revokes the family")
    func reuseByOtherClientRevokes() async throws {
        let old = try #require(try await provider.login().refreshToken)
        let current = try #require(try await provider.refresh(old).refreshToken)
        _ = await oauthError {
            try await provider.service.token(
                parameters: ["grant_type": ["refresh_token"], "refresh_token": [old], "client_id": ["post-client"],
                    "client_secret": [Provider.postSecret]],
                authorizationHeader: nil, now: now)
        }
        #expect(await oauthError { try await provider.refresh(current) }?.error == "invalid_grant")
    }

    @Test("scope may be narrowed, never widened")
    func narrowsScope() async throws {
        let token = try #require(try await provider.login(scope: "openid email offline_access").refreshToken)
        #expect(await oauthError { try await provider.refresh(token, scope: "openid email profile") }?.error == "invalid_scope")
        let narrowed = try await provider.refresh(token, scope: "openid offline_access")
        #expect(narrowed.scope == "openid offline_access")
        // Narrowing is per request: the next refresh may ask for the full grant again.
        let full = try await provider.refresh(try #require(narrowed.refreshToken), scope: "openid email offline_access")
        #expect(full.scope == "openid email offline_access")
    }

    @Test("an unknown or idle-expired refresh token is refused")
    func rejectsUnknownAndExpired() async throws {
        #expect(await oauthError { try await provider.refresh("nope") }?.error == "invalid_grant")
        let token = try #require(try await provider.login().refreshToken)
        let idle = now.addingTimeInterval(14 * 86_400 + 1)
        #expect(await oauthError { try await provider.refresh(token, at: idle) }?.error == "invalid_grant")
    }

    @Test("a suspended user's refresh fails and revokes the family")
    func suspendedUserCannotRefresh() async throws {
        let token = try #require(try await provider.login().refreshToken)
        var alice = try #require(try await provider.store.user(id: "u-alice"))
        alice.status = .suspended
        try await provider.store.saveUser(alice)
        #expect(await oauthError { try await provider.refresh(token) }?.error == "invalid_grant")
        alice.status = .active
        try await provider.store.saveUser(alice)
        #expect(await oauthError { try await provider.refresh(token) }?.error == "invalid_grant")
    }

    @Test("the refreshed ID token keeps auth_time and drops the nonce")
    func refreshedIDToken() async throws {
        let token = try #require(try await provider.login().refreshToken)
        let refreshed = try await provider.refresh(token, at: now.addingTimeInterval(300))
        let idToken = try #require(refreshed.idToken)
        let claims = try #require(await provider.keys.verify(idToken, as: IDTokenClaims.self, now: now))
        #expect(claims.nonce == nil)
        #expect(claims.user.authTime == Int(now.timeIntervalSince1970) - 30)
        #expect(claims.iat == Int(now.timeIntervalSince1970) + 300)
    }
}
