import Authenticators
import Directory
import FlowEngine
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Login
import Testing

@Suite("Hosted login pages: the whole login, forms, CSRF, transactions, attempt limits")
struct LoginPagesTests {
    @Test func logsInWithPasswordAndTOTPThroughThePages() async throws {
        try await withServer { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let start = try await browser.get("/authorize?client_id=console&state=xyz")
                #expect(start.status == .seeOther)
                let location = try #require(start.headers[.location])
                #expect(location.hasPrefix("/login/"))
                #expect(browser.cookie("gatehouse_login") != nil)

                var page = try await browser.get(location)
                #expect(page.status == .ok)
                #expect(page.text.contains(#"<html lang="en">"#))
                #expect(page.text.contains(#"<label for="email">Email address</label>"#))
                #expect(page.text.contains(#"autocomplete="username""#))
                #expect(!page.text.contains("<script"))

                page = try await browser.submit(page, [("email", "alice@globex.test")])
                #expect(page.text.contains(#"autocomplete="current-password""#))
                #expect(page.text.contains("alice@globex.test"))

                page = try await browser.submit(page, [("password", alicePassword)])
                #expect(page.text.contains(#"autocomplete="one-time-code""#))

                #expect(!page.text.contains("nil"))

                page = try await browser.submit(page, [("code", try server.totp())])
                #expect(page.status == .ok)
                #expect(page.text.hasPrefix("authenticated app=console sub=u-alice"))
                #expect(page.text.contains("org=globex roles=admin,member acr=loa2 amr=mfa,otp,pwd"))
                let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("gatehouse_session=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
                #expect(!cookie.contains("Secure"))

                // The transaction is gone once the app has the result.
                #expect(try await browser.get(location).status == .notFound)
                let metrics = runtime.metrics.exposition()
                #expect(metrics.contains(#"gatehouse_logins_total{app="console",outcome="allow",reason="none"} 1"#))
                #expect(metrics.contains(#"gatehouse_login_step_duration_seconds_count{prompt="password"} 1"#))
            }
        }
    }

    @Test func showsTheFlowsErrorsNextToTheField() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                page = try await browser.submit(page, [("email", "not an email")])
                #expect(page.text.contains(#"<p id="field-error" class="error" role="alert">Enter an email address"#))
                #expect(page.text.contains(#"aria-invalid="true" aria-describedby="field-error""#))
                page = try await browser.submit(page, [("email", "alice@globex.test")])
                page = try await browser.submit(page, [("password", "wrong")])
                #expect(page.text.contains("That was not right. You have 2 tries left."))
                // An empty answer is asked again without costing a try.
                page = try await browser.submit(page, [("password", "")])
                #expect(page.text.contains("Enter your password."))
                page = try await browser.submit(page, [("password", "wrong")])
                #expect(page.text.contains("You have 1 try left."))
            }
        }
    }

    @Test(arguments: [nil, "forged-token"])
    func refusesAFormWithoutTheRightCSRFTokenAndChangesNothing(token: String?) async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                let action = try #require(page.text.firstMatch(of: /action="(\/login\/[^"]+)"/)?.1)
                page = try await browser.submit(page, [("email", "alice@globex.test")])
                var fields = [("password", alicePassword)]
                if let token { fields.insert(("csrf", token), at: 0) }
                let refused = try await browser.post(String(action), fields)
                #expect(refused.status == .forbidden)
                #expect(refused.text.contains("This form could not be accepted"))
                // Still at the password step, with no error from the refused post.
                let again = try await browser.get(String(action))
                #expect(again.text.contains(#"autocomplete="current-password""#))
                #expect(!again.text.contains("field-error"))
            }
        }
    }

    @Test func explainsAnUnknownAndAnExpiredTransaction() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let unknown = try await browser.get("/login/AAAAAAAAAAAAAAAAAAAAAA")
                #expect(unknown.status == .notFound)
                #expect(unknown.text.contains("We could not find this sign-in"))
                #expect(unknown.text.contains("Go back to the app and sign in again."))
                let malformed = try await browser.get("/login/../../etc")
                #expect(malformed.status == .notFound)

                let page = try await browser.authorize()
                server.clock.advance(901)
                let expired = try await browser.submit(page, [("email", "alice@globex.test")])
                #expect(expired.status == .gone)
                #expect(expired.text.contains("This sign-in has expired"))
            }
        }
    }

    @Test func refusesASecondSubmissionWhileTheFirstIsProcessedAndChangesNothing() async throws {
        try await withServer { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let page = try await browser.authorize()
                let action = try #require(page.text.firstMatch(of: /action="\/login\/([^"]+)"/)?.1)
                // Another submission of this page holds the transaction's lock (a double click).
                let now = server.clock.now
                #expect(try await runtime.store.takeLock(namespace: "login.lock", key: String(action), expiresAt: now.addingTimeInterval(30), now: now))
                let busy = try await browser.submit(page, [("email", "alice@globex.test")])
                #expect(busy.status == .conflict)
                #expect(busy.text.contains("This sign-in is already being processed"))

                // Once it is done, the page is where it was and takes the answer.
                try await runtime.store.releaseLock(namespace: "login.lock", key: String(action))
                let next = try await browser.submit(page, [("email", "alice@globex.test")])
                #expect(next.status == .ok)
                #expect(next.text.contains(#"name="password""#))
            }
        }
    }

    @Test func refusesATransactionOpenedInAnotherBrowser() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var owner = Browser(client)
                let start = try await owner.get("/authorize?client_id=console")
                let location = try #require(start.headers[.location])
                var other = Browser(client)
                let page = try await other.get(location)
                #expect(page.status == .forbidden)
                #expect(page.text.contains("This sign-in belongs to another browser"))
            }
        }
    }

    @Test func limitsPasswordAndCodeSubmissionsPerAddressAndKeepsTheState() async throws {
        try await withServer(configure: {
            $0.ipAttemptLimit = 2
            $0.ipAttemptWindow = 300
        }) { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                let action = try #require(page.text.firstMatch(of: /action="(\/login\/[^"]+)"/)?.1)
                page = try await browser.submit(page, [("email", "alice@globex.test")])
                page = try await browser.submit(page, [("password", "wrong")])
                page = try await browser.submit(page, [("password", "wrong")])
                #expect(page.text.contains("You have 1 try left."))

                let limited = try await browser.submit(page, [("password", alicePassword)])
                #expect(limited.status == .tooManyRequests)
                #expect(limited.text.contains("Too many attempts from your network. Wait 5 minutes and try again."))
                #expect(limited.headers[.retryAfter] == "300")
                // The right password was not even checked: the step still has one try left.
                let unchanged = try await browser.get(String(action))
                #expect(unchanged.text.contains("You have 1 try left."))
                #expect(runtime.metrics.exposition().contains("gatehouse_attempts_limited_total 1"))

                server.clock.advance(301)
                page = try await browser.submit(unchanged, [("password", alicePassword)])
                #expect(page.text.contains(#"autocomplete="one-time-code""#))
            }
        }
    }

    @Test func showsTheFlowsRefusalAndReturnsItToTheApp() async throws {
        try await withServer { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                page = try await browser.submit(page, [("email", "someone@umbrella.test")])
                #expect(page.status == .forbidden)
                #expect(page.text.contains("Your organization&#39;s access is suspended. Contact your administrator."))
                #expect(page.text.contains("Return to SaaS Console"))
                let returned = try await browser.submit(page, [("action", "return")])
                #expect(returned.text == "denied app=console error=access_denied")
                #expect(runtime.metrics.exposition().contains(#"gatehouse_logins_total{app="console",outcome="deny",reason="org_suspended"} 1"#))
            }
        }
    }

    @Test func cancellingEndsTheLoginWithAccessDenied() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                page = try await browser.submit(page, [("action", "cancel")])
                #expect(page.text.contains("You cancelled the sign-in."))
                page = try await browser.submit(page, [("action", "return")])
                #expect(page.text == "denied app=console error=access_denied")
            }
        }
    }

    @Test func showsTheManualKeyAndLinkWhenEnrollingAnAuthenticator() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                page = try await browser.submit(page, [("email", "bob@globex.test")])
                page = try await browser.submit(page, [("password", "hunter2 but longer")])
                #expect(page.text.contains("Set up an authenticator app"))
                let uri = try #require(page.text.firstMatch(of: /href="(otpauth:\/\/totp\/[^"]+)"/)?.1)
                let key = try #require(page.text.firstMatch(of: /<code class="key" aria-label="Setup key">([A-Z2-7 ]+)<\/code>/)?.1)
                let components = URLComponents(string: String(uri).replacingOccurrences(of: "&amp;", with: "&"))
                let secret = try #require(components?.queryItems?.first { $0.name == "secret" }?.value)
                #expect(key.replacingOccurrences(of: " ", with: "") == secret)
            }
        }
    }
}

@Suite("Requests the login cannot plan")
struct UnplannableLoginTests {
    @Test func explainsAnUnknownAppWithoutFailing() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let page = try await browser.get("/authorize?client_id=nobody")
                #expect(page.status == .badRequest)
                #expect(page.text.contains("This app is not set up for sign-in"))
            }
        }
    }
}
