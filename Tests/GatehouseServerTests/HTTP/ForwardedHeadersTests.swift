import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Forwarded headers are believed only from trusted proxies (real loopback HTTP)")
struct ForwardedHeadersTests {
    static let forwarded: HTTPFields = [
        .forwardedFor: "198.51.100.77, 203.0.113.9", .forwardedProto: "https", .forwardedHost: "login.example.com",
    ]

    @Test func believesATrustedProxyAboutTheClient() async throws {
        try await withServer(configure: { $0.trustedProxies = [IPNetwork("127.0.0.0/8")!, IPNetwork("::1")!] }) { server in
            let (app, _) = try await server.application()
            try await app.test(.live) { client in
                try await client.execute(uri: "/test/client", method: .get, headers: Self.forwarded) { response in
                    // The right-most untrusted address is the client; a client could have forged the ones left of it.
                    #expect(String(buffer: response.body) == "address=203.0.113.9 scheme=https host=login.example.com")
                    #expect(response.headers[.strictTransportSecurity] != nil)
                }
            }
        }
    }

    @Test func ignoresForwardedHeadersFromAnyoneElse() async throws {
        try await withServer(configure: { $0.trustedProxies = [IPNetwork("10.0.0.0/8")!] }) { server in
            let (app, _) = try await server.application()
            try await app.test(.live) { client in
                try await client.execute(uri: "/test/client", method: .get, headers: Self.forwarded) { response in
                    let text = String(buffer: response.body)
                    #expect(text.hasPrefix("address=127.0.0.1 ") || text.hasPrefix("address=::1 "))
                    #expect(text.hasSuffix("scheme=http host=localhost"))
                    #expect(response.headers[.strictTransportSecurity] == nil)
                }
            }
        }
    }

    @Test func countsAttemptsAgainstTheForwardedClientAddress() async throws {
        try await withServer(configure: {
            $0.trustedProxies = [IPNetwork("127.0.0.0/8")!, IPNetwork("::1")!]
            $0.ipAttemptLimit = 1
        }) { server in
            let (app, _) = try await server.application()
            try await app.test(.live) { client in
                var first = Browser(client)
                first.extraHeaders = [.forwardedFor: "203.0.113.1"]
                var page = try await first.authorize()
                page = try await first.submit(page, [("email", "alice@globex.test")])
                page = try await first.submit(page, [("password", "wrong")])
                #expect(page.status == .ok)
                page = try await first.submit(page, [("password", "wrong again")])
                #expect(page.status == .tooManyRequests)

                var second = Browser(client)
                second.extraHeaders = [.forwardedFor: "203.0.113.2"]
                page = try await second.authorize()
                page = try await second.submit(page, [("email", "alice@globex.test")])
                page = try await second.submit(page, [("password", alicePassword)])
                #expect(page.status == .ok)
                #expect(page.text.contains("Enter your authentication code"))
            }
        }
    }
}
