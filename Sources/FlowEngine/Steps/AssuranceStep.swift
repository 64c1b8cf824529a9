/// `assurance`: compares the level reached so far with the level required (DESIGN.md §5).
///
/// The required level is the step's `level`, else the stronger of the app's (raised by `acr_values`)
/// and the organization's. `unmet` is where a flow sends the user to step up.
struct AssuranceStep: StepType {
    static let spec = StepSpec(
        type: "assurance", summary: "Compares the level reached (from amr and upstream acr) with the required level.",
        outcomes: [.met, .unmet],
        fields: [FieldSpec("level", .string, "The level to require (default: the app's, request's or organization's).")],
        interactive: false)

    var level: LevelName?

    init(reading reader: inout ObjectReader) {
        level = reader.string("level").map(LevelName.init)
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        let required = level.map { context.policy.stronger($0, context.requiredLevel) } ?? context.requiredLevel
        let reached = context.policy.level(amr: context.state.amr, upstream: context.state.upstreamLevel)
        return .outcome(context.policy.satisfies(reached, required: required) ? .met : .unmet)
    }
}
