import NIOCore
import NIOHTTP1

/// One simulated browser: its own cookie jar and client address, sending requests over its load
/// client's connection without following redirects (the driver follows them itself, so it can read
/// the authorization code out of the `Location` of the last one).
struct Browser {
    /// The server's base URL, `http://127.0.0.1:8080`, without a trailing slash.
    let server: String
    /// Sent as `X-Forwarded-For`: the server believes it only from a configured trusted proxy, and
    /// counts its per-address attempt limit against it (docs/operations.md, "Behind a reverse proxy").
    /// Nil for an app's backend calling the token endpoint.
    let address: String?
    private let connection: HTTPConnection
    /// Cookies by name and path, as a browser keeps them (RFC 6265 §5.3).
    private var cookies: [CookieKey: Cookie] = [:]

    private struct Cookie {
        var value: String
        /// `SameSite=None`: sent with cross-site requests too (RFC 6265bis §5.6.7).
        var crossSite: Bool
    }

    private struct CookieKey: Hashable {
        var name: String
        var path: String
    }

    init(server: String, address: String?, connection: HTTPConnection) {
        self.server = server
        self.address = address
        self.connection = connection
    }

    /// What came back.
    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        /// The body as received.
        var bytes: ByteBuffer

        /// The body as text, decoded (UTF-8) only where a caller reads it: most replies are redirects
        /// or JSON parsed from ``bytes``.
        var body: String { String(decoding: bytes.readableBytesView, as: UTF8.self) }

        /// The `Location` header of a redirect.
        var location: String? { headers.first(name: "location") }
    }

    /// `GET` a path (with its query) on the server, or an absolute URL on it.
    mutating func get(_ target: String) async throws -> Reply {
        try await send(.GET, target, body: nil, headers: [:])
    }

    /// `POST` an `application/x-www-form-urlencoded` form; `crossSite`: from another site's page, so
    /// with the `SameSite=None` cookies only.
    mutating func post(_ target: String, form: [(String, String)], headers: [String: String] = [:], crossSite: Bool = false) async throws -> Reply {
        var headers = headers
        headers["content-type"] = "application/x-www-form-urlencoded"
        return try await send(.POST, target, body: FormEncoding.encode(form), headers: headers, crossSite: crossSite)
    }

    private mutating func send(
        _ method: HTTPMethod, _ target: String, body: String?, headers: [String: String], crossSite: Bool = false
    ) async throws -> Reply {
        let requestTarget = try requestTarget(of: target)
        let path = requestTarget.utf8.firstIndex(of: UInt8(ascii: "?")).map { requestTarget[..<$0] } ?? requestTarget[...]
        var fields = HTTPHeaders()
        if let address { fields.add(name: "x-forwarded-for", value: address) }
        for (name, value) in headers { fields.add(name: name, value: value) }
        let cookieHeader = cookies.filter { (!crossSite || $0.value.crossSite) && Self.path(path, matches: $0.key.path) }
            .map { "\($0.key.name)=\($0.value.value)" }
        if !cookieHeader.isEmpty { fields.add(name: "cookie", value: cookieHeader.joined(separator: "; ")) }
        let response = try await connection.send(method, requestTarget, headers: fields, body: body.map { ByteBuffer(string: $0) })
        for line in response.head.headers["set-cookie"] { store(line) }
        return Reply(status: Int(response.head.status.code), headers: response.head.headers, bytes: response.body)
    }

    /// The request target (path and query) of `target`: a path as it is; an absolute URL on the
    /// server without its origin. The driver talks to the server under test only.
    private func requestTarget(of target: String) throws -> String {
        guard target.hasPrefix("http://") || target.hasPrefix("https://") else { return target }
        let rest = target.dropFirst(server.count)
        guard target.hasPrefix(server), rest.isEmpty || rest.first == "/" || rest.first == "?" else {
            throw LoginFailure("sent to \(target), not to the server \(server)")
        }
        return rest.first == "/" ? String(rest) : "/" + rest
    }

    /// Keeps or removes a cookie from a `Set-Cookie` line (name, value, `Path`, `SameSite`, `Max-Age=0`).
    private mutating func store(_ line: String) {
        let attributes = line.utf8.split(separator: UInt8(ascii: ";")).map { Self.trimmed(Substring($0)) }
        guard let pair = attributes.first, let equals = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<equals])
        let value = String(pair[pair.index(after: equals)...])
        var path = "/"
        var expired = value.isEmpty
        var crossSite = false
        for attribute in attributes.dropFirst() {
            let lower = attribute.lowercased()
            if lower.hasPrefix("path=") { path = String(attribute.dropFirst(5)) }
            if lower == "max-age=0" { expired = true }
            if lower == "samesite=none" { crossSite = true }
        }
        let key = CookieKey(name: name, path: path)
        cookies[key] = expired ? nil : Cookie(value: value, crossSite: crossSite)
    }

    /// `text` without the spaces and tabs around it.
    private static func trimmed(_ text: Substring) -> Substring {
        let isBlank = { (character: Character) in character == " " || character == "\t" }
        let start = text.firstIndex { !isBlank($0) } ?? text.endIndex
        let end = text.lastIndex { !isBlank($0) }.map(text.index(after:)) ?? start
        return text[start..<end]
    }

    /// RFC 6265 §5.1.4 path-match.
    private static func path(_ path: Substring, matches cookiePath: String) -> Bool {
        path == cookiePath || (path.hasPrefix(cookiePath) && (cookiePath.hasSuffix("/") || path.dropFirst(cookiePath.count).first == "/"))
    }
}
