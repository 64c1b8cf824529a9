import Directory
import FlowEngine
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("SSO sessions: reuse across apps, step-up, prompt and max_age, logout")
struct SingleSignOnTests {
    /// Logs alice in to `app` with password and TOTP and returns the stub's answer.
    static func logIn(_ browser: inout Browser, server: TestServer, query: String = "client_id=console") async throws -> TestResponse {
        var page = try await browser.authorize(query)
        page = try await browser.submit(page, [("email", "alice@globex.test")])
        page = try await browser.submit(page, [("password", alicePassword)])
        return try await browser.submit(page, [("code", try server.totp())])
    }

    static func field(_ name: String, in text: String) -> String? {
        text.split(separator: " ").first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    @Test func aSecondAppSkipsEverythingTheSessionAlreadyProved() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let first = try await Self.logIn(&browser, server: server)
                #expect(first.text.hasPrefix("authenticated app=console"))
                server.clock.advance(60)
                // No identify, password or TOTP page: the redirect lands on the finished login.
                let second = try await browser.authorize("client_id=wiki")
                #expect(second.text.hasPrefix("authenticated app=wiki sub=u-alice"))
                #expect(Self.field("sid", in: second.text) == Self.field("sid", in: first.text))
                #expect(Self.field("acr", in: second.text) == "loa2")
                // auth_time stays the time the user actually authenticated.
                #expect(Self.field("auth_time", in: second.text) == Self.field("auth_time", in: first.text))
            }
        }
    }

    @Test func anSSOLoginThatChangesNothingKeepsTheCookieUntilTheRenewalIsDue() async throws {
        try await withServer { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                _ = try await Self.logIn(&browser, server: server)
                let afterPassword = try #require(browser.cookie("gatehouse_session"))
                server.clock.advance(5)
                // A new app joins the session: the record changes, and so does the cookie.
                _ = try await browser.authorize("client_id=wiki")
                let joined = try #require(browser.cookie("gatehouse_session"))
                #expect(joined != afterPassword)
                #expect(try await runtime.sessions.find(cookie: afterPassword, now: server.clock.now) == nil)
                let record = try #require(try await runtime.sessions.find(cookie: joined, now: server.clock.now))

                // The same app again, soon after: nothing to write, the cookie stays.
                server.clock.advance(SessionStore.renewalInterval - 10)
                let again = try await browser.authorize("client_id=wiki")
                #expect(again.text.hasPrefix("authenticated app=wiki sub=u-alice"))
                #expect(browser.cookie("gatehouse_session") == joined)
                #expect(try await runtime.sessions.find(cookie: joined, now: server.clock.now) == record)

                // Once the renewal is due, the login renews the session under a fresh cookie.
                server.clock.advance(20)
                _ = try await browser.authorize("client_id=wiki")
                let renewed = try #require(browser.cookie("gatehouse_session"))
                #expect(renewed != joined)
                #expect(try await runtime.sessions.find(cookie: renewed, now: server.clock.now)?.lastUsedAt == server.clock.now)
                #expect(try await runtime.sessions.find(cookie: joined, now: server.clock.now) == nil)
            }
        }
    }

    @Test func stepUpAsksOnlyForTheMissingFactor() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize("client_id=notes")
                page = try await browser.submit(page, [("email", "alice@globex.test")])
                let notes = try await browser.submit(page, [("password", alicePassword)])
                #expect(notes.text.contains("acr=loa1 amr=pwd"))

                server.clock.advance(120)
                page = try await browser.authorize("client_id=console&acr_values=loa2")
                #expect(page.text.contains(#"autocomplete="one-time-code""#))
                #expect(!page.text.contains(#"autocomplete="current-password""#))
                let console = try await browser.submit(page, [("code", try server.totp())])
                #expect(console.text.contains("acr=loa2 amr=mfa,otp,pwd"))
                #expect(Self.field("sid", in: console.text) == Self.field("sid", in: notes.text))
                #expect(Int(Self.field("auth_time", in: console.text) ?? "") == Int(server.clock.now.timeIntervalSince1970))
            }
        }
    }

    @Test func promptLoginAndAnExceededMaxAgeIgnoreTheSession() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                _ = try await Self.logIn(&browser, server: server)
                let forced = try await browser.authorize("client_id=wiki&prompt=login")
                #expect(forced.text.contains(#"<label for="email">"#))
                server.clock.advance(600)
                let old = try await browser.authorize("client_id=wiki&max_age=300")
                #expect(old.text.contains(#"<label for="email">"#))
                let fresh = try await browser.authorize("client_id=wiki&max_age=3600")
                #expect(fresh.text.hasPrefix("authenticated app=wiki"))
            }
        }
    }

    @Test func promptNoneAnswersWithoutAPage() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let without = try await browser.get("/authorize?client_id=wiki&prompt=none")
                #expect(without.text == "denied app=wiki error=login_required")
                _ = try await Self.logIn(&browser, server: server)
                let with = try await browser.get("/authorize?client_id=wiki&prompt=none")
                #expect(with.text.hasPrefix("authenticated app=wiki"))
                let stepUp = try await browser.get("/authorize?client_id=console&prompt=none&acr_values=loa3")
                #expect(stepUp.text.hasPrefix("denied app=console error="))
            }
        }
    }

    @Test func logoutEndsTheSessionForEveryApp() async throws {
        try await withServer { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                _ = try await Self.logIn(&browser, server: server)
                let cookie = try #require(browser.cookie("gatehouse_session"))
                #expect(try await runtime.sessions.find(cookie: cookie, now: server.clock.now) != nil)

                let confirm = try await browser.get("/logout")
                #expect(confirm.text.contains("SaaS Console"))
                // A link alone cannot sign anyone out: the form's token is required.
                let forged = try await browser.post("/logout", [("csrf", "nope")])
                #expect(forged.status == .forbidden)
                #expect(try await runtime.sessions.find(cookie: cookie, now: server.clock.now) != nil)

                let done = try await browser.submit(confirm, [])
                #expect(done.text.contains("You are signed out"))
                let expired = try #require(done.headers[values: .setCookie].first { $0.hasPrefix("gatehouse_session=") })
                #expect(expired.contains("Max-Age=0"))
                #expect(try await runtime.sessions.find(cookie: cookie, now: server.clock.now) == nil)

                let next = try await browser.authorize("client_id=wiki")
                #expect(next.text.contains(#"<label for="email">"#))
            }
        }
    }

    @Test func marksTheCookieSecureWhenTheIssuerIsHTTPS() async throws {
        try await withServer(configure: { $0.issuer = "https://login.example.com" }) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let login = try await Self.logIn(&browser, server: server)
                let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("gatehouse_session=") })
                #expect(cookie.contains("; Secure"))
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
                #expect(cookie.contains("Max-Age=28800"))
            }
        }
    }

    @Test func endingASessionBySidSignsOutTheBrowser() async throws {
        try await withServer { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let login = try await Self.logIn(&browser, server: server)
                try await runtime.sessions.end(sid: try #require(Self.field("sid", in: login.text)))
                let next = try await browser.get("/authorize?client_id=wiki&prompt=none")
                #expect(next.text == "denied app=wiki error=login_required")
            }
        }
    }
}
