/// `provision`: just-in-time account and membership, with upstream attributes mapped to claims.
///
/// `mapping` maps claim names to the names of claims collected so far (upstream attributes), e.g.
/// `{"name": "displayName"}`. With `create: false` only an existing account is linked.
struct ProvisionStep: StepType {
    static let spec = StepSpec(
        type: "provision", summary: "Creates or links the account and its organization membership; maps upstream attributes.",
        outcomes: [.success, .failure],
        fields: [
            FieldSpec("create", .boolean, "Create the account when none exists (default true)."),
            FieldSpec("roles", .strings, "Roles for a new membership in the organization (default none)."),
            FieldSpec("mapping", .stringMap, "Claim name → name of the upstream attribute to copy."),
        ],
        interactive: false)

    var create = true
    var roles: [String] = []
    var mapping: [String: String] = [:]

    init(reading reader: inout ObjectReader) {
        create = reader.bool("create") ?? true
        roles = reader.strings("roles") ?? []
        if let node = reader.node("mapping") {
            if let members = node.objectMembers, members.allSatisfy({ $0.value.stringValue != nil }) {
                mapping = Dictionary(members.map { ($0.key, $0.value.stringValue!) }, uniquingKeysWith: { a, _ in a })
            } else {
                reader.report(Diagnostic(rule: "wrong-type", message: "'mapping' must be an object of strings", at: node))
            }
        }
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        guard let email = context.state.email else { return .outcome(.failure) }
        var claims: [String: String] = [:]
        for (claim, source) in mapping {
            if let value = context.state.claims[source] { claims[claim] = value }
        }
        return .effect(
            .provision(
                ProvisionRequest(
                    email: email, organization: context.state.organization?.id, create: create, roles: roles, claims: claims,
                    upstream: context.state.upstream)))
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        switch event {
        case .effect(.provisioned(let user)):
            context.state.user = user
            for (claim, source) in mapping {
                if let value = context.state.claims[source] { context.state.claims[claim] = value }
            }
            return .outcome(.success)
        case .effect(.provisioningFailed):
            return .outcome(.failure)
        default:
            return .reprompt(.unexpectedInput)
        }
    }
}
