import Foundation
import HTTPTypes
import Hummingbird
import OIDCProvider

/// Reading OAuth requests and writing OAuth responses in HTTP: the form bodies of the back-channel
/// endpoints, and JSON answers that caches never keep.
enum OAuthMessages {
    /// The media type of every OAuth request body (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1).
    static let formMediaType = "application/x-www-form-urlencoded"

    /// The headers of every direct OAuth response, success or error: RFC 6749 §5.1 "MUST include the
    /// HTTP `Cache-Control` response header field with a value of `no-store`"; `Pragma` for old caches.
    static let noStore: HTTPFields = [.cacheControl: "no-store", .pragma: "no-cache"]

    /// Whether the request says its body is a form (parameters such as `charset` are allowed).
    static func hasFormBody(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.split(separator: ";").first else { return false }
        return type.trimmingHTTPWhitespace().lowercased() == formMediaType
    }

    /// The parameters of a form body, every name with every value.
    /// - Throws: `invalid_request` when the body is not a form.
    static func form(_ request: Request, context: GatehouseRequestContext) async throws(OAuthError) -> [String: [String]] {
        guard hasFormBody(request) else {
            throw .invalidRequest("the request body must be \(formMediaType)")
        }
        do {
            // BodyLimitMiddleware has already bounded and buffered the body.
            return OAuthParameters.parse(String(buffer: try await request.body.collect(upTo: context.bodyLimit)))
        } catch {
            throw .invalidRequest("the request body cannot be read")
        }
    }

    /// The one `Authorization` header of a request, nil when absent.
    /// - Throws: `invalid_request` when there are several.
    static func authorization(_ request: Request) throws(OAuthError) -> String? {
        let values = request.headers[values: .authorization]
        guard values.count <= 1 else { throw .invalidRequest("the request has more than one Authorization header") }
        return values.first
    }

    /// A 200 JSON response that is never cached.
    static func json(_ body: Data, status: HTTPResponse.Status = .ok) -> Response {
        var headers = noStore
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A public JSON document (discovery, JWKS) that relying parties may cache for `maxAge` seconds and
    /// read from any origin.
    static func publicJSON(_ body: Data, maxAge: Int) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "public, max-age=\(maxAge)", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// 405 for an endpoint called with a method it does not take (RFC 9110 §15.5.6: with `Allow`).
    static func methodNotAllowed(allow: String) -> Response {
        var response = OAuthError("invalid_request", "this endpoint only accepts \(allow)", status: 405).response
        response.headers[.allow] = allow
        return response
    }
}

extension OAuthError {
    /// The direct error response (RFC 6749 §5.2, RFC 6750 §3): the status, `{"error","error_description"}`,
    /// `Cache-Control: no-store`, and `WWW-Authenticate` when the error carries a challenge.
    var response: Response {
        var response = OAuthMessages.json(jsonBody, status: HTTPResponse.Status(code: status))
        if let wwwAuthenticate { response.headers[.wwwAuthenticate] = wwwAuthenticate }
        return response
    }

    /// `error: description`, cut short, for a log line.
    var logSummary: String { "\(error): \(description.prefix(200))" }
}
