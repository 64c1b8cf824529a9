/// `email_otp`: sends a one-time code to the email address and checks it (adds amr `email`).
///
/// Proves control of the mailbox, so it can also be the only factor of a passwordless flow.
struct EmailOTPStep: StepType {
    static let spec = StepSpec(
        type: "email_otp", summary: "Sends a one-time code to the email address and checks it.",
        outcomes: [.success, .failure],
        fields: [FieldSpec("max_attempts", .integer(1...10), "Tries within one login before `failure` (default 3).")],
        interactive: true)

    var maxAttempts = 3

    init(reading reader: inout ObjectReader) {
        maxAttempts = reader.int("max_attempts", range: 1...10) ?? 3
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        guard let email = context.state.email else { return .outcome(.failure) }
        if context.state.amr.contains(AuthenticationMethod.email) { return .outcome(.success) }
        return .effect(.sendEmailOTP(email: email))
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        guard let email = context.state.email else { return .outcome(.failure) }
        switch event {
        case .effect(.sent(let to)):
            return .prompt(.emailOTP(sentTo: to))
        case .input(.code(let code)):
            return .effect(.verifyEmailOTP(email: email, code: code))
        case .effect(.credential(.accepted(let user))):
            if let user {
                if let known = context.state.user, known.id != user.id { return .outcome(.failure) }
                context.state.user = user
            }
            context.addMethod(AuthenticationMethod.email)
            return .outcome(.success)
        case .effect(.credential(.expired)), .effect(.credential(.locked)):
            return .outcome(.failure)
        case .effect(.credential):
            return context.failedAttempt(maxAttempts: maxAttempts)
        default:
            return .reprompt(.unexpectedInput)
        }
    }
}
