/// `password`: checks the account's password.
///
/// Skipped (success) when the session already proved `pwd` for this user. An unknown account is
/// refused exactly like a wrong password. The per-account lockout is the environment's; `max_attempts`
/// bounds tries inside one transaction.
struct PasswordStep: StepType {
    static let spec = StepSpec(
        type: "password", summary: "Checks the account's password (scrypt); per-account attempt limit and lockout.",
        outcomes: [.success, .failure, .locked],
        fields: [FieldSpec("max_attempts", .integer(1...10), "Tries within one login before `failure` (default 3).")],
        interactive: true)

    var maxAttempts = 3

    init(reading reader: inout ObjectReader) {
        maxAttempts = reader.int("max_attempts", range: 1...10) ?? 3
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        guard let email = context.state.email else { return .outcome(.failure) }
        if context.state.user != nil, context.state.amr.contains(AuthenticationMethod.password) { return .outcome(.success) }
        return .prompt(.password(email: email))
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        switch event {
        case .input(.password(let password)):
            guard let email = context.state.email else { return .outcome(.failure) }
            return .effect(.verifyPassword(email: email, password: password))
        case .effect(.credential(.accepted(let user?))):
            if let known = context.state.user, known.id != user.id { return .outcome(.failure) }
            context.state.user = user
            context.addMethod(AuthenticationMethod.password)
            return .outcome(.success)
        case .effect(.credential(.locked)):
            return .outcome(.locked)
        case .effect(.credential):
            return context.failedAttempt(maxAttempts: maxAttempts)
        default:
            return .reprompt(.unexpectedInput)
        }
    }
}
