import Directory
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Health, readiness, metrics and the middleware every response goes through")
struct OperationsTests {
    @Test func answersHealthReadinessAndMetrics() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "ok\n")
                }
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                    #expect(String(buffer: response.body).contains(#"gatehouse_http_requests_total{method="GET",route="/healthz",status="2xx"} 1"#))
                }
            }
        }
    }

    @Test func reportsNotReadyWhenTheStoreIsClosed() async throws {
        try await withServer { server in
            let (app, runtime) = try await server.application()
            try await app.test(.router) { client in
                try await (runtime.store as? SQLiteStore)?.close()
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                }
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    @Test func echoesAPlainRequestIdAndReplacesAnythingElse() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "abc-123.X_y"]) { response in
                    #expect(response.headers[.requestID] == "abc-123.X_y")
                }
                try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "bad id\u{7f}<script>"]) { response in
                    let id = try #require(response.headers[.requestID])
                    #expect(id.count == 16 && id != "bad id\u{7f}<script>")
                }
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.headers[.requestID]?.count == 16)
                }
                try await client.execute(uri: "/no/such/page", method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(response.headers[.requestID]?.count == 16)
                }
            }
        }
    }

    @Test func setsSecurityHeadersOnPagesAndErrors() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                for uri in ["/authorize?client_id=console", "/login/AAAAAAAAAAAAAAAAAAAAAA", "/healthz"] {
                    var browser = Browser(client)
                    let response = uri.hasPrefix("/authorize") ? try await browser.authorize() : try await browser.get(uri)
                    let policy = try #require(response.headers[.contentSecurityPolicy])
                    #expect(policy.contains("default-src 'none'"))
                    #expect(policy.contains("frame-ancestors 'none'"))
                    #expect(!policy.contains("unsafe-inline"))
                    #expect(!policy.contains("script-src"))
                    #expect(response.headers[.frameOptions] == "DENY")
                    #expect(response.headers[.referrerPolicy] == "no-referrer")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.headers[.cacheControl] == "no-store")
                    #expect(response.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] == "same-origin")
                    #expect(response.headers[.strictTransportSecurity] == nil, "plain http")
                }
            }
        }
    }

    @Test func refusesBodiesOverTheLimitWith413() async throws {
        try await withServer(configure: { $0.maxBodyBytes = 2048 }) { server in
            let (app, _) = try await server.application()
            try await app.test(.router) { client in
                let large = ByteBuffer(string: "email=" + String(repeating: "a", count: 4096))
                try await client.execute(
                    uri: "/login/AAAAAAAAAAAAAAAAAAAAAA", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: large
                ) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.headers[.frameOptions] == "DENY")
                }
                try await client.execute(
                    uri: "/logout", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "csrf=x")
                ) { response in
                    #expect(response.status != .contentTooLarge)
                }
            }
        }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
}
