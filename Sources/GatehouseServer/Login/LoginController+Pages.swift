import Directory
import FlowEngine
import Foundation
import Hummingbird
import OIDCProvider

extension LoginController {
    /// The page for a prompt, with the flow's error (or `message`) shown next to the field.
    func promptPage(
        _ transaction: LoginTransaction, _ prompt: Prompt, message: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = formValues(transaction)
        values["error"] = message ?? prompt.error.map(Self.describe)
        let template: String
        let title: String
        switch prompt.kind {
        case .email:
            (template, title) = ("identify", "identify.title")
            values["email"] = transaction.state.email ?? transaction.authorization.loginHint ?? ""
        case .password(let email):
            (template, title) = ("password", "password.title")
            values["email"] = email
        case .totp:
            (template, title) = ("totp", "totp.title")
        case .totpEnrollment(let offer):
            (template, title) = ("totp-enroll", "enroll.title")
            values["uri"] = offer.uri.value
            values["key"] = offer.manualKey.value
            // Without a QR code the page still offers the link and the key.
            if let qr = try? QRCode(encoding: offer.uri.value) {
                values["qr"] = ["size": qr.svgSize, "runs": qr.runs.map { ["x": $0.x, "y": $0.y, "width": $0.width] }]
            }
        case .emailOTP(let sentTo):
            (template, title) = ("email-otp", "email_otp.title")
            values["sentTo"] = sentTo
        case .recoveryCode:
            (template, title) = ("recovery-code", "recovery.title")
        }
        return render(template, title, values, transaction, status: status)
    }

    /// The organization picker.
    func organizationPage(_ transaction: LoginTransaction, choices: [OrgID], error: String? = nil) -> Response {
        var values = formValues(transaction)
        values["error"] = error
        values["choices"] = choices.enumerated().map { index, id -> [String: Any] in
            ["id": id.rawValue, "name": runtime.directory.organization(id)?.name ?? id.rawValue, "first": index == 0]
        }
        return render("organization", "organization.title", values, transaction, status: error == nil ? .ok : .badRequest)
    }

    /// The consent page: which app, which organization, what it may see.
    func consentPage(_ transaction: LoginTransaction, _ result: FlowResult) -> Response {
        var values = formValues(transaction)
        values["email"] = result.email
        values["organization"] = result.organization?.name
        values["scopes"] = transaction.authorization.scopes.map { ["description": Self.describe(scope: $0)] }
        return render("consent", "consent.title", values, transaction)
    }

    /// The refusal page: the flow's message, and a way back to the app.
    func deniedPage(_ transaction: LoginTransaction, _ denial: FlowDenial) -> Response {
        var values = formValues(transaction)
        values["heading"] = "You cannot sign in"
        values["message"] = denial.message
        values["hint"] = "If you think this is wrong, contact your IT team."
        values["returnForm"] = true
        return render("error", "error.title", values, transaction, status: .forbidden)
    }

    private func formValues(_ transaction: LoginTransaction) -> [String: Any] {
        [
            "action": "/login/\(transaction.id)", "csrf": transaction.csrfToken,
            "app": runtime.directory.application(transaction.authorization.clientID)?.name ?? transaction.authorization.clientID.rawValue,
        ]
    }

    private func render(
        _ template: String, _ title: String, _ values: [String: Any], _ transaction: LoginTransaction, status: HTTPResponse.Status = .ok
    ) -> Response {
        runtime.pages.render(
            template, titleKey: title, values: values, branding: runtime.branding(for: transaction.brandingOrganization), status: status,
            policy: .login(redirectURI: transaction.authorization.redirectURI))
    }

    /// What the user is told when a value was not accepted.
    static func describe(_ error: PromptError) -> String {
        switch error {
        case .invalidEmail: "Enter an email address in the form name@example.com."
        case .invalidCredentials(let left) where left == 1: "That was not right. You have 1 try left."
        case .invalidCredentials(let left) where left > 1: "That was not right. You have \(left) tries left."
        case .invalidCredentials: "That was not right."
        case .codeAlreadyUsed: "That code was already used. Wait for your app to show the next code."
        case .unexpectedInput: "That form did not fit this step. Please try again."
        }
    }

    /// What a scope lets the app see, in words.
    static func describe(scope: String) -> String {
        switch scope {
        case "openid": "Know who you are"
        case "email": "See your email address"
        case "profile": "See your name"
        case "offline_access": "Keep access while you are not using it"
        case "organization", "org": "See your organization and roles"
        default: "Use the permission \u{201C}\(scope)\u{201D}"
        }
    }
}
