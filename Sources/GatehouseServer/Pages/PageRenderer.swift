import Directory
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders the hosted pages: Mustache templates from the module's `Templates` folder, one layout,
/// the resolved branding and page texts.
///
/// Every value reaches HTML through `{{ }}`, which escapes `& < > " '`; templates never use the
/// unescaped `{{{ }}}` form. Pages carry no scripts and no inline styles, so the Content-Security-
/// Policy forbids both.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary
    /// The stylesheet served at `/static/gatehouse.css`.
    let stylesheet: String

    /// Loads the templates and static files bundled with the module.
    /// - Throws: ``ServerConfigurationError`` when the bundle lacks them (a broken install), or a
    ///   Mustache parser error for a malformed template.
    public static func bundled() async throws -> PageRenderer {
        guard let templates = Bundle.module.url(forResource: "Templates", withExtension: nil),
            let css = Bundle.module.url(forResource: "Static", withExtension: nil)?.appendingPathComponent("gatehouse.css"),
            let stylesheet = try? String(contentsOf: css, encoding: .utf8)
        else { throw ServerConfigurationError("the GatehouseServer resource bundle has no Templates or Static folder") }
        return PageRenderer(library: try await MustacheLibrary(directory: templates.path), stylesheet: stylesheet)
    }

    /// Renders `template` inside the layout.
    /// - Parameters:
    ///   - template: The template name (`identify`, `error`, …).
    ///   - titleKey: The text key of the page title (`identify.title`).
    ///   - values: The page's own values, reachable as `{{page.…}}`.
    ///   - branding: The look to apply.
    ///   - status: The HTTP status.
    ///   - policy: The Content-Security-Policy (login pages widen `form-action`).
    func render(
        _ template: String, titleKey: String, values: [String: Any] = [:], branding: PageBranding, status: HTTPResponse.Status = .ok,
        policy: ContentSecurityPolicy = .standard
    ) -> Response {
        let texts = PageTexts(overrides: branding.texts)
        // Absent values are left out: a nil inside `Any` would render as the text "nil".
        var brand: [String: Any] = ["name": branding.displayName, "branded": branding.organization != nil]
        brand["logo"] = branding.logoURL
        brand["stylesheet"] = branding.stylesheet
        let context: [String: Any] = [
            "lang": texts.language,
            "title": texts[titleKey],
            "text": texts.tree,
            "brand": brand,
            "page": values,
        ]
        let html =
            library.render(context, withTemplate: template)
            ?? "<!doctype html><title>Gatehouse</title><p>Page template '\(template)' is missing.</p>"
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .pragma: "no-cache", .contentSecurityPolicy: policy.header,
        ]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The strings of the hosted pages, by key, with an organization's branding overrides applied.
///
/// Keys are dotted (`identify.title`); templates reach them as `{{text.identify.title}}`. Branding
/// `texts` may replace any of them (and `lang`, the page language, when it is a BCP 47 tag).
struct PageTexts {
    static let defaults: [String: String] = [
        "lang": "en",
        "footer": "Protected by Gatehouse.",
        "help": "Having trouble? Contact your IT team.",
        "action.continue": "Continue",
        "action.cancel": "Cancel sign-in",
        "identify.title": "Sign in",
        "identify.intro": "Enter your work email address. We will send you to the right place to sign in.",
        "identify.label": "Email address",
        "password.title": "Enter your password",
        "password.label": "Password",
        "totp.title": "Enter your authentication code",
        "totp.intro": "Open your authenticator app and enter the 6-digit code it shows for this account.",
        "totp.label": "Authentication code",
        "totp.lost": "Lost your authenticator? Cancel and contact your IT team, or use a recovery code if you were given one.",
        "enroll.title": "Set up an authenticator app",
        "enroll.intro": "This sign-in needs a second factor. Add this account to an authenticator app, then enter the code it shows.",
        "enroll.scan": "Scan this QR code with your authenticator app.",
        "enroll.qr": "QR code of the authenticator setup link",
        "enroll.key": "Setup key (type it into the app if you cannot scan the code or use the link)",
        "enroll.link": "Open in an authenticator app on this device",
        "email_otp.title": "Check your email",
        "email_otp.label": "Code from the email",
        "recovery.title": "Use a recovery code",
        "recovery.intro": "Enter one of the recovery codes you saved when you set up your account. Each code works once.",
        "recovery.label": "Recovery code",
        "organization.title": "Choose an organization",
        "organization.intro": "Your account belongs to more than one organization. Which one do you want to use?",
        "consent.title": "Allow access?",
        "consent.allow": "Allow",
        "consent.deny": "Don't allow",
        "logout.title": "Sign out",
        "logout.confirm": "Sign out",
        "signed_out.title": "You are signed out",
        "signed_in.title": "You are signed in",
        "demo.title": "Gatehouse demo app",
        "form_post.title": "Returning to the app",
        "form_post.intro": "Your browser is sending the sign-in result back to the app.",
        "form_post.continue": "Continue to the app",
        "demo_idp.title": "Demo identity provider",
        "saml_post.title": "Signing in",
        "saml_post.intro": "Your browser is passing the sign-in between Gatehouse and your organization's identity provider.",
        "saml_post.continue": "Continue",
        "error.title": "Sign-in problem",
        "error.try_again": "Start again from the app you were signing in to.",
    ]

    private let values: [String: String]
    /// Whether no override applies: the texts are ``defaults``, whose tree is made once.
    private let isDefault: Bool

    init(overrides: [String: String]) {
        let applicable = overrides.filter { Self.defaults[$0.key] != nil }
        isDefault = applicable.isEmpty
        values = isDefault ? Self.defaults : Self.defaults.merging(applicable) { _, new in new }
    }

    subscript(key: String) -> String { values[key] ?? key }

    /// The page language: the override when it looks like a BCP 47 tag, else `en`.
    var language: String {
        let tag = values["lang"] ?? "en"
        let valid = (2...35).contains(tag.count) && tag.allSatisfy { ($0.isASCII && $0.isLetter) || $0.isNumber || $0 == "-" }
        return valid ? tag : "en"
    }

    /// The texts as nested dictionaries, so `identify.title` is `{{text.identify.title}}`.
    var tree: [String: Any] { isDefault ? Self.defaultTree : Self.tree(of: values) }

    /// The tree of the default texts, which most pages (those of no branded organization) show.
    /// Never mutated, and made only of strings and dictionaries of strings, so safe to share.
    nonisolated(unsafe) private static let defaultTree = tree(of: defaults)

    private static func tree(of values: [String: String]) -> [String: Any] {
        var root: [String: Any] = [:]
        for (key, value) in values {
            let parts = key.split(separator: ".").map(String.init)
            if parts.count == 1 {
                root[key] = value
            } else {
                var group = root[parts[0]] as? [String: String] ?? [:]
                group[parts.dropFirst().joined(separator: ".")] = value
                root[parts[0]] = group
            }
        }
        return root
    }
}
