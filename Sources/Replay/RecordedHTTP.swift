import FlowEngine
import Federation
import Foundation
import Synchronization

/// The network edge during replay: answers the relying party's requests from the exchanges recorded in
/// an `oidc_response` event, and never opens a socket.
///
/// A request is answered by the first exchange with the same method and URL whose recorded `form`
/// parameters it carries; an exchange may answer more than once (a JWKS refetch). Any other request is
/// refused with ``FederationError/Code/upstreamHTTP`` and listed in ``unrecorded``, which fails the fixture.
final class RecordedHTTP: UpstreamHTTP {
    private let exchanges: [Fixture.HTTPExchange]
    private let misses = Mutex<[String]>([])

    init(_ exchanges: [Fixture.HTTPExchange]) { self.exchanges = exchanges }

    /// The requests no exchange answered, as `METHOD url`.
    var unrecorded: [String] { misses.withLock { $0 } }

    func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        let form = request.method == .post ? request.formParameters : [:]
        let match = exchanges.first { exchange in
            exchange.method.uppercased() == request.method.rawValue && exchange.url == request.url.absoluteString
                && (exchange.form ?? [:]).allSatisfy { form[$0.key] == $0.value }
        }
        guard let match else {
            let line = "\(request.method.rawValue) \(request.url.absoluteString)"
            misses.withLock { $0.append(line) }
            throw FederationError(.upstreamHTTP, "replay: no recorded answer for \(line)")
        }
        return Self.response(match)
    }

    static func response(_ exchange: Fixture.HTTPExchange) -> UpstreamHTTPResponse {
        var headers = exchange.headers ?? [:]
        let body: [UInt8]
        switch exchange.body {
        case nil: body = []
        case .string(let text)?: body = Array(text.utf8)
        case let json?:
            if exchange.headers == nil { headers["content-type"] = "application/json" }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = (try? encoder.encode(json)).map(Array.init) ?? []
        }
        return UpstreamHTTPResponse(status: exchange.status ?? 200, headers: headers, body: body)
    }
}
