import Crypto
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The /demo client app: PKCE login through /authorize, code exchanged at /token over HTTP")
struct DemoAppTests {
    /// A token endpoint on a real loopback port, standing in for the OAuth engineer's: it checks the
    /// client's credentials and the PKCE verifier, and answers with an ID token for the code's subject.
    static func tokenEndpoint() -> some ApplicationProtocol {
        let router = Router()
        router.post("/token") { request, context -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 65536))
            var form: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
                form[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            let expected = "Basic " + Data("console:console-demo-secret".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else { return Response(status: .unauthorized) }
            guard let data = Data(base64Encoded: form["code"] ?? ""),
                let code = try? JSONDecoder().decode([String: String].self, from: data),
                let verifier = form["code_verifier"],
                Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "") == code["challenge"],
                form["grant_type"] == "authorization_code"
            else {
                return Response(
                    status: .badRequest, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"invalid_grant","error_description":"bad code or verifier"}"#)))
            }
            let claims = try JSONEncoder().encode(["iss": "test", "sub": code["sub"]!, "nonce": code["nonce"]!, "aud": "console"])
            let token = "eyJhbGciOiJub25lIn0." + claims.base64EncodedString().replacingOccurrences(of: "=", with: "") + ".sig"
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"id_token":"\#(token)","token_type":"Bearer","expires_in":300}"#)))
        }
        return Application(router: router)
    }

    @Test func signsInAsTheConsoleAppAndShowsTheIDTokenClaims() async throws {
        try await Self.tokenEndpoint().test(.live) { tokenClient in
            let port = try #require(tokenClient.port)
            try await withServer(configure: {
                $0.demo = true
                $0.issuer = "http://localhost:\(port)"
                $0.demoClientSecret = "console-demo-secret"
            }) { server in
                let (app, _) = try await server.application(stub: StubOAuth(redirectWithCode: true))
                try await app.test(.router) { client in
                    var browser = Browser(client)
                    let home = try await browser.get("/demo")
                    #expect(home.text.contains(#"<a class="button" href="/demo/login">Sign in to SaaS Console</a>"#))

                    let start = try await browser.get("/demo/login")
                    #expect(start.status == .seeOther)
                    let authorize = try #require(start.headers[.location])
                    #expect(authorize.hasPrefix("/authorize?response_type=code&client_id=console&redirect_uri="))
                    #expect(authorize.contains("code_challenge_method=S256"))
                    #expect(browser.cookie("gatehouse_demo_state") != nil)

                    var page = try await browser.get(authorize)
                    page = try await browser.get(try #require(page.headers[.location]))
                    page = try await browser.submit(page, [("email", "alice@globex.test")])
                    page = try await browser.submit(page, [("password", alicePassword)])
                    let redirect = try await browser.submit(page, [("code", try server.totp())])
                    let callback = try #require(redirect.headers[.location])
                    #expect(callback.hasPrefix("http://localhost:\(port)/demo/callback?code="))

                    let result = try await browser.get(String(callback.dropFirst("http://localhost:\(port)".count)))
                    #expect(result.status == .ok)
                    #expect(result.text.contains("&quot;sub&quot; : &quot;u-alice&quot;"))

                    // The state is used up: replaying the callback is refused.
                    let replay = try await browser.get(String(callback.dropFirst("http://localhost:\(port)".count)))
                    #expect(replay.status == .badRequest)
                }
            }
        }
    }

    @Test func refusesACallbackItDidNotStart() async throws {
        try await withServer(configure: { $0.demo = true }) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let page = try await browser.get("/demo/callback?code=abc&state=forged")
                #expect(page.status == .badRequest)
                #expect(page.text.contains("does not belong to a sign-in started here"))
            }
        }
    }

    @Test func servesNoDemoUnlessAskedTo() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                var browser = Browser(client)
                let page = try await browser.get("/demo")
                #expect(page.status == .notFound)
            }
        }
    }
}
