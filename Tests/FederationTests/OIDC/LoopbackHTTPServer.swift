import NIOCore
import NIOHTTP1
import NIOPosix

/// What the loopback server answers.
enum LoopbackReply: Sendable {
    /// `200` with a body, with or without `Content-Length` (without it, the body is chunked).
    case body([UInt8], declaresLength: Bool = true)
    /// A redirect to `location`.
    case redirect(String, status: HTTPResponseStatus = .found)
    /// `200` after a delay.
    case delayed(TimeAmount)
}

/// A real HTTP/1.1 server on 127.0.0.1 and an ephemeral port, for testing the real client's limits.
final class LoopbackHTTPServer: Sendable {
    let channel: any Channel
    let port: Int

    private init(channel: any Channel) throws {
        self.channel = channel
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        self.port = port
    }

    /// Starts a server that answers each request with `route(head)`.
    static func start(_ route: @escaping @Sendable (HTTPRequestHead) -> LoopbackReply) async throws -> LoopbackHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RouteHandler(route: route))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return try LoopbackHTTPServer(channel: channel)
    }

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String, host: String = "127.0.0.1") -> String { "http://\(host):\(port)\(path)" }

    func stop() async throws { try await channel.close() }
}

private final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let route: @Sendable (HTTPRequestHead) -> LoopbackReply
    var head: HTTPRequestHead?

    init(route: @escaping @Sendable (HTTPRequestHead) -> LoopbackReply) { self.route = route }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            switch route(head) {
            case .body(let bytes, let declaresLength):
                Self.write(context, status: .ok, body: bytes, declaresLength: declaresLength)
            case .redirect(let location, let status):
                var headers = HTTPHeaders([("location", location), ("content-length", "0")])
                headers.add(name: "connection", value: "close")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case .delayed(let delay):
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: delay) {
                    Self.write(bound.value, status: .ok, body: Array("late".utf8), declaresLength: true)
                }
            }
        }
    }

    static func write(_ context: ChannelHandlerContext, status: HTTPResponseStatus, body: [UInt8], declaresLength: Bool) {
        var headers = HTTPHeaders([("content-type", "application/json")])
        if declaresLength { headers.add(name: "content-length", value: String(body.count)) }
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        // Several writes, so that a chunked body really arrives in pieces.
        var offset = 0
        while offset < body.count {
            let end = min(offset + 64 * 1024, body.count)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body[offset..<end])))), promise: nil)
            offset = end
        }
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
    }
}
