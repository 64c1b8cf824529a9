/// `allow`: ends the login successfully (terminal).
///
/// The runner still refuses when no account is known or the level reached is below the required one,
/// so a flow that forgets an `assurance` step cannot issue a weaker login than the app demands.
struct AllowStep: StepType {
    static let spec = StepSpec(
        type: "allow", summary: "Ends the login successfully (refused if below the required level or without an account).",
        outcomes: [], fields: [FieldSpec("claims", .stringMap, "Static claims added to the result.")], interactive: false,
        terminal: true)

    var claims: [String: String] = [:]

    init(reading reader: inout ObjectReader) {
        if let node = reader.node("claims") {
            if let members = node.objectMembers, members.allSatisfy({ $0.value.stringValue != nil }) {
                claims = Dictionary(members.map { ($0.key, $0.value.stringValue!) }, uniquingKeysWith: { a, _ in a })
            } else {
                reader.report(Diagnostic(rule: "wrong-type", message: "'claims' must be an object of strings", at: node))
            }
        }
    }

    func enter(_ context: inout StepContext) -> StepDirective { .allow(extraClaims: claims) }
}
