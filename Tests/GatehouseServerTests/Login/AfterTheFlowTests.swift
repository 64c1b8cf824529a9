import Directory
import FlowEngine
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("After the flow allows: organization choice, consent, and resuming on another node")
struct AfterTheFlowTests {
    /// Alice also belongs to the provider organization.
    static func twoMemberships(_ directory: inout DirectoryConfig) {
        guard let index = directory.users.firstIndex(where: { $0.id == "u-alice" }) else { return }
        directory.users[index].memberships.append(Membership(org: "provider", roles: ["staff"]))
    }

    static func logIn(_ browser: inout Browser, server: TestServer, query: String = "client_id=console") async throws -> TestResponse {
        var page = try await browser.authorize(query)
        page = try await browser.submit(page, [("email", "alice@globex.test")])
        page = try await browser.submit(page, [("password", alicePassword)])
        return try await browser.submit(page, [("code", try server.totp())])
    }

    @Test func asksAUserWithSeveralOrganizationsWhichOneToUse() async throws {
        try await withServer(change: Self.twoMemberships) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let picker = try await Self.logIn(&browser, server: server)
                #expect(picker.text.contains("<legend>Your account belongs to more than one organization."))
                #expect(picker.text.contains(#"<label for="org-provider">Gatehouse Demo Provider</label>"#))
                #expect(picker.text.contains(#"<label for="org-globex">Globex</label>"#))

                // Only the user's own organizations can be picked.
                let refused = try await browser.submit(picker, [("organization", "initech")])
                #expect(refused.status == .badRequest)
                #expect(refused.text.contains("Choose one of the organizations listed."))

                let done = try await browser.submit(refused, [("organization", "provider")])
                #expect(done.text.contains("org=provider roles=staff acr=loa2"))
            }
        }
    }

    @Test func skipsTheChoiceWhenTheAppNamedTheOrganization() async throws {
        try await withServer(change: Self.twoMemberships) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let done = try await Self.logIn(&browser, server: server, query: "client_id=console&organization=globex")
                #expect(done.text.contains("org=globex roles=admin,member"))
            }
        }
    }

    @Test func asksConsentForAThirdPartyAppOnce() async throws {
        try await withServer { server in
            let (app, _) = try await server.application(stub: StubOAuth(thirdParty: ["console"]))
            try await app.test(.router) { client in
                var browser = Browser(client)
                let consent = try await Self.logIn(&browser, server: server, query: "client_id=console&scope=openid%20email")
                #expect(consent.text.contains("<h1>Allow access?</h1>"))
                #expect(consent.text.contains("<li>See your email address</li>"))
                let done = try await browser.submit(consent, [("decision", "allow")])
                #expect(done.text.hasPrefix("authenticated app=console"))

                // Remembered: the next login to the app (through the session) asks nothing.
                let again = try await browser.authorize("client_id=console&scope=openid")
                #expect(again.text.hasPrefix("authenticated app=console"))
            }
        }
    }

    @Test func decliningConsentTellsTheApp() async throws {
        try await withServer { server in
            let (app, _) = try await server.application(stub: StubOAuth(thirdParty: ["console"]))
            try await app.test(.router) { client in
                var browser = Browser(client)
                let consent = try await Self.logIn(&browser, server: server)
                let declined = try await browser.submit(consent, [("decision", "deny")])
                #expect(declined.text == "denied app=console error=access_denied")
            }
        }
    }

    @Test func anotherNodeResumesTheLoginFromTheSameDatabase() async throws {
        try await withServer { server in
            let (first, _) = try await server.application()
            // The first node shows the identify page and takes the email, then goes away.
            let (browserState, password) = try await first.test(.router) { client in
                var browser = Browser(client)
                var page = try await browser.authorize()
                page = try await browser.submit(page, [("email", "alice@globex.test")])
                #expect(page.text.contains(#"autocomplete="current-password""#))
                return (browser.cookies, page)
            }
            // A second node, built from the same SQLite file, continues where the first stopped.
            let (second, _) = try await server.application()
            try await second.test(.router) { client in
                var browser = Browser(client)
                browser.cookies = browserState
                var page = try await browser.submit(password, [("password", alicePassword)])
                #expect(page.text.contains(#"autocomplete="one-time-code""#))
                page = try await browser.submit(page, [("code", try server.totp())])
                #expect(page.text.hasPrefix("authenticated app=console sub=u-alice"))
            }
        }
    }

    /// Each node keeps the transactions it decoded; a node that comes back to a login another node
    /// moved on must read the stored one, not its own older copy.
    @Test func aNodeReadsTheTransactionAnotherNodeChangedSinceItLastSawIt() async throws {
        try await withServer(configure: { $0.sharedDatabase = true }) { server in
            let (first, _) = try await server.application()
            let (second, _) = try await server.application()
            try await first.test(.router) { firstClient in
                try await second.test(.router) { secondClient in
                    var onFirst = Browser(firstClient)
                    var page = try await onFirst.authorize()
                    page = try await onFirst.submit(page, [("email", "alice@globex.test")])
                    var onSecond = Browser(secondClient)
                    onSecond.cookies = onFirst.cookies
                    page = try await onSecond.submit(page, [("password", alicePassword)])
                    #expect(page.text.contains(#"autocomplete="one-time-code""#))
                    onFirst.cookies = onSecond.cookies
                    let done = try await onFirst.submit(page, [("code", try server.totp())])
                    #expect(done.text.hasPrefix("authenticated app=console sub=u-alice"))
                }
            }
        }
    }
}
