import Authenticators
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id: the caller's `X-Request-Id` when it is short and plain, otherwise a
/// fresh random one. The id goes on every log line of the request (logger metadata `request_id`) and
/// back to the caller in the response's `X-Request-Id`. It replaces the id Hummingbird puts on the
/// logger (`hb.request.id`, a second random id that nobody outside sees), so a line names its request
/// once; ``GatehouseRequestContext/id`` is this id.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = GatehouseRequestContext

    /// Where fresh ids come from.
    let random: any RandomSource

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[.requestID].flatMap { Self.isAcceptable($0) ? $0 : nil } ?? Tokens.random(12, from: random)
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        context.logger[metadataKey: Self.hummingbirdKey] = nil
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    /// The metadata key of Hummingbird's own request id.
    static let hummingbirdKey = "hb.request.id"

    /// 1–128 characters of `A–Z a–z 0–9 . _ -`: nothing a log line or header could be confused by.
    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.isPlainID(extra: ".-_")
    }
}
