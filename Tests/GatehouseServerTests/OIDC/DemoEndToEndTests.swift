import Foundation
import GatehouseServer
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("gatehouse serve --demo, end to end: /demo → /authorize → pages → /demo/callback → /token over HTTP")
struct DemoEndToEndTests {
    @Test func theDemoAppSignsInAndOutThroughTheRealProvider() async throws {
        // The demo calls its own /token over HTTP, so the issuer must be an address known before the
        // server starts: a second node over the same database listens there and answers /token, while
        // the browser talks to the first node in process.
        let port = try await freeLoopbackPort()
        let origin = "http://127.0.0.1:\(port)"
        try await withServer(
            configure: {
                $0.keyEncryptionKey = ProviderTest.kek
                $0.demo = true
                $0.port = port
                $0.issuer = origin
                $0.demoClientSecret = "console-demo-secret"
                $0.sharedDatabase = true  // two nodes: one answers the token requests
            }
        ) { server in
            let tokenNode = try await buildApplicationWithProvider(runtime: try await server.runtime())
            try await whileServing(tokenNode, at: origin) {
                let app = try await buildApplicationWithProvider(runtime: try await server.runtime())
                try await app.test(.router) { client in
                    var browser = Browser(client)
                    let start = try await browser.get("/demo/login")
                    let authorize = try #require(start.headers[.location])
                    #expect(authorize.hasPrefix("/authorize?response_type=code&client_id=console&redirect_uri=" + encoded(origin + "/demo/callback")))

                    var page = try await browser.get(authorize)
                    page = try await browser.get(try #require(page.headers[.location]))
                    page = try await browser.submit(page, [("email", "alice@globex.test")])
                    page = try await browser.submit(page, [("password", alicePassword)])
                    let back = try await browser.submit(page, [("code", try server.totp())])
                    let callback = try #require(back.headers[.location])
                    #expect(callback.hasPrefix(origin + "/demo/callback?code="))

                    let result = try await browser.get(String(callback.dropFirst(origin.count)))
                    #expect(result.status == .ok)
                    #expect(result.text.contains("Signed in to the demo app"))
                    #expect(result.text.contains("&quot;sub&quot; : &quot;u-alice&quot;"))
                    #expect(result.text.contains("&quot;acr&quot; : &quot;loa2&quot;"))
                    #expect(result.text.contains("&quot;iss&quot; : &quot;\(origin)&quot;"))

                    // The demo's sign-out link is RP-initiated logout with its ID token: no confirmation, back to /demo.
                    let logout = try #require(result.text.firstMatch(of: /href="(\/logout\?[^"]+)"/)?.1)
                    let signedOut = try await browser.get(Browser.unescape(String(logout)))
                    #expect(signedOut.status == .seeOther)
                    #expect(signedOut.headers[.location] == origin + "/demo")
                    #expect(browser.cookie("gatehouse_session") == nil)
                }
            }
        }
    }
}

private func encoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}
