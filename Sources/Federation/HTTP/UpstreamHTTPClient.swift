import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The real ``UpstreamHTTP``: AsyncHTTPClient with the limits an identity broker needs when it talks
/// to an IdP that a customer configured (and that may be hostile or broken).
///
/// - **Timeouts**: connect, read (between bytes) and a whole-request deadline per hop.
/// - **Redirects**: followed here, not by AsyncHTTPClient, so every hop is checked: at most
///   ``Configuration/maximumRedirects`` hops, `https` only, never for `POST` (a token request and its
///   client credentials are not re-sent elsewhere), and `Authorization` is dropped when the host changes.
/// - **Size**: the body is counted while it streams and the call fails as soon as it passes
///   ``Configuration/maximumResponseBytes``; a larger `Content-Length` fails before any byte is read.
///   Responses are not decompressed, so the limit is what crosses the wire.
/// - **Scheme**: `https` only; plain `http` only to a loopback address and only when
///   ``Configuration/allowsPlainHTTPOnLoopback`` is set (tests, the local demo).
///
/// One instance owns one `HTTPClient` and is shared by every connection; call ``shutdown()`` once
/// when the server stops.
public final class UpstreamHTTPClient: UpstreamHTTP {
    /// Limits and timeouts; the defaults suit calls to an IdP's discovery, JWKS, token and userinfo endpoints.
    public struct Configuration: Sendable, Hashable {
        /// Time to establish a TCP (and TLS) connection. Default 5 s.
        public var connectTimeout: Duration
        /// Longest silence while waiting for response bytes. Default 10 s.
        public var readTimeout: Duration
        /// Deadline for one request/response exchange (each redirect hop has its own). Default 20 s.
        public var requestTimeout: Duration
        /// Redirects followed for one `GET`. Default 3.
        public var maximumRedirects: Int
        /// Largest response body accepted. Default 1 MiB.
        public var maximumResponseBytes: Int
        /// Whether `http://` is allowed to loopback addresses (127.0.0.0/8, ::1, localhost). Default `false`.
        public var allowsPlainHTTPOnLoopback: Bool

        /// Creates a configuration.
        public init(
            connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(20),
            maximumRedirects: Int = 3, maximumResponseBytes: Int = 1 << 20, allowsPlainHTTPOnLoopback: Bool = false
        ) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.requestTimeout = requestTimeout
            self.maximumRedirects = maximumRedirects
            self.maximumResponseBytes = maximumResponseBytes
            self.allowsPlainHTTPOnLoopback = allowsPlainHTTPOnLoopback
        }
    }

    /// The limits in force.
    public let configuration: Configuration
    private let client: HTTPClient
    private let logger: Logger

    /// Creates the client and its connection pool.
    ///
    /// - Parameters:
    ///   - configuration: Limits and timeouts.
    ///   - logger: Where request summaries go (host and path, never query strings or bodies). No-op by default.
    public init(
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "gatehouse.federation.http", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.logger = logger
        let clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(configuration.connectTimeout), read: Self.timeAmount(configuration.readTimeout)),
            decompression: .disabled)
        self.client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration, backgroundActivityLogger: logger)
    }

    /// Closes every pooled connection. Call once, when the server stops; later requests fail.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Sends `request`, following up to ``Configuration/maximumRedirects`` redirects of a `GET`.
    ///
    /// - Throws: ``FederationError/Code/upstreamHTTP`` for a refused URL or redirect, a timeout, a
    ///   transport failure, or a body over the size limit.
    public func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        var current = request
        var hops = 0
        while true {
            try Self.checkScheme(current.url, allowsPlainHTTPOnLoopback: configuration.allowsPlainHTTPOnLoopback)
            let response = try await exchange(current)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("location") else {
                return response
            }
            let origin = Self.describe(current.url)
            guard current.method == .get else {
                throw FederationError(.upstreamHTTP, "\(origin) answered POST with a redirect (\(response.status)); not followed")
            }
            guard hops < configuration.maximumRedirects else {
                throw FederationError(
                    .upstreamHTTP, "\(origin): more than \(configuration.maximumRedirects) redirects (redirect limit)")
            }
            guard let next = URL(string: location, relativeTo: current.url)?.absoluteURL, next.host != nil else {
                throw FederationError(.upstreamHTTP, "\(origin) redirected to an invalid location")
            }
            hops += 1
            var headers = current.headers
            if next.host?.lowercased() != current.url.host?.lowercased() { headers["authorization"] = nil }
            current = .get(next, headers: headers)
        }
    }

    /// One request/response exchange, without redirects.
    private func exchange(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        let target = Self.describe(request.url)
        var outbound = HTTPClientRequest(url: request.url.absoluteString)
        outbound.method = request.method == .get ? .GET : .POST
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            outbound.headers.add(name: name, value: value)
        }
        if request.headers["user-agent"] == nil { outbound.headers.add(name: "user-agent", value: "Gatehouse") }
        if request.method == .post { outbound.body = .bytes(request.body) }

        let limit = configuration.maximumResponseBytes
        do {
            let response = try await client.execute(outbound, timeout: Self.timeAmount(configuration.requestTimeout), logger: logger)
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > limit {
                throw FederationError(
                    .upstreamHTTP, "\(target): response of \(declared) bytes is over the \(limit)-byte limit (response size limit)")
            }
            var body: [UInt8] = []
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= limit else {
                    throw FederationError(.upstreamHTTP, "\(target): response is over the \(limit)-byte limit (response size limit)")
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
            logger.debug("upstream call", metadata: ["target": "\(request.method.rawValue) \(target)", "status": "\(response.status.code)"])
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name.lowercased()] = value }
            return UpstreamHTTPResponse(status: Int(response.status.code), headers: headers, body: body)
        } catch let error as FederationError {
            throw error
        } catch let error as HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout:
                throw FederationError(.upstreamHTTP, "\(target): timed out (\(error))")
            default:
                throw FederationError(.upstreamHTTP, "\(target): \(error)")
            }
        } catch {
            throw FederationError(.upstreamHTTP, "\(target): \(error)")
        }
    }

    /// Refuses anything but `https`, or `http` to loopback when allowed.
    static func checkScheme(_ url: URL, allowsPlainHTTPOnLoopback: Bool) throws {
        switch url.scheme?.lowercased() {
        case "https":
            return
        case "http" where allowsPlainHTTPOnLoopback && isLoopback(url):
            return
        default:
            throw FederationError(
                .upstreamHTTP,
                "\(describe(url)): only https is allowed" + (allowsPlainHTTPOnLoopback ? " (http only to loopback)" : ""))
        }
    }

    /// Whether the URL's host is `localhost`, in 127.0.0.0/8, or `::1`.
    static func isLoopback(_ url: URL) -> Bool {
        guard var host = url.host?.lowercased() else { return false }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `scheme://host[:port]/path` without query or fragment, for errors and logs.
    static func describe(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return components.string ?? "<url>"
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
