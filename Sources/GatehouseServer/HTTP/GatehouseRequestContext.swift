import Hummingbird
import Logging
import NIOCore

/// The per-request context of every Gatehouse route: Hummingbird's core storage plus what the
/// middleware learns about the request (its id and the real client behind any trusted proxy).
///
/// A value type created for each request (Hummingbird's `RequestContext` model); middleware fills
/// the fields in before the route runs.
public struct GatehouseRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's storage (logger, parameters, endpoint path).
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy, when one is in front); nil in in-process router tests.
    public let remoteAddress: SocketAddress?
    /// The request id (`X-Request-Id`), set by ``RequestIDMiddleware``; also on every log line.
    public var requestID: String = ""
    /// The client as far as it can be trusted, set by ``ForwardedHeadersMiddleware``.
    public var client = ClientOrigin(address: nil, scheme: "http", host: nil)
    /// The largest body a route may collect (``ServerConfiguration/maxBodyBytes``, set by ``BodyLimitMiddleware``).
    public var bodyLimit: Int = 64 * 1024

    /// Creates the context for a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The request id, ``requestID`` (Hummingbird's `RequestContext.id` reads the `hb.request.id` logger
    /// metadata, which ``RequestIDMiddleware`` replaces with `request_id`).
    public var id: String { requestID }

    /// The largest body Hummingbird's decoders accept.
    public var maxUploadSize: Int { bodyLimit }
}

/// Where a request really comes from: the peer, or what a trusted proxy says about its client.
public struct ClientOrigin: Sendable, Hashable {
    /// The client's IP address; nil when unknown (in-process tests).
    public var address: IPAddress?
    /// `http` or `https`, as the client used it.
    public var scheme: String
    /// The host name the client asked for (the `Host` header, or `X-Forwarded-Host` from a trusted proxy).
    public var host: String?

    /// Creates an origin.
    public init(address: IPAddress?, scheme: String, host: String?) {
        self.address = address
        self.scheme = scheme
        self.host = host
    }

    /// The address as the per-address attempt limit keys it (`unknown` when there is none).
    public var limitKey: String { address?.description ?? "unknown" }
}
