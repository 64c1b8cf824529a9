import Foundation
import GatehouseServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OIDCProvider
import Testing

@Suite("Refresh rotation, code replay, introspection and revocation over real HTTP")
struct TokenLifecycleTests {
    @Test func rotatesRefreshTokensAndRevokesTheFamilyWhenAnOldOneComesBack() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let first = try await provider.tokens(&browser, PendingAuthorization(app: .console))
            let refresh1 = try #require(first["refresh_token"] as? String)
            provider.server.clock.advance(60)

            let rotated = try await provider.refresh(refresh1, as: .console)
            #expect(rotated.status == .ok)
            #expect(rotated.headers[.cacheControl] == "no-store")
            let second = try json(rotated)
            let refresh2 = try #require(second["refresh_token"] as? String)
            #expect(refresh2 != refresh1)
            let idToken = try await provider.verifiedIDToken(try #require(second["id_token"] as? String))
            #expect(idToken.nonce == nil)  // OIDC Core §12.2
            #expect(idToken.user.sub == "u-alice")
            let access2 = try #require(second["access_token"] as? String)
            #expect(try await provider.userInfo(access2).status == .ok)

            // The rotated-out token is presented again: the whole family is revoked.
            let reuse = try await provider.refresh(refresh1, as: .console)
            #expect(reuse.status == .badRequest)
            #expect(try json(reuse)["error"] as? String == "invalid_grant")
            #expect(try json(try await provider.refresh(refresh2, as: .console))["error"] as? String == "invalid_grant")
            let revoked = try await provider.userInfo(access2)
            #expect(revoked.status == .unauthorized)
            #expect(revoked.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)

            let metrics = try await provider.client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"gatehouse_tokens_issued_total{grant_type="refresh_token",kind="refresh_token"} 1"#))
        }
    }

    @Test func aRefreshTokenWorksOnlyForItsClientAndOnlyNarrows() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let tokens = try await provider.tokens(&browser, PendingAuthorization(app: .console))
            let refresh = try #require(tokens["refresh_token"] as? String)
            let wider = try await provider.post(
                "/token", [("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "openid email profile offline_access phone")],
                as: .console)
            #expect(try json(wider)["error"] as? String == "invalid_scope")
            let other = try await provider.refresh(refresh, as: .admin)
            #expect(try json(other)["error"] as? String == "invalid_grant")
            let narrower = try await provider.post(
                "/token", [("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "openid")], as: .console)
            #expect(try json(narrower)["scope"] as? String == "openid")
        }
    }

    @Test func aReplayedCodeRevokesTheTokensIssuedFromIt() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let pending = PendingAuthorization(app: .console)
            let code = try await provider.code(&browser, pending, scope: "openid offline_access")
            let first = try json(try await provider.redeem(code, pending))
            let access = try #require(first["access_token"] as? String)
            #expect(try await provider.userInfo(access).status == .ok)

            let replay = try await provider.redeem(code, pending)
            #expect(replay.status == .badRequest)
            #expect(try json(replay)["error"] as? String == "invalid_grant")
            #expect(try await provider.userInfo(access).status == .unauthorized)
            let refresh = try #require(first["refresh_token"] as? String)
            #expect(try json(try await provider.refresh(refresh, as: .console))["error"] as? String == "invalid_grant")
        }
    }

    @Test func introspectionTellsAClientAboutItsOwnTokensOnly() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let tokens = try await provider.tokens(&browser, PendingAuthorization(app: .console))
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            let active = try await provider.post("/introspect", [("token", access)], as: .console)
            #expect(active.status == .ok)
            #expect(active.headers[.cacheControl] == "no-store")
            let answer = try json(active)
            #expect(answer["active"] as? Bool == true)
            #expect(answer["client_id"] as? String == "console")
            #expect(answer["sub"] as? String == "u-alice")
            #expect(answer["token_type"] as? String == "Bearer")
            #expect(answer["scope"] as? String == "openid email profile offline_access")

            let refreshAnswer = try json(try await provider.post("/introspect", [("token", refresh), ("token_type_hint", "refresh_token")], as: .console))
            #expect(refreshAnswer["token_type"] as? String == "refresh_token")

            // Another client learns nothing: exactly the answer for a token that does not exist.
            let foreign = try await provider.post("/introspect", [("token", access)], as: .admin)
            #expect(foreign.text == #"{"active":false}"#)
            #expect(try await provider.post("/introspect", [("token", "no-such-token")], as: .console).text == #"{"active":false}"#)

            let anonymous = try await provider.post("/introspect", [("token", access)], as: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(try json(anonymous)["error"] as? String == "invalid_client")
        }
    }

    @Test func revokingARefreshTokenEndsItsGrant() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let tokens = try await provider.tokens(&browser, PendingAuthorization(app: .console))
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            // Another client's attempt changes nothing and still gets 200 (RFC 7009 §2.2).
            let foreign = try await provider.post("/revoke", [("token", refresh)], as: .admin)
            #expect(foreign.status == .ok)
            #expect(try json(try await provider.post("/introspect", [("token", refresh)], as: .console))["active"] as? Bool == true)

            let revoked = try await provider.post("/revoke", [("token", refresh), ("token_type_hint", "refresh_token")], as: .console)
            #expect(revoked.status == .ok)
            #expect(revoked.body.readableBytes == 0)
            #expect(try json(try await provider.refresh(refresh, as: .console))["error"] as? String == "invalid_grant")
            #expect(try json(try await provider.post("/introspect", [("token", access)], as: .console))["active"] as? Bool == false)
            #expect(try await provider.post("/revoke", [("token", "unknown")], as: .console).status == .ok)
        }
    }

    @Test func revokingAnAccessTokenLeavesTheRefreshToken() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let tokens = try await provider.tokens(&browser, PendingAuthorization(app: .console))
            let access = try #require(tokens["access_token"] as? String)
            #expect(try await provider.post("/revoke", [("token", access)], as: .console).status == .ok)
            #expect(try await provider.userInfo(access).status == .unauthorized)
            let refresh = try #require(tokens["refresh_token"] as? String)
            #expect(try await provider.refresh(refresh, as: .console).status == .ok)
        }
    }
}
