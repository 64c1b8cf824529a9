import Foundation

/// A flow file as decoded, problems and all: what the validator's rules inspect.
///
/// Decoding is best-effort so that every problem of a file is reported in one run; a step whose
/// type is unknown is kept (with `kind == nil`) so references to it are not reported twice.
public struct FlowDocument: Sendable {
    /// The file the flow came from.
    public var file: String
    /// The flow's id (`id`, else the file name without `.json`).
    public var id: FlowID
    /// What the flow is for.
    public var summary: String?
    /// The start step, with its node.
    public var start: (name: StepName, node: JSONNode)?
    /// The maximum number of steps one transaction may enter (guards against runaway loops).
    public var maxSteps: Int
    /// How long a transaction may take, in seconds.
    public var timeout: TimeInterval
    /// The steps, in file order.
    public var steps: [StepDefinition]
    /// The whole document.
    public var root: JSONNode

    /// The step named `name`.
    public func step(_ name: StepName) -> StepDefinition? { steps.first { $0.name == name } }
}

/// One step of a flow file.
public struct StepDefinition: Sendable {
    /// The step's name (its key under `steps`).
    public var name: StepName
    /// The step's object.
    public var node: JSONNode
    /// The step's `type` as written, if it was a string.
    public var typeName: String?
    /// The decoded behaviour; nil when the type is unknown or missing.
    var kind: StepKind?
    /// The transitions out of the step.
    public var transitions: [Transition]

    /// The step type's spec, when the type is known.
    public var spec: StepSpec? { kind?.spec }
}

/// A labelled edge from a step to another.
public struct Transition: Sendable, Hashable {
    /// The outcome that takes it; nil for a choice branch or default.
    public var outcome: Outcome?
    /// The label shown in graphs (the outcome, `when #1`, `default`).
    public var label: String
    /// The target step.
    public var target: StepName
    /// The node holding the target name.
    public var node: JSONNode
}

/// Turns a flow file into a ``FlowDocument`` and diagnostics.
public enum FlowDecoder {
    /// The top-level members a flow file may have.
    static let topLevelFields = ["$schema", "id", "description", "start", "max_steps", "timeout_seconds", "steps"]

    /// Decodes flow source text.
    /// - Parameters:
    ///   - bytes: The file's content.
    ///   - file: The name diagnostics print.
    /// - Returns: The document (nil when the JSON itself is broken) and every problem found.
    public static func decode(_ bytes: [UInt8], file: String) -> (FlowDocument?, [Diagnostic]) {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes, file: file)
        } catch {
            return (nil, [Diagnostic(rule: "json-syntax", message: error.message, location: error.location, pointer: .root)])
        }
        var diagnostics: [Diagnostic] = []
        guard var reader = ObjectReader(root, what: "a flow file", diagnostics: &diagnostics) else { return (nil, diagnostics) }
        _ = reader.has("$schema")
        let fileID = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let id = FlowID(reader.string("id") ?? fileID)
        let summary = reader.string("description")
        let startName = reader.string("start", required: true)
        let startNode = reader.node("start")
        let maxSteps = reader.int("max_steps", range: 1...1000) ?? 50
        let timeout = reader.int("timeout_seconds", range: 10...86_400) ?? 900
        var steps: [StepDefinition] = []
        if let stepsNode = reader.node("steps", required: true) {
            if let members = stepsNode.objectMembers {
                if members.isEmpty {
                    diagnostics.append(Diagnostic(rule: "missing-field", message: "'steps' must define at least one step", at: stepsNode))
                }
                steps = members.compactMap { decodeStep($0, diagnostics: &diagnostics) }
            } else {
                diagnostics.append(
                    Diagnostic(rule: "wrong-type", message: "'steps' must be an object, not \(stepsNode.value.kindName)", at: stepsNode))
            }
        }
        reader.finish(into: &diagnostics)
        let start = startName.flatMap { name in startNode.map { (StepName(name), $0) } }
        let document = FlowDocument(
            file: file, id: id, summary: summary, start: start, maxSteps: maxSteps, timeout: TimeInterval(timeout), steps: steps,
            root: root)
        return (document, diagnostics)
    }

    private static func decodeStep(_ member: JSONMember, diagnostics: inout [Diagnostic]) -> StepDefinition? {
        let name = StepName(member.key)
        guard var reader = ObjectReader(member.value, what: "step '\(name)'", diagnostics: &diagnostics) else { return nil }
        let typeName = reader.string("type", required: true)
        let typeNode = reader.node("type")
        var kind: StepKind?
        if let typeName, let typeNode {
            kind = StepKind.decode(type: typeName, reader: &reader)
            if kind == nil {
                reader.report(
                    Diagnostic(
                        rule: "unknown-step-type", message: "unknown step type '\(typeName)'", at: typeNode,
                        suggestion: Suggestion.didYouMean(typeName, among: StepCatalog.specs.map(\.type))))
            }
        }
        // Without a known type the step's own fields cannot be judged; the type error says enough.
        if kind == nil { reader.acceptRemaining() }
        _ = reader.string("description")
        var transitions: [Transition] = []
        if let next = reader.node("next") {
            if case .choice = kind {
                reader.report(
                    Diagnostic(rule: "invalid-transition", message: "a choice step branches with 'choices' and 'default', not 'next'", at: next))
            } else if kind?.spec.terminal == true {
                reader.report(
                    Diagnostic(rule: "invalid-transition", message: "'\(typeName ?? "")' ends the flow and takes no 'next'", at: next))
            } else if let members = next.objectMembers {
                for member in members {
                    guard let target = member.value.stringValue else {
                        reader.report(
                            Diagnostic(
                                rule: "wrong-type", message: "transition '\(member.key)' must name a step, not \(member.value.value.kindName)",
                                at: member.value))
                        continue
                    }
                    transitions.append(
                        Transition(outcome: Outcome(member.key), label: member.key, target: StepName(target), node: member.value))
                }
            } else {
                reader.report(
                    Diagnostic(rule: "wrong-type", message: "'next' must be an object of outcome → step, not \(next.value.kindName)", at: next))
            }
        }
        if case .choice(let choice) = kind {
            for (index, branch) in choice.branches.enumerated() {
                transitions.append(Transition(outcome: nil, label: "when #\(index + 1)", target: branch.next, node: branch.targetNode))
            }
            if let node = choice.fallbackNode {
                transitions.append(Transition(outcome: nil, label: "default", target: choice.fallback, node: node))
            }
        }
        reader.finish(into: &diagnostics)
        return StepDefinition(name: name, node: member.value, typeName: typeName, kind: kind, transitions: transitions)
    }
}
