import Hummingbird
import Logging

/// One structured log line per request, and the HTTP metrics.
///
/// Logged: method, route (the template, such as `/login/{id}`, so transaction ids stay out of logs;
/// the raw path only when no route matched), status, duration and client address. Never logged:
/// query strings (they carry codes and `state` on callbacks), bodies (passwords, codes), cookies
/// and authorization headers.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = GatehouseRequestContext

    /// Where request counts and latencies go.
    let metrics: GatehouseMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        let path = context.endpointPath ?? String(request.uri.path.prefix(200))
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(path), "status": .stringConvertible(response.status.code),
                "duration_ms": .stringConvertible(Int(duration / .milliseconds(1))),
            ])
        metrics.requestServed(method: request.method.rawValue, route: route, status: response.status.code, duration: duration)
        return response
    }
}
