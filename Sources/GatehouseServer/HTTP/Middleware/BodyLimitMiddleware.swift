import HTTPTypes
import Hummingbird
import NIOCore

/// Refuses request bodies larger than the configured limit with 413 Content Too Large, and buffers
/// the accepted ones so routes read them without their own limit.
///
/// A declared `Content-Length` over the limit is refused before anything is read; a chunked body is
/// refused as soon as it passes the limit.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = GatehouseRequestContext

    /// The largest body, in bytes.
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.bodyLimit = limit
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Self.tooLarge(limit)
        }
        guard [.post, .put, .patch, .delete].contains(request.method) else { return try await next(request, context) }
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(limit)
        }
        return try await next(request, context)
    }

    static func tooLarge(_ limit: Int) -> HTTPError {
        HTTPError(.contentTooLarge, message: "The request body is larger than \(limit) bytes.")
    }
}
