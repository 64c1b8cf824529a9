import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One simulated browser: its own cookie jar and client address, sending requests through a shared
/// `HTTPClient` without following redirects (the driver follows them itself, so it can read the
/// authorization code out of the `Location` of the last one).
struct Browser {
    /// The server's base URL, `http://127.0.0.1:8080`, without a trailing slash.
    let server: String
    /// Sent as `X-Forwarded-For`: the server believes it only from a configured trusted proxy, and
    /// counts its per-address attempt limit against it (docs/operations.md, "Behind a reverse proxy").
    /// Nil for an app's backend calling the token endpoint.
    let address: String?
    private let client: HTTPClient
    /// Cookies by name and path, as a browser keeps them (RFC 6265 §5.3).
    private var cookies: [CookieKey: String] = [:]

    private struct CookieKey: Hashable {
        var name: String
        var path: String
    }

    init(server: String, address: String?, client: HTTPClient) {
        self.server = server
        self.address = address
        self.client = client
    }

    /// What came back.
    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        /// The `Location` header of a redirect.
        var location: String? { headers.first(name: "location") }
    }

    /// `GET` a path (with its query) on the server, or an absolute URL.
    mutating func get(_ target: String) async throws -> Reply {
        try await send(.GET, target, body: nil, headers: [:])
    }

    /// `POST` an `application/x-www-form-urlencoded` form; `crossSite`: from another site's page, so
    /// without the cookies (all of Gatehouse's are `SameSite=Lax`).
    mutating func post(_ target: String, form: [(String, String)], headers: [String: String] = [:], crossSite: Bool = false) async throws -> Reply {
        var headers = headers
        headers["content-type"] = "application/x-www-form-urlencoded"
        return try await send(.POST, target, body: FormEncoding.encode(form), headers: headers, cookies: !crossSite)
    }

    private mutating func send(
        _ method: HTTPMethod, _ target: String, body: String?, headers: [String: String], cookies sendCookies: Bool = true
    ) async throws -> Reply {
        let url = target.hasPrefix("http") ? target : server + target
        let path = Self.path(of: target)
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let address { request.headers.add(name: "x-forwarded-for", value: address) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let cookieHeader = cookies.filter { sendCookies && Self.path(path, matches: $0.key.path) }.map { "\($0.key.name)=\($0.value)" }
        if !cookieHeader.isEmpty { request.headers.add(name: "cookie", value: cookieHeader.joined(separator: "; ")) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        for line in response.headers["set-cookie"] { store(line) }
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// Keeps or removes a cookie from a `Set-Cookie` line (name, value, `Path`, `Max-Age=0`).
    private mutating func store(_ line: String) {
        let attributes = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = attributes.first, let equals = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<equals])
        let value = String(pair[pair.index(after: equals)...])
        var path = "/"
        var expired = value.isEmpty
        for attribute in attributes.dropFirst() {
            let lower = attribute.lowercased()
            if lower.hasPrefix("path=") { path = String(attribute.dropFirst(5)) }
            if lower == "max-age=0" { expired = true }
        }
        let key = CookieKey(name: name, path: path)
        if expired { cookies[key] = nil } else { cookies[key] = value }
    }

    private static func path(of target: String) -> String {
        var rest = Substring(target)
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        return String(rest.prefix { $0 != "?" })
    }

    /// RFC 6265 §5.1.4 path-match.
    private static func path(_ path: String, matches cookiePath: String) -> Bool {
        path == cookiePath || (path.hasPrefix(cookiePath) && (cookiePath.hasSuffix("/") || path.dropFirst(cookiePath.count).first == "/"))
    }
}

/// `application/x-www-form-urlencoded` (the WHATWG URL standard's serializer).
enum FormEncoding {
    private static let unreserved: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._*")
        return set
    }()

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        (text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text).replacingOccurrences(of: "%20", with: "+")
    }

    /// The query parameters of a URL, decoded.
    static func query(of url: String) -> [String: String] {
        guard let items = URLComponents(string: url)?.queryItems else { return [:] }
        var result: [String: String] = [:]
        for item in items { result[item.name] = item.value ?? "" }
        return result
    }
}
