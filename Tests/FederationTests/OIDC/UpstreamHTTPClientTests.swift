import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import Federation

/// The real client against a real server on loopback: limits on size, redirects, scheme and time.
@Suite("Upstream HTTP client")
struct UpstreamHTTPClientTests {
    /// Runs `body` with a started server and a client allowed plain HTTP on loopback, and stops both.
    func withLoopback(
        _ configuration: UpstreamHTTPClient.Configuration = .init(allowsPlainHTTPOnLoopback: true),
        route: @escaping @Sendable (HTTPRequestHead) -> LoopbackReply,
        _ body: (LoopbackHTTPServer, UpstreamHTTPClient) async throws -> Void
    ) async throws {
        let server = try await LoopbackHTTPServer.start(route)
        let client = UpstreamHTTPClient(configuration: configuration)
        do {
            try await body(server, client)
        } catch {
            try await client.shutdown()
            try await server.stop()
            throw error
        }
        try await client.shutdown()
        try await server.stop()
    }

    func expectHTTPFailure(mentioning text: String, _ call: () async throws -> Void) async {
        do {
            try await call()
            Issue.record("the call succeeded")
        } catch let error as FederationError {
            #expect(error.code == .upstreamHTTP)
            #expect(error.reason.contains(text), "\(error.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("fetches a body over loopback")
    func fetches() async throws {
        try await withLoopback(route: { _ in .body(Array(#"{"ok":true}"#.utf8)) }) { server, client in
            let response = try await client.get(URL(string: server.url("/doc"))!)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(String(decoding: response.body, as: UTF8.self) == #"{"ok":true}"#)
        }
    }

    @Test("refuses plain http off loopback, and on loopback unless allowed")
    func refusesPlainHTTP() async throws {
        let strict = UpstreamHTTPClient()
        await expectHTTPFailure(mentioning: "only https") { _ = try await strict.get(URL(string: "http://idp.example/.well-known/x")!) }
        await expectHTTPFailure(mentioning: "only https") { _ = try await strict.get(URL(string: "http://127.0.0.1:9/x")!) }
        await expectHTTPFailure(mentioning: "only https") { _ = try await strict.get(URL(string: "ftp://idp.example/x")!) }
        try await strict.shutdown()
        let lenient = UpstreamHTTPClient(configuration: .init(allowsPlainHTTPOnLoopback: true))
        await expectHTTPFailure(mentioning: "only https") { _ = try await lenient.get(URL(string: "http://127.0.0.1.example/x")!) }
        try await lenient.shutdown()
    }

    @Test("refuses a response over the size limit, declared or streamed", arguments: [true, false])
    func refusesOversizedResponse(declaresLength: Bool) async throws {
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)
        try await withLoopback(route: { _ in .body(big, declaresLength: declaresLength) }) { server, client in
            await expectHTTPFailure(mentioning: "size limit") { _ = try await client.get(URL(string: server.url("/big"))!) }
        }
    }

    @Test("accepts a response of exactly the limit")
    func acceptsResponseAtLimit() async throws {
        let configuration = UpstreamHTTPClient.Configuration(maximumResponseBytes: 4096, allowsPlainHTTPOnLoopback: true)
        try await withLoopback(configuration, route: { _ in .body(Array(repeating: 1, count: 4096), declaresLength: false) }) { server, client in
            let response = try await client.get(URL(string: server.url("/exact"))!)
            #expect(response.body.count == 4096)
        }
    }

    @Test("stops after the redirect limit")
    func stopsAtRedirectLimit() async throws {
        try await withLoopback(route: { head in
            let hop = Int(head.uri.split(separator: "/").last ?? "0") ?? 0
            return .redirect("/loop/\(hop + 1)")
        }) { server, client in
            await expectHTTPFailure(mentioning: "redirect limit") { _ = try await client.get(URL(string: server.url("/loop/0"))!) }
        }
    }

    @Test("follows redirects within the limit")
    func followsRedirects() async throws {
        try await withLoopback(route: { head in
            let hop = Int(head.uri.split(separator: "/").last ?? "0") ?? 0
            return hop == 0 ? .body(Array("arrived".utf8)) : .redirect("/hop/\(hop - 1)", status: .movedPermanently)
        }) { server, client in
            let response = try await client.get(URL(string: server.url("/hop/3"))!)
            #expect(String(decoding: response.body, as: UTF8.self) == "arrived")
        }
    }

    @Test("does not follow a redirect answering a POST (client credentials are not re-sent)")
    func doesNotRedirectPOST() async throws {
        try await withLoopback(route: { _ in .redirect("/elsewhere", status: .temporaryRedirect) }) { server, client in
            await expectHTTPFailure(mentioning: "not followed") {
                _ = try await client.postForm(URL(string: server.url("/token"))!, form: [("client_secret", "s")])
            }
        }
    }

    @Test("drops Authorization when a redirect changes host")
    func dropsAuthorizationAcrossHosts() async throws {
        try await withLoopback(route: { head in
            if head.uri == "/start" {
                return .redirect("http://localhost:\(head.headers.first(name: "host")?.split(separator: ":").last ?? "")/echo")
            }
            return .body(Array((head.headers.first(name: "authorization") ?? "none").utf8))
        }) { server, client in
            let response = try await client.get(URL(string: server.url("/start"))!, headers: ["authorization": "Bearer secret-token"])
            #expect(String(decoding: response.body, as: UTF8.self) == "none")
        }
    }

    @Test("times out when the server is slower than the read timeout")
    func timesOut() async throws {
        let configuration = UpstreamHTTPClient.Configuration(readTimeout: .milliseconds(200), allowsPlainHTTPOnLoopback: true)
        try await withLoopback(configuration, route: { _ in .delayed(.seconds(2)) }) { server, client in
            await expectHTTPFailure(mentioning: "timed out") { _ = try await client.get(URL(string: server.url("/slow"))!) }
        }
    }

    @Test("a discovery document over the size limit is refused end to end")
    func refusesOversizedDiscovery() async throws {
        let body = Array(repeating: UInt8(ascii: " "), count: 2 << 20)
        try await withLoopback(route: { _ in .body(body, declaresLength: false) }) { server, client in
            await expectHTTPFailure(mentioning: "size limit") {
                _ = try await ProviderMetadata.discover(
                    at: URL(string: server.url("/.well-known/openid-configuration"))!, expectedIssuer: server.url(""), http: client,
                    allowsPlainHTTPOnLoopback: true)
            }
        }
    }
}
