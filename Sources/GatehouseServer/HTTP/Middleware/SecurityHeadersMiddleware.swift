import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Adds the browser-hardening headers every response carries unless the route set its own.
///
/// - `Content-Security-Policy`: no inline scripts or styles, nothing framed, forms post to Gatehouse
///   only (login pages widen `form-action` to the app's redirect origin, see ``ContentSecurityPolicy``).
/// - `X-Frame-Options: DENY` (clickjacking; `frame-ancestors 'none'` for current browsers).
/// - `Referrer-Policy: no-referrer` (login URLs carry transaction ids).
/// - `X-Content-Type-Options: nosniff`, `Cross-Origin-Opener-Policy: same-origin`.
/// - `Cache-Control: no-store` unless the route allows caching (static assets).
/// - `Strict-Transport-Security` when the client came over https.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = GatehouseRequestContext

    /// The headers of every response, made (and their values checked) once.
    static let standardFields = [
        HTTPField(name: .contentSecurityPolicy, value: ContentSecurityPolicy.standardHeader),
        HTTPField(name: .frameOptions, value: "DENY"),
        HTTPField(name: .referrerPolicy, value: "no-referrer"),
        HTTPField(name: .xContentTypeOptions, value: "nosniff"),
        HTTPField(name: .crossOriginOpenerPolicy, value: "same-origin"),
        HTTPField(name: .cacheControl, value: "no-store"),
    ]
    /// The header of every response to a client that came over https.
    static let transportSecurity = HTTPField(name: .strictTransportSecurity, value: "max-age=31536000")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in Self.standardFields where !response.headers.contains(field.name) { response.headers.append(field) }
        if context.client.scheme == "https", !response.headers.contains(Self.transportSecurity.name) {
            response.headers.append(Self.transportSecurity)
        }
        return response
    }
}

/// The Content-Security-Policy of Gatehouse pages (CSP Level 3).
struct ContentSecurityPolicy: Sendable, Hashable {
    /// Extra origins forms may post (or redirect after posting) to: the app's redirect origin on login pages.
    var formTargets: [String] = []
    /// Hash sources (`'sha256-…'`) of the only inline scripts the page may run; none on every page but
    /// the `form_post` response, whose one-line script submits the form.
    var scriptHashes: [String] = []

    /// The policy of every page that is not a login page.
    static let standard = ContentSecurityPolicy()
    /// The header of ``standard``, made once.
    static let standardHeader = standard.header

    /// The header value.
    var header: String {
        let targets = (["'self'"] + formTargets).joined(separator: " ")
        let scripts = scriptHashes.isEmpty ? "" : "script-src \(scriptHashes.joined(separator: " ")); "
        return "default-src 'none'; \(scripts)style-src 'self'; img-src 'self' https: data:; form-action \(targets); "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    /// The CSP hash source of an inline script's exact text (CSP Level 3 §8.4: base64 of its SHA-256).
    static func hashSource(ofScript script: String) -> String {
        "'sha256-\(Data(SHA256.hash(data: Array(script.utf8))).base64EncodedString())'"
    }

    /// The policy for a login page whose forms end in a redirect to `redirectURI` (browsers apply
    /// `form-action` to redirects after a form post).
    static func login(redirectURI: String?) -> ContentSecurityPolicy {
        guard let redirectURI, let origin = origin(of: redirectURI) else { return .standard }
        return ContentSecurityPolicy(formTargets: [origin])
    }

    /// `scheme://host[:port]` of an absolute URL with only URL-safe characters, else nil.
    static func origin(of uri: String) -> String? {
        guard let components = URLComponentsLite(uri) else { return nil }
        return components.origin
    }
}

/// Just enough URL parsing to take an origin out of a registered redirect URI without Foundation's
/// leniency: `scheme://authority` with a conservative character set.
struct URLComponentsLite {
    let origin: String

    init?(_ uri: String) {
        guard let schemeEnd = uri.range(of: "://") else { return nil }
        let scheme = uri[..<schemeEnd.lowerBound].lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else { return nil }
        let rest = uri[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@"),
            authority.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) })
        else { return nil }
        origin = "\(scheme)://\(authority.lowercased())"
    }
}
