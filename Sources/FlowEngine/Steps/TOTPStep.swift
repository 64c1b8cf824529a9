/// `totp`: checks an RFC 6238 code, or enrolls an authenticator when the account has none.
///
/// Skipped (success) when `otp` was already used in this transaction or session.
struct TOTPStep: StepType {
    static let spec = StepSpec(
        type: "totp", summary: "Checks a TOTP code (RFC 6238, no reuse in its window); can enroll a new authenticator.",
        outcomes: [.success, .failure, .notEnrolled],
        fields: [
            FieldSpec("enroll", .boolean, "Offer enrollment when the account has no authenticator (default false: `not_enrolled`)."),
            FieldSpec("max_attempts", .integer(1...10), "Tries within one login before `failure` (default 3)."),
        ],
        interactive: true)

    var enroll = false
    var maxAttempts = 3

    init(reading reader: inout ObjectReader) {
        enroll = reader.bool("enroll") ?? false
        maxAttempts = reader.int("max_attempts", range: 1...10) ?? 3
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        guard let user = context.state.user else { return .outcome(.failure) }
        if context.state.amr.contains(AuthenticationMethod.oneTimePassword) { return .outcome(.success) }
        if user.hasTOTP { return .prompt(.totp) }
        return enroll ? .effect(.startTOTPEnrollment(user: user.id)) : .outcome(.notEnrolled)
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        guard let user = context.state.user else { return .outcome(.failure) }
        switch event {
        case .effect(.enrollment(let offer)):
            context.state.pendingEnrollment = offer
            return .prompt(.totpEnrollment(offer))
        case .input(.code(let code)):
            return context.state.pendingEnrollment == nil
                ? .effect(.verifyTOTP(user: user.id, code: code)) : .effect(.finishTOTPEnrollment(user: user.id, code: code))
        case .effect(.credential(.accepted)):
            if context.state.pendingEnrollment != nil {
                context.state.pendingEnrollment = nil
                context.state.user?.hasTOTP = true
            }
            context.addMethod(AuthenticationMethod.oneTimePassword)
            return .outcome(.success)
        case .effect(.credential(.reused)):
            context.attempts += 1
            return context.attempts < maxAttempts ? .reprompt(.codeAlreadyUsed) : .outcome(.failure)
        case .effect(.credential(.locked)):
            return .outcome(.failure)
        case .effect(.credential(.notEnrolled)):
            return .outcome(.notEnrolled)
        case .effect(.credential):
            return context.failedAttempt(maxAttempts: maxAttempts)
        default:
            return .reprompt(.unexpectedInput)
        }
    }
}
