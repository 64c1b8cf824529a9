/// `deny`: ends the login with a refusal: a reason code for the app and a message for the user (terminal).
struct DenyStep: StepType {
    static let spec = StepSpec(
        type: "deny", summary: "Ends the login with a refusal: a reason code and a user-facing message.",
        outcomes: [],
        fields: [
            FieldSpec("reason", .string, "Machine-readable reason code (default `access_denied`)."),
            FieldSpec("message", .string, "What the user is told."),
        ],
        interactive: false, terminal: true)

    var reason = "access_denied"
    var message = "You cannot sign in here. Contact your administrator if you think this is wrong."

    init(reading reader: inout ObjectReader) {
        if let reason = reader.string("reason") { self.reason = reason }
        if let message = reader.string("message") { self.message = message }
    }

    func enter(_ context: inout StepContext) -> StepDirective { .deny(reason: reason, message: message) }
}
