extension Predicate {
    /// Whether the predicate holds for the transaction.
    func holds(in context: StepContext) -> Bool {
        switch self {
        case .all(let predicates): return predicates.allSatisfy { $0.holds(in: context) }
        case .any(let predicates): return predicates.contains { $0.holds(in: context) }
        case .not(let predicate): return !predicate.holds(in: context)
        case .test(let field, let op): return op.holds(for: field.values(in: context), field: field, context: context)
        }
    }
}

extension PredicateField {
    /// The field's values in the transaction: none when absent, several for lists.
    func values(in context: StepContext) -> [String] {
        let state = context.state
        switch self {
        case .app: return [context.request.app.rawValue]
        case .organization: return state.organization.map { [$0.id.rawValue] } ?? []
        case .organizationPath: return state.organization?.path.map(\.rawValue) ?? []
        case .connection: return state.organization?.connection.map { [$0.id.rawValue] } ?? []
        case .connectionKind: return state.organization?.connection.map { [$0.kind.rawValue] } ?? []
        case .amr: return state.amr
        case .acr: return context.policy.level(amr: state.amr, upstream: state.upstreamLevel).map { [$0.rawValue] } ?? []
        case .emailDomain: return state.email.flatMap(EmailSyntax.domain(of:)).map { [$0] } ?? []
        case .user: return state.user.map { [$0.id.rawValue] } ?? []
        case .claim(let name): return state.claims[name].map { [$0] } ?? []
        }
    }
}

extension PredicateOperator {
    func holds(for values: [String], field: PredicateField, context: StepContext) -> Bool {
        switch self {
        case .equals(let expected): return values.count == 1 && values[0] == expected
        case .oneOf(let allowed): return values.count == 1 && allowed.contains(values[0])
        case .contains(let member): return values.contains(member)
        case .exists(let present): return values.isEmpty != present
        case .atLeast(let level): return context.policy.satisfies(values.first.map(LevelName.init), required: level)
        }
    }
}
