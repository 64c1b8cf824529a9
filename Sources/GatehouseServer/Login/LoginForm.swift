import FlowEngine
import Foundation
import Hummingbird

/// The fields a hosted login page can post (`application/x-www-form-urlencoded`), all optional: which
/// ones matter depends on the page the transaction waits on.
struct LoginForm: Decodable, Sendable {
    /// The CSRF token of the transaction (hidden field).
    var csrf: String?
    /// The identify page's email.
    var email: String?
    /// The password page's password.
    var password: String?
    /// A TOTP, email or recovery code.
    var code: String?
    /// `cancel` (give up) or `return` (back to the app from a refusal).
    var action: String?
    /// The organization picked on the organization page.
    var organization: String?
    /// `allow` or `deny` on the consent page.
    var decision: String?

    /// Reads the form from a request body (already bounded by ``BodyLimitMiddleware``).
    /// - Throws: ``LoginPageError/badForm`` when the body is not a form.
    static func decode(_ request: Request, context: GatehouseRequestContext) async throws -> LoginForm {
        let body = try await request.body.collect(upTo: context.bodyLimit)
        do {
            return try URLEncodedFormDecoder().decode(LoginForm.self, from: String(buffer: body))
        } catch {
            throw LoginPageError.badForm
        }
    }

    /// Whether the user asked to give up.
    var isCancel: Bool { action == "cancel" }

    /// The answer to `prompt`, or nil when the field the page asks for is missing or empty (which is
    /// re-asked without counting as an attempt).
    func input(for prompt: PromptKind) -> UserInput? {
        func value(_ text: String?) -> String? {
            guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
            return text
        }
        switch prompt {
        case .email: return value(email).map(UserInput.email)
        case .password: return value(password).map { .password(Secret($0)) }
        case .totp, .totpEnrollment, .emailOTP, .recoveryCode:
            // Authenticator apps show codes as "123 456"; the spaces are not part of the code.
            return value(code).map { .code(Secret($0.filter { !$0.isWhitespace })) }
        }
    }
}

extension UserInput {
    /// Whether the input is a password or code (what the per-address limit counts).
    var isCredential: Bool {
        switch self {
        case .password, .code: true
        case .email, .cancel: false
        }
    }
}

extension PromptKind {
    /// A short fixed name for metrics and logs.
    var name: String {
        switch self {
        case .email: "email"
        case .password: "password"
        case .totp: "totp"
        case .totpEnrollment: "totp_enrollment"
        case .emailOTP: "email_otp"
        case .recoveryCode: "recovery_code"
        }
    }
}
