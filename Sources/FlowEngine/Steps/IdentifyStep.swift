import Foundation

/// `identify`: asks for an email address (identifier-first login).
///
/// Skipped when the email is already known from a `login_hint` or an SSO session.
struct IdentifyStep: StepType {
    static let spec = StepSpec(
        type: "identify", summary: "Asks for the user's email address; skipped when a login_hint or session supplies it.",
        outcomes: [.success], fields: [], interactive: true)

    init(reading reader: inout ObjectReader) {}

    func enter(_ context: inout StepContext) -> StepDirective {
        context.state.email == nil ? .prompt(.email) : .outcome(.success)
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        guard case .input(.email(let typed)) = event else { return .reprompt(.unexpectedInput) }
        guard let email = EmailSyntax.normalized(typed) else { return .reprompt(.invalidEmail) }
        context.state.email = email
        return .outcome(.success)
    }
}

/// The light syntax check the identify step makes; discovery parses the domain fully.
public enum EmailSyntax {
    /// The address trimmed, with its domain lowercased, or nil when it is not `local@domain`.
    public static func normalized(_ text: String) -> String? {
        if isNormalizedASCII(text) { return text }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count <= 254 else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !trimmed.contains(where: { $0.isWhitespace || $0.isNewline })
        else { return nil }
        return "\(parts[0])@\(parts[1].lowercased())"
    }

    /// Whether `text` is already what ``normalized(_:)`` returns, checked in one pass over its bytes:
    /// printable ASCII without spaces, one `@` with something on each side, no uppercase letter after it.
    static func isNormalizedASCII(_ text: String) -> Bool {
        var at: Int?
        var count = 0
        for byte in text.utf8 {
            if byte <= 0x20 || byte >= 0x7F { return false }
            if byte == UInt8(ascii: "@") {
                if at != nil { return false }
                at = count
            } else if at != nil, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                return false
            }
            count += 1
        }
        guard let at else { return false }
        return at > 0 && at < count - 1 && count <= 254
    }

    /// The domain part of a normalized address.
    public static func domain(of email: String) -> String? {
        email.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init)
    }
}
