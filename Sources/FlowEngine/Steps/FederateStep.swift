/// `federate`: sends the user to a customer IdP (SAML 2.0 or OIDC) and takes back the verified identity.
///
/// `connection` names a fixed connection, or `discovered` (the default) for the connection of the
/// discovered organization (inherited down the hierarchy). Skipped (success) when the session was
/// established through the same connection.
struct FederateStep: StepType {
    static let spec = StepSpec(
        type: "federate",
        summary: "Authenticates at a customer IdP (SAML or OIDC): a fixed connection or the discovered org's.",
        outcomes: [.success, .failure],
        fields: [FieldSpec("connection", .string, "A connection id, or `discovered` (default) for the organization's connection.")],
        interactive: true)

    /// The placeholder that means "the discovered organization's connection".
    static let discovered = "discovered"

    var connection: ConnectionID?

    init(reading reader: inout ObjectReader) {
        let value = reader.string("connection") ?? Self.discovered
        connection = value == Self.discovered ? nil : ConnectionID(value)
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        let reference: (ConnectionID, ConnectionKind?)?
        if let connection {
            reference = (connection, context.state.organization?.connection.flatMap { $0.id == connection ? $0.kind : nil })
        } else {
            reference = context.state.organization?.connection.map { ($0.id, $0.kind) }
        }
        guard let (id, kind) = reference else { return .outcome(.failure) }
        return federation(&context, connection: id, kind: kind)
    }

    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective {
        absorbUpstream(&context, event)
    }
}

extension StepType {
    /// Starts (or skips, when the session already came through it) a federated authentication.
    func federation(_ context: inout StepContext, connection: ConnectionID, kind: ConnectionKind?) -> StepDirective {
        if context.state.upstream?.connection == connection, context.state.user != nil { return .outcome(.success) }
        return .upstream(
            UpstreamRequest(
                step: context.name, connection: connection, kind: kind, loginHint: context.state.email,
                requiredLevel: context.requiredLevel))
    }

    /// Takes a verified upstream identity into the transaction (amr, level, claims, email).
    func absorbUpstream(_ context: inout StepContext, _ event: FlowEvent) -> StepDirective {
        switch event {
        case .upstream(.authenticated(let identity)):
            context.addMethods(identity.amr + [AuthenticationMethod.federated])
            context.state.upstreamLevel = context.policy.stronger(context.state.upstreamLevel, identity.level)
            context.state.upstream = UpstreamLink(connection: identity.connection, subject: identity.subject)
            context.state.claims.merge(identity.claims) { _, new in new }
            // Only the IdP's word counts for a federated email: the address the user typed is not
            // proof of anything, so without an asserted email there is nothing to link an account by.
            let email = identity.email.flatMap(EmailSyntax.normalized)
            if let known = context.state.user, known.email.lowercased() != email?.lowercased() { return .outcome(.failure) }
            context.state.email = email
            return .outcome(.success)
        case .upstream(.failed):
            return .outcome(.failure)
        default:
            return .reprompt(.unexpectedInput)
        }
    }
}
