import Foundation
import HTTPTypes
import Hummingbird
import OIDCProvider
import Logging

/// Works out the real client: the TCP peer, or, only when the peer is a trusted proxy, what its
/// `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` headers say.
///
/// Headers from anyone else are ignored, so a client cannot choose the address its attempts are
/// counted against, nor the scheme or host the server believes it was reached on. Through a chain
/// of proxies, the client is the right-most `X-Forwarded-For` address that is not itself trusted.
struct ForwardedHeadersMiddleware: RouterMiddleware {
    typealias Context = GatehouseRequestContext

    /// Peers whose forwarded headers are believed.
    let trustedProxies: [IPNetwork]
    /// The scheme the server itself is reached by: `https` when it serves TLS.
    var scheme = "http"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer = context.remoteAddress?.ipAddress.flatMap(IPAddress.init)
        context.client = Self.origin(
            peer: peer, headers: request.headers, authority: request.head.authority, trusted: trustedProxies, scheme: scheme)
        context.logger[metadataKey: "client"] = .string(context.client.limitKey)
        return try await next(request, context)
    }

    /// The client origin for a request from `peer` carrying `headers`.
    static func origin(peer: IPAddress?, headers: HTTPFields, authority: String?, trusted: [IPNetwork], scheme: String = "http") -> ClientOrigin {
        var origin = ClientOrigin(address: peer, scheme: scheme, host: authority.flatMap(validHost))
        guard let peer, trusted.contains(where: { $0.contains(peer) }) else { return origin }
        let chain = headers[values: .forwardedFor].flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingHTTPWhitespace()) }
        for entry in chain.reversed() {
            guard let address = IPAddress(entry) else { break }
            origin.address = address
            if !trusted.contains(where: { $0.contains(address) }) { break }
        }
        if let proto = headers[.forwardedProto]?.split(separator: ",").first?.trimmingHTTPWhitespace().lowercased(),
            proto == "http" || proto == "https"
        {
            origin.scheme = proto
        }
        if let forwarded = headers[.forwardedHost]?.split(separator: ",").first.map({ String($0.trimmingHTTPWhitespace()) }),
            let valid = validHost(forwarded)
        {
            origin.host = valid
        }
        return origin
    }

    /// A `host[:port]` made of host-name characters only, else nil.
    static func validHost(_ text: String) -> String? {
        guard (1...255).contains(text.utf8.count), text.isPlainID(extra: ".-:[]") else { return nil }
        return text
    }
}
