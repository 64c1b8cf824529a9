import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One keep-alive HTTP/1.1 connection to the server under test, opened again when the server closes it.
///
/// A load client sends one request at a time, so a single connection is all the pooling it needs:
/// AsyncHTTPClient's connection pool, request state machines and tracing cost the driver more CPU per
/// request than the request itself, and the driver's CPU is counted on the same machine as the server's.
/// This is only a client for `gatehouse serve` on loopback: plain HTTP, no redirects, no compression.
final class HTTPConnection: Sendable {
    /// A complete response: its head and its whole body.
    struct Response: Sendable {
        /// The status line and the headers.
        var head: HTTPResponseHead
        /// The whole body (empty when there is none).
        var body: ByteBuffer
    }

    /// The longest a request waits for its whole response.
    static let timeout = TimeAmount.seconds(30)
    /// The largest body read; the biggest page the server sends is a small fraction of it.
    static let maximumBodySize = 1 << 20

    private let host: String
    private let port: Int
    /// `host:port`, the `Host` header of every request.
    private let authority: String
    /// Every connection of this client runs on this loop, so its I/O stays on one thread.
    private let eventLoop: any EventLoop
    /// Runs a task on ``eventLoop``: the executor the task sending this connection's requests prefers.
    let executor: EventLoopTaskExecutor
    /// The open connection, if any; a client's requests never overlap, so the lock is never contended.
    private let channel = Mutex<(any Channel)?>(nil)

    /// A connection to `host:port`, opened at the first request.
    init(host: String, port: Int, eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.host = host
        self.port = port
        self.authority = "\(host):\(port)"
        self.eventLoop = eventLoop
        executor = EventLoopTaskExecutor(eventLoop)
    }

    /// A connection to the server at `url`, `http://host:port` (TLS is not spoken), opened at the first request.
    convenience init(server url: String, eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) throws {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host, !host.isEmpty else {
            throw HTTPConnectionError.notPlainHTTP(url)
        }
        self.init(host: host, port: components.port ?? 80, eventLoop: eventLoop)
    }

    /// Sends one request and waits for its response.
    ///
    /// When a connection that served earlier requests turns out to be closed before any byte of the
    /// response came back (the server closed it while it was idle), the request is sent once more on a
    /// new connection, as a browser does.
    /// - Parameter target: The request target: the path and the query.
    func send(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders, body: ByteBuffer?) async throws -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
        head.headers.replaceOrAdd(name: "host", value: authority)
        if let body { head.headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes)) }
        let exchange = Exchange(head: head, body: body)
        if let open = channel.withLock({ $0 }), open.isActive {
            do {
                return try await exchange.run(on: open)
            } catch HTTPConnectionError.closedBeforeResponse {
                // Sent again below, on a new connection.
            }
        }
        return try await exchange.run(on: try await connect())
    }

    /// Opens a new connection (within 5 s) and keeps it for the next requests.
    private func connect() async throws -> any Channel {
        let opened = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
                }
            }
            .connect(host: host, port: port)
            .get()
        let previous = channel.withLock { current in
            let previous = current
            current = opened
            return previous
        }
        previous?.close(promise: nil)
        return opened
    }
}

/// Why a request got no response.
enum HTTPConnectionError: Error, CustomStringConvertible {
    /// The connection closed, or could not be written to, before any byte of the response came back.
    case closedBeforeResponse
    /// The connection closed in the middle of the response.
    case closedDuringResponse
    /// No complete response within ``HTTPConnection/timeout``.
    case timedOut
    /// The body was larger than ``HTTPConnection/maximumBodySize``.
    case bodyTooLarge
    /// A second request was written before the first one's response came back.
    case busy
    /// The server's URL is not `http://host:port`.
    case notPlainHTTP(String)

    /// What a failed login reports.
    var description: String {
        switch self {
        case .closedBeforeResponse: "the connection closed before the response"
        case .closedDuringResponse: "the connection closed during the response"
        case .timedOut: "no response within \(HTTPConnection.timeout)"
        case .bodyTooLarge: "a response body over \(HTTPConnection.maximumBodySize) bytes"
        case .busy: "a request was sent before the previous response came back"
        case .notPlainHTTP(let url): "the driver speaks plain HTTP to http://host:port only, not to \(url)"
        }
    }
}

/// One request on its way to ``ExchangeHandler``, which completes `response` with what comes back.
private struct Exchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?

    /// Writes the request to `channel` and waits for its response.
    func run(on channel: any Channel) async throws -> HTTPConnection.Response {
        let response = channel.eventLoop.makePromise(of: HTTPConnection.Response.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        // A write that fails never reaches the handler (the pipeline of a closed channel is gone): nothing was sent.
        written.futureResult.whenFailure { _ in response.fail(HTTPConnectionError.closedBeforeResponse) }
        channel.writeAndFlush(Request(exchange: self, response: response), promise: written)
        return try await response.futureResult.get()
    }

    /// What travels down the pipeline: the request and the promise of its response.
    struct Request: Sendable {
        var exchange: Exchange
        var response: EventLoopPromise<HTTPConnection.Response>
    }
}

/// The connection's last handler: writes a request's head, body and end, then collects the response's
/// head and body and completes the request's promise, or fails it when the connection closes, errs or
/// times out first. It runs on the channel's event loop only, so its state needs no lock.
private final class ExchangeHandler: ChannelDuplexHandler {
    typealias OutboundIn = Exchange.Request
    typealias OutboundOut = HTTPClientRequestPart
    typealias InboundIn = HTTPClientResponsePart

    /// The request in flight: its response promise and the timer that fails it.
    private var pending: (response: EventLoopPromise<HTTPConnection.Response>, timeout: Scheduled<Void>)?
    /// The response's head, once it has come.
    private var head: HTTPResponseHead?
    /// The response's body so far.
    private var body: ByteBuffer?

    /// Sends a request and starts its timer.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard pending == nil else {
            request.response.fail(HTTPConnectionError.busy)
            promise?.fail(HTTPConnectionError.busy)
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: HTTPConnection.timeout) {
            self.fail(HTTPConnectionError.timedOut)
            context.close(promise: nil)
        }
        pending = (request.response, timeout)
        context.write(wrapOutboundOut(.head(request.exchange.head)), promise: nil)
        if let body = request.exchange.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    /// Collects the response; at its end completes the promise, after closing the connection when
    /// the server does not keep it alive (`Connection: close`, HTTP/1.0).
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            head = received
            body = nil
        case .body(let part):
            body.setOrWriteImmutableBuffer(part)
            if let body, body.readableBytes > HTTPConnection.maximumBodySize {
                fail(HTTPConnectionError.bodyTooLarge)
                context.close(promise: nil)
            }
        case .end:
            let head = self.head
            let body = self.body
            self.head = nil
            self.body = nil
            guard let pending, let head else { return }
            self.pending = nil
            pending.timeout.cancel()
            let response = HTTPConnection.Response(head: head, body: body ?? context.channel.allocator.buffer(capacity: 0))
            if !head.isKeepAlive { context.close(promise: nil) }
            pending.response.succeed(response)
        }
    }

    /// Fails the request in flight: the server closed the connection.
    func channelInactive(context: ChannelHandlerContext) {
        fail(head == nil ? HTTPConnectionError.closedBeforeResponse : HTTPConnectionError.closedDuringResponse)
        context.fireChannelInactive()
    }

    /// Fails the request in flight with the error and closes the connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    /// Fails the request in flight, if any, and forgets its partial response.
    private func fail(_ error: any Error) {
        guard let pending else { return }
        self.pending = nil
        head = nil
        body = nil
        pending.timeout.cancel()
        pending.response.fail(error)
    }
}
