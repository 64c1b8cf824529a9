import Crypto
import Foundation
import GatehouseServer
import HTTPTypes
import HummingbirdTesting
import JWTKit
import OIDCProvider
import Testing

@Suite("Authorization code + PKCE through the hosted pages, tokens at /token, over real HTTP")
struct CodeFlowTests {
    @Test func aConfidentialClientGetsAnIDTokenThatVerifiesAgainstTheJWKS() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let pending = PendingAuthorization(app: .console)
            let code = try await provider.code(&browser, pending)
            #expect(code.count == 43)

            let response = try await provider.redeem(code, pending)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "application/json")
            let tokens = try json(response)
            #expect(tokens["token_type"] as? String == "Bearer")
            #expect(tokens["expires_in"] as? Int == 600)
            #expect(tokens["scope"] as? String == "openid email profile")
            #expect(tokens["refresh_token"] == nil)  // no offline_access asked

            let idToken = try #require(tokens["id_token"] as? String)
            let claims = try await provider.verifiedIDToken(idToken)
            let now = Int(provider.server.clock.now.timeIntervalSince1970)
            #expect(claims.iss == provider.issuer)
            #expect(claims.aud == "console" && claims.azp == "console")
            #expect(claims.nonce == pending.nonce)
            #expect(claims.iat == now && claims.exp == now + 600)
            #expect(claims.atHash == IDTokenClaims.accessTokenHash(try #require(tokens["access_token"] as? String)))
            #expect(claims.user.sub == "u-alice")
            #expect(claims.user.email == "alice@globex.test")
            #expect(claims.user.name == "Alice Globex")
            #expect(claims.user.org == OrganizationClaim(id: "globex", name: "Globex", path: ["provider", "globex"]))
            #expect(claims.user.roles == ["admin", "member"])
            #expect(claims.user.acr == "loa2")
            #expect(Set(claims.user.amr ?? []).isSuperset(of: ["pwd", "otp"]))
            #expect(claims.user.authTime == now)
            #expect(claims.user.sid != nil)
            #expect(jwsHeader(idToken)?["alg"] == "RS256")

            // Userinfo answers with the same claims for the access token.
            let userInfo = try await provider.userInfo(try #require(tokens["access_token"] as? String))
            #expect(userInfo.status == .ok)
            let info = try json(userInfo)
            #expect(info["sub"] as? String == "u-alice")
            #expect(info["email"] as? String == "alice@globex.test")
            #expect(info["acr"] as? String == "loa2")
            #expect(info["iss"] == nil && info["nonce"] == nil)

            let metrics = try await provider.client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"gatehouse_tokens_issued_total{grant_type="authorization_code",kind="id_token"} 1"#))
            #expect(metrics.contains(#"gatehouse_tokens_issued_total{grant_type="authorization_code",kind="code"} 1"#))
        }
    }

    @Test func aPublicThirdPartyClientNeedsPKCEAndTheUsersConsent() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            // Without a code_challenge, the request goes back to the app with invalid_request.
            let noPKCE = try await browser.get(
                "/authorize?response_type=code&client_id=partners&scope=openid&state=s1&redirect_uri="
                    + OAuthParameters.encode(ClientApp.partners.redirectURI))
            #expect(noPKCE.status == .seeOther)
            #expect(try redirectItems(noPKCE)["error"] == "invalid_request")

            let pending = PendingAuthorization(app: .partners)
            var response = try await browser.get("/authorize?" + pending.query())
            response = try await browser.get(try #require(response.headers[.location]))
            response = try await browser.submit(response, [("email", "alice@globex.test")])
            response = try await browser.submit(response, [("password", alicePassword)])
            response = try await browser.submit(response, [("code", try provider.server.totp())])
            #expect(response.text.contains("Allow access?"))
            #expect(response.text.contains("Partner Portal"))
            response = try await browser.submit(response, [("decision", "allow")])
            let code = try #require(try redirectItems(response)["code"])

            // The wrong verifier spends the code: not even the right one works afterwards.
            var wrong = try await provider.post(
                "/token",
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", pending.app.redirectURI), ("code_verifier", pkceVerifier())],
                as: .partners)
            #expect(wrong.status == .badRequest)
            #expect(try json(wrong)["error"] as? String == "invalid_grant")
            wrong = try await provider.redeem(code, pending)
            #expect(try json(wrong)["error"] as? String == "invalid_grant")

            // A second login is not asked for consent again.
            provider.server.clock.advance(30)
            let again = PendingAuthorization(app: .partners)
            let tokens = try await provider.tokens(&browser, again)
            #expect(tokens["id_token"] != nil)
        }
    }

    @Test func aClientSecretPostClientGetsES256TokensWithAPairwiseSubject() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let pending = PendingAuthorization(app: .admin)
            let code = try await provider.code(&browser, pending)
            // client_secret_post only: the same secret through Basic is refused.
            let basic = try await provider.post(
                "/token", [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", pending.app.redirectURI)],
                as: ClientApp(id: "admin", redirectURI: "", authentication: .basic("admin-demo-secret")))
            #expect(basic.status == .unauthorized)
            #expect(try json(basic)["error"] as? String == "invalid_client")

            let tokens = try json(try await provider.redeem(code, pending))
            let idToken = try #require(tokens["id_token"] as? String)
            #expect(jwsHeader(idToken)?["alg"] == "ES256")
            let claims = try await provider.verifiedIDToken(idToken)
            #expect(claims.aud == "admin")
            #expect(claims.user.sub != "u-alice")
            #expect(claims.user.sub.count == 43)
            // The pairwise subject is stable: userinfo says the same.
            let info = try json(try await provider.userInfo(try #require(tokens["access_token"] as? String)))
            #expect(info["sub"] as? String == claims.user.sub)
        }
    }

    @Test func aSecondAppSignsInWithoutAnyPage() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let first = try await provider.tokens(&browser, PendingAuthorization(app: .console), scope: "openid")
            let firstClaims = try await provider.verifiedIDToken(try #require(first["id_token"] as? String))
            provider.server.clock.advance(120)

            let pending = PendingAuthorization(app: .reports)
            let response = try await browser.get("/authorize?" + pending.query(scope: "openid"))
            // No identify, password or TOTP page, not even the login page's address: /authorize sends
            // the browser straight back to the app.
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix(ClientApp.reports.redirectURI))
            let code = try #require(queryItems(of: location)["code"])
            let second = try json(try await provider.redeem(code, pending))
            let claims = try await provider.verifiedIDToken(try #require(second["id_token"] as? String))
            #expect(claims.user.sid == firstClaims.user.sid)
            #expect(claims.user.authTime == firstClaims.user.authTime)
            #expect(claims.user.acr == "loa2")
        }
    }

    @Test func stepUpAsksOnlyForTheMissingFactor() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let first = try await provider.tokens(&browser, PendingAuthorization(app: .notes), scope: "openid")
            let loa1 = try await provider.verifiedIDToken(try #require(first["id_token"] as? String))
            #expect(loa1.user.acr == "loa1")
            #expect(loa1.user.amr == ["pwd"])
            provider.server.clock.advance(60)

            let pending = PendingAuthorization(app: .console)
            var response = try await browser.get("/authorize?" + pending.query(scope: "openid", extra: [("acr_values", "loa2")]))
            response = try await browser.get(try #require(response.headers[.location]))
            #expect(response.text.contains(#"name="code""#))
            #expect(!response.text.contains(#"name="password""#))
            response = try await browser.submit(response, [("code", try provider.server.totp())])
            let code = try #require(try redirectItems(response)["code"])
            let stepped = try await provider.verifiedIDToken(try #require(try json(try await provider.redeem(code, pending))["id_token"] as? String))
            #expect(stepped.user.acr == "loa2")
            #expect(stepped.user.sid == loa1.user.sid)
            #expect(Set(stepped.user.amr ?? []).isSuperset(of: ["pwd", "otp"]))
        }
    }

    @Test func promptNoneWithoutASessionReturnsLoginRequired() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let pending = PendingAuthorization(app: .console)
            let response = try await browser.get("/authorize?" + pending.query(extra: [("prompt", "none")]))
            #expect(response.status == .seeOther)
            let items = try redirectItems(response)
            #expect(items["error"] == "login_required")
            #expect(items["state"] == pending.state)
            #expect(items["iss"] == provider.issuer)
        }
    }

    @Test func formPostResponseModePostsTheCodeWithAPageThatWorksWithoutScripts() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let pending = PendingAuthorization(app: .console)
            let page = try await provider.authorize(&browser, pending, extra: [("response_mode", "form_post")])
            #expect(page.status == .ok)
            #expect(page.headers[.location] == nil)
            let html = page.text
            #expect(html.contains(#"<form method="post" action="http://127.0.0.1:8080/demo/callback">"#))
            #expect(html.contains(#"<input type="hidden" name="state" value="\#(pending.state)">"#))
            #expect(html.contains(#"<button type="submit">"#))
            // The only script is the one the policy allows by its hash; the form may post to the app.
            let script = try #require(html.firstMatch(of: /<script>([^<]*)<\/script>/)?.1)
            let hash = Data(SHA256.hash(data: Array(script.utf8))).base64EncodedString()
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'sha256-\(hash)'"))
            #expect(policy.contains("form-action 'self' http://127.0.0.1:8080"))
            let code = try #require(html.firstMatch(of: /name="code" value="([^"]+)"/)?.1)
            #expect(try await provider.redeem(String(code), pending).status == .ok)
        }
    }
}

/// The protected header of a compact JWS, decoded without checking anything.
func jwsHeader(_ token: String) -> [String: String]? {
    guard let part = token.split(separator: ".").first else { return nil }
    var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?.compactMapValues { $0 as? String }
}
