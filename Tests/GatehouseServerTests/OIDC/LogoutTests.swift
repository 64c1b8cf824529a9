import Foundation
import GatehouseServer
import HTTPTypes
import HummingbirdTesting
import OIDCProvider
import Testing

@Suite("RP-initiated logout at /logout over real HTTP")
struct LogoutTests {
    static let home = "http://127.0.0.1:8080/demo"

    @Test func anIDTokenHintOfThisSessionSignsOutAtOnceAndReturnsWithState() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let tokens = try await provider.tokens(&browser, PendingAuthorization(app: .console), scope: "openid")
            let idToken = try #require(tokens["id_token"] as? String)
            let cookie = try #require(browser.cookie("gatehouse_session"))

            let logout = try await browser.get(
                "/logout?" + OAuthParameters.encode([("id_token_hint", idToken), ("post_logout_redirect_uri", Self.home), ("state", "bye & back")]))
            #expect(logout.status == .seeOther)
            #expect(logout.headers[.location] == Self.home + "?state=bye%20%26%20back")
            #expect(logout.headers[values: .setCookie].contains { $0.hasPrefix("gatehouse_session=;") && $0.contains("Max-Age=0") })
            #expect(try await provider.runtime.sessions.find(cookie: cookie, now: provider.server.clock.now) == nil)

            // The single sign-on is over: the next app asks for the email again.
            var page = try await browser.get("/authorize?" + PendingAuthorization(app: .reports).query(scope: "openid"))
            page = try await browser.get(try #require(page.headers[.location]))
            #expect(page.text.contains(#"<label for="email">"#))
        }
    }

    @Test func withoutAHintTheUserConfirmsAndTheRequestIsCheckedAgain() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            _ = try await provider.tokens(&browser, PendingAuthorization(app: .console), scope: "openid")
            let cookie = try #require(browser.cookie("gatehouse_session"))

            let confirm = try await browser.get(
                "/logout?" + OAuthParameters.encode([("client_id", "console"), ("post_logout_redirect_uri", Self.home), ("state", "s-9")]))
            #expect(confirm.status == .ok)
            #expect(confirm.text.contains("SaaS Console"))
            #expect(confirm.text.contains(#"<input type="hidden" name="post_logout_redirect_uri" value="http://127.0.0.1:8080/demo">"#))
            // The confirmation posts to /logout and is answered by a redirect to the app: the policy allows both.
            #expect(confirm.headers[.contentSecurityPolicy]?.contains("form-action 'self' http://127.0.0.1:8080") == true)
            #expect(try await provider.runtime.sessions.find(cookie: cookie, now: provider.server.clock.now) != nil)

            let done = try await browser.submit(confirm, [])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == Self.home + "?state=s-9")
            #expect(try await provider.runtime.sessions.find(cookie: cookie, now: provider.server.clock.now) == nil)
        }
    }

    @Test func neverRedirectsToAnUnregisteredAddress() async throws {
        try await withProvider { provider in
            var browser = Browser(provider.client)
            let tokens = try await provider.tokens(&browser, PendingAuthorization(app: .console), scope: "openid")
            let idToken = try #require(tokens["id_token"] as? String)
            let cookie = try #require(browser.cookie("gatehouse_session"))
            for query in [
                [("id_token_hint", idToken), ("post_logout_redirect_uri", "https://evil.example/")],
                [("post_logout_redirect_uri", Self.home)],
                [("id_token_hint", "not.a.token"), ("post_logout_redirect_uri", Self.home)],
                [("client_id", "console"), ("post_logout_redirect_uri", Self.home), ("state", "a"), ("state", "b")],
            ] {
                let page = try await browser.get("/logout?" + OAuthParameters.encode(query))
                #expect(page.status == .badRequest)
                #expect(page.headers[.location] == nil)
                #expect(page.text.contains("sign-out request cannot be used"))
            }
            #expect(try await provider.runtime.sessions.find(cookie: cookie, now: provider.server.clock.now) != nil)
        }
    }
}
