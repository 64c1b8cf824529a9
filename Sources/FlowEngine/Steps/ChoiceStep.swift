/// `choice`: branches on a list of predicates; the first that holds wins, else `default`.
///
/// Branches name steps directly (`next` in each choice), so a choice has no outcomes.
struct ChoiceStep: StepType {
    static let spec = StepSpec(
        type: "choice",
        summary: "Branches on declarative predicates over app, org, org path, connection kind, claims, amr and acr.",
        outcomes: [],
        fields: [
            FieldSpec("choices", .choices, required: true, "Ordered list of {\"when\": predicate, \"next\": step}."),
            FieldSpec("default", .string, required: true, "The step taken when no choice holds."),
        ],
        interactive: false)

    /// One branch.
    struct Branch: Sendable, Hashable {
        var when: Predicate
        var next: StepName
        var targetNode: JSONNode
    }

    var branches: [Branch] = []
    var fallback: StepName = ""
    var fallbackNode: JSONNode?

    init(reading reader: inout ObjectReader) {
        var diagnostics: [Diagnostic] = []
        if let list = reader.node("choices", required: true) {
            if let elements = list.arrayElements, !elements.isEmpty {
                for element in elements {
                    guard var branch = ObjectReader(element, what: "a choice", diagnostics: &diagnostics) else { continue }
                    let whenNode = branch.node("when", required: true)
                    let next = branch.string("next", required: true)
                    let nextNode = branch.node("next")
                    branch.finish(into: &diagnostics)
                    if let whenNode, let predicate = Predicate.decode(whenNode, diagnostics: &diagnostics), let next, let nextNode {
                        branches.append(Branch(when: predicate, next: StepName(next), targetNode: nextNode))
                    }
                }
            } else {
                diagnostics.append(Diagnostic(rule: "wrong-type", message: "'choices' must be a non-empty array", at: list))
            }
        }
        if let target = reader.string("default", required: true) {
            fallback = StepName(target)
            fallbackNode = reader.node("default")
        }
        diagnostics.forEach { reader.report($0) }
    }

    func enter(_ context: inout StepContext) -> StepDirective {
        .jump(branches.first { $0.when.holds(in: context) }?.next ?? fallback)
    }
}
