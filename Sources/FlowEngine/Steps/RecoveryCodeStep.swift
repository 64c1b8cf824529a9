/// `recovery_code`: redeems one of the account's one-time recovery codes (counts as `otp`).
struct RecoveryCodeStep: StepType {
    static let spec = StepSpec(
        type: "recovery_code", summary: "Redeems a one-time recovery code in place of the second factor.",
        outcomes: [.success, .failure, .notEnrolled],
        fields: [FieldSpec("max_attempts", .integer(1...10), "Tries within one login before `failure` (default 3).")],
        interactive: true)

    var maxAttempts = 3

    init(reading reader: inout ObjectReader) {
        maxAttempts = reader.int("max_attempts", range: 1...10) ?? 3
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        guard let user = context.state.user else { return .outcome(.failure) }
        return user.recoveryCodesLeft > 0 ? .prompt(.recoveryCode) : .outcome(.notEnrolled)
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        guard let user = context.state.user else { return .outcome(.failure) }
        switch event {
        case .input(.code(let code)):
            return .effect(.verifyRecoveryCode(user: user.id, code: code))
        case .effect(.credential(.accepted)):
            context.state.user?.recoveryCodesLeft = max(0, user.recoveryCodesLeft - 1)
            context.addMethod(AuthenticationMethod.oneTimePassword)
            return .outcome(.success)
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
