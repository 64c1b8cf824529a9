/// Something that happens to a suspended transaction.
public enum FlowEvent: Sendable, Hashable, Codable {
    /// The user submitted the page they were shown.
    case input(UserInput)
    /// The environment finished an effect.
    case effect(EffectResult)
    /// The upstream IdP answered.
    case upstream(UpstreamResponse)
}

/// What a user can submit on a hosted page.
public enum UserInput: Sendable, Hashable, Codable {
    /// An email address (identify).
    case email(String)
    /// A password.
    case password(Secret)
    /// A TOTP, email or recovery code.
    case code(Secret)
    /// The user gave up.
    case cancel
}

/// A page the user must be shown.
public struct Prompt: Sendable, Hashable, Codable {
    /// The step that asks.
    public var step: StepName
    /// What is asked for.
    public var kind: PromptKind
    /// Why the previous answer was not accepted, if it was not.
    public var error: PromptError?

    /// Creates a prompt.
    public init(step: StepName, kind: PromptKind, error: PromptError? = nil) {
        self.step = step
        self.kind = kind
        self.error = error
    }
}

/// The kinds of hosted page.
public enum PromptKind: Sendable, Hashable, Codable {
    case email
    case password(email: String)
    case totp
    case totpEnrollment(TOTPEnrollmentOffer)
    case emailOTP(sentTo: String)
    case recoveryCode
}

/// Why a submitted value was refused.
public enum PromptError: Sendable, Hashable, Codable {
    /// Not an email address.
    case invalidEmail
    /// Wrong password or code; how many tries remain in this transaction.
    case invalidCredentials(attemptsLeft: Int)
    /// A one-time code that was already used.
    case codeAlreadyUsed
    /// The value submitted does not fit this page.
    case unexpectedInput
}
