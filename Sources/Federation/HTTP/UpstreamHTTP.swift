import Foundation

/// One outbound request to an upstream IdP: a discovery document, a JWKS, a token or userinfo call.
///
/// A plain value so that fakes at the network edge (tests, the in-process ``TestOIDCProvider``,
/// replay) can read and answer it without a socket.
public struct UpstreamHTTPRequest: Sendable, Hashable {
    /// The two methods an OAuth relying party needs.
    public enum Method: String, Sendable, Hashable {
        /// `GET`: discovery, JWKS, userinfo, GitHub's REST API.
        case get = "GET"
        /// `POST` with a form body: the token endpoint (RFC 6749 §4.1.3).
        case post = "POST"
    }

    /// The method.
    public var method: Method
    /// The absolute URL.
    public var url: URL
    /// Header fields; names are lower-cased.
    public var headers: [String: String]
    /// The body (empty for `GET`).
    public var body: [UInt8]

    /// Creates a request; header names are lower-cased.
    public init(method: Method, url: URL, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.body = body
    }

    /// A `GET` request.
    public static func get(_ url: URL, headers: [String: String] = [:]) -> Self {
        Self(method: .get, url: url, headers: headers)
    }

    /// A `POST` of `application/x-www-form-urlencoded` parameters, in the given order.
    public static func postForm(_ url: URL, form: [(String, String)], headers: [String: String] = [:]) -> Self {
        var headers = headers
        headers["content-type"] = "application/x-www-form-urlencoded"
        return Self(method: .post, url: url, headers: headers, body: Array(FormURLEncoding.encode(form).utf8))
    }

    /// A header's value, by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The form parameters of a `POST` body (the last of repeated names wins).
    public var formParameters: [String: String] {
        FormURLEncoding.decodeDictionary(String(decoding: body, as: UTF8.self))
    }

    /// The query parameters of the URL (the last of repeated names wins).
    public var queryParameters: [String: String] {
        FormURLEncoding.decodeDictionary(URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery ?? "")
    }
}

/// An upstream's answer: status, headers and the whole body (already bounded by the client's size limit).
public struct UpstreamHTTPResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields; names are lower-cased.
    public var headers: [String: String]
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response; header names are lower-cased.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.body = body
    }

    /// A JSON response (`application/json`) encoding `value`.
    public static func json(_ value: some Encodable, status: Int = 200, headers: [String: String] = [:]) -> Self {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
        var headers = headers
        headers["content-type"] = "application/json"
        headers["cache-control"] = "no-store"
        return Self(status: status, headers: headers, body: body)
    }

    /// A header's value, by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Decodes the body as JSON.
    ///
    /// - Parameter what: What the body is, for the error ("discovery document", "token response").
    /// - Throws: ``FederationError/Code/malformedMessage`` when the body is not that JSON.
    public func decodeJSON<T: Decodable>(_ type: T.Type, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw FederationError(.malformedMessage, "the \(what) is not the expected JSON: \(DecodingErrorText.describe(error))")
        }
    }
}

/// Outbound HTTP as Federation needs it, so that tests, replay and the in-process test provider can
/// stand in at the network edge.
///
/// The real implementation is ``UpstreamHTTPClient``. Implementations answer redirects themselves
/// (the caller sees the final response) and return every other status, so that callers can read an
/// OAuth error body; transport failures, timeouts and limits throw ``FederationError/Code/upstreamHTTP``.
///
/// ```swift
/// struct Canned: UpstreamHTTP {
///     func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
///         .json(["issuer": "https://idp.example"])
///     }
/// }
/// ```
public protocol UpstreamHTTP: Sendable {
    /// Sends one request and returns the final response.
    func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse
}

extension UpstreamHTTP {
    /// `GET url`.
    public func get(_ url: URL, headers: [String: String] = [:]) async throws -> UpstreamHTTPResponse {
        try await send(.get(url, headers: headers))
    }

    /// `POST url` with a form body.
    public func postForm(_ url: URL, form: [(String, String)], headers: [String: String] = [:]) async throws
        -> UpstreamHTTPResponse
    {
        try await send(.postForm(url, form: form, headers: headers))
    }
}

/// Short, secret-free descriptions of `DecodingError`s for error reasons.
enum DecodingErrorText {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "the document" : "'" + keys.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            var keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            keys.append(key.stringValue)
            return "'\(keys.joined(separator: "."))' is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected a \(type)"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
