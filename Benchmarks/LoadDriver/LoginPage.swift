import Foundation

/// The parts of a hosted login page the driver needs: where its form posts and its CSRF token, read
/// the way a browser would find them (the first `method="post"` form and its `csrf` hidden field).
struct LoginPage {
    /// The form's `action`: the transaction URL, `/login/{id}`.
    var action: String
    /// The hidden `csrf` field.
    var csrf: String

    /// Reads the page, or nil when it has no login form (an error page, for instance).
    init?(html: String) {
        guard let form = html.range(of: "<form method=\"post\" action=\""),
            let actionEnd = html[form.upperBound...].firstIndex(of: "\""),
            let field = html.range(of: "name=\"csrf\" value=\"", range: actionEnd..<html.endIndex),
            let csrfEnd = html[field.upperBound...].firstIndex(of: "\"")
        else { return nil }
        action = String(html[form.upperBound..<actionEnd]).replacingOccurrences(of: "&amp;", with: "&")
        csrf = String(html[field.upperBound..<csrfEnd])
    }

    /// Which prompt the page shows, from the name of its visible input (`email`, `password`, `code`).
    static func prompt(of html: String) -> String? {
        for name in ["email", "password", "code"] where html.contains("<input id=\"\(name)\" name=\"\(name)\"") { return name }
        return nil
    }
}
