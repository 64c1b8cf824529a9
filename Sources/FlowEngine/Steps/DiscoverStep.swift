/// `discover`: finds the organization that claims the email's domain.
///
/// `found` also when the organization was known beforehand (an org hint, a branded host, the
/// session); `suspended` when the organization or an ancestor is suspended. When the organization
/// (or an ancestor) overrides the flow for this app, the runner switches to that flow.
struct DiscoverStep: StepType {
    static let spec = StepSpec(
        type: "discover",
        summary: "Finds the organization by the email's verified domain (or a hint); switches to the org's flow override.",
        outcomes: [.found, .unknown, .suspended], fields: [], interactive: false)

    init(reading reader: inout ObjectReader) {}

    func enter(_ context: inout StepContext) -> StepDirective {
        if let email = context.state.email { return .effect(.discover(email: email)) }
        return conclude(&context, found: nil)
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        guard case .effect(.discovery(let result)) = event else { return .reprompt(.unexpectedInput) }
        if case .found(let organization) = result { return conclude(&context, found: organization) }
        return conclude(&context, found: nil)
    }

    private func conclude(_ context: inout StepContext, found: OrganizationContext?) -> StepDirective {
        if let found { context.state.organization = found }
        guard let organization = context.state.organization else { return .outcome(.unknown) }
        if organization.suspended { return .outcome(.suspended) }
        if let override = organization.flowOverrides[context.request.app], override != context.state.flow {
            return .switchFlow(override)
        }
        return .outcome(.found)
    }
}
