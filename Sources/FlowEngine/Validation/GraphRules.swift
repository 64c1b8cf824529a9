/// The start step must exist.
public struct StartStepRule: FlowRule {
    public let name = "unknown-start-step"
    public init() {}
    public func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic] {
        guard let (start, node) = document.start, document.step(start) == nil else { return [] }
        return [
            Diagnostic(
                rule: name, message: "start step '\(start)' is not defined", at: node,
                suggestion: Suggestion.didYouMean(start.rawValue, among: document.steps.map(\.name.rawValue)))
        ]
    }
}

/// Every transition must lead to a defined step.
public struct TransitionTargetRule: FlowRule {
    public let name = "unknown-transition-target"
    public init() {}
    public func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic] {
        let names = document.steps.map(\.name.rawValue)
        return document.steps.flatMap { step in
            step.transitions.filter { document.step($0.target) == nil }.map { transition in
                Diagnostic(
                    rule: name, message: "step '\(step.name)' goes to unknown step '\(transition.target)' on '\(transition.label)'",
                    at: transition.node, suggestion: Suggestion.didYouMean(transition.target.rawValue, among: names))
            }
        }
    }
}

/// Transitions must be labelled with outcomes the step type produces, and every outcome needs one.
public struct OutcomeRule: FlowRule {
    public let name = "outcome"
    public init() {}
    public func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for step in document.steps {
            guard let spec = step.spec, !spec.terminal, spec.type != "choice" else { continue }
            let outcomes = spec.outcomes.map(\.rawValue)
            for transition in step.transitions {
                guard let outcome = transition.outcome, !spec.outcomes.contains(outcome) else { continue }
                diagnostics.append(
                    Diagnostic(
                        rule: "unknown-outcome",
                        message: "a '\(spec.type)' step never produces '\(outcome)'; its outcomes are \(outcomes.joined(separator: ", "))",
                        location: transition.node.location, pointer: transition.node.pointer,
                        suggestion: Suggestion.didYouMean(outcome.rawValue, among: outcomes)))
            }
            let handled = Set(step.transitions.compactMap(\.outcome))
            for outcome in spec.outcomes where !handled.contains(outcome) {
                diagnostics.append(
                    Diagnostic(
                        rule: "missing-outcome", message: "step '\(step.name)' has no transition for its outcome '\(outcome)'",
                        at: step.node, suggestion: "add \"\(outcome)\": \"<step>\" to its 'next'"))
            }
        }
        return diagnostics
    }
}

/// Every step must be reachable from the start step.
public struct ReachabilityRule: FlowRule {
    public let name = "unreachable-step"
    public init() {}
    public func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic] {
        guard let start = document.start?.name, document.step(start) != nil else { return [] }
        let reached = FlowGraph(document).reachable(from: [start])
        return document.steps.filter { !reached.contains($0.name) }.map { step in
            Diagnostic(
                .warning, rule: name, message: "step '\(step.name)' cannot be reached from the start step '\(start)'", at: step.node,
                suggestion: "remove it or add a transition to it")
        }
    }
}

/// From every reachable step, some path must end in `allow` or `deny`.
public struct TerminalPathRule: FlowRule {
    public let name = "no-terminal-path"
    public init() {}
    public func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic] {
        guard let start = document.start?.name, document.step(start) != nil else { return [] }
        let graph = FlowGraph(document)
        let reachable = graph.reachable(from: [start])
        // Steps already reported (unknown type, a transition to an undefined step) count as ends, so one
        // mistake is reported once.
        let terminals = document.steps.filter { step in
            step.spec?.terminal == true || step.kind == nil || step.transitions.contains { document.step($0.target) == nil }
        }.map(\.name)
        let canFinish = graph.reachable(from: terminals, reversed: true)
        return document.steps.filter { reachable.contains($0.name) && !canFinish.contains($0.name) }.map { step in
            Diagnostic(
                rule: name, message: "no path from step '\(step.name)' ever reaches an allow or deny step", at: step.node,
                suggestion: "route one of its outcomes towards an allow or deny step")
        }
    }
}

/// A cycle must ask the user (or an IdP) for something, or it would spin until the step limit.
public struct BusyLoopRule: FlowRule {
    public let name = "busy-loop"
    public init() {}
    public func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic] {
        let passive = document.steps.filter { $0.spec.map { !$0.interactive && !$0.terminal } ?? false }
        let passiveNames = Set(passive.map(\.name))
        let graph = FlowGraph(document, keeping: passiveNames)
        return graph.cycles().map { cycle in
            let first = document.step(cycle[0])!
            return Diagnostic(
                rule: name,
                message: "steps \(cycle.map { "'\($0)'" }.joined(separator: " → ")) form a loop that never asks the user for anything",
                at: first.node, suggestion: "break the loop or put an interactive step in it")
        }
    }
}

/// Step-to-step edges of a flow, for the graph rules.
struct FlowGraph {
    private var edges: [StepName: [StepName]] = [:]
    private var order: [StepName] = []

    /// The graph of `document`, optionally restricted to the steps in `keeping`.
    init(_ document: FlowDocument, keeping: Set<StepName>? = nil) {
        for step in document.steps where keeping?.contains(step.name) ?? true {
            order.append(step.name)
            edges[step.name] = step.transitions.map(\.target).filter { keeping?.contains($0) ?? (document.step($0) != nil) }
        }
    }

    /// Steps reachable from `sources` (including them), following edges backwards when `reversed`.
    func reachable(from sources: [StepName], reversed: Bool = false) -> Set<StepName> {
        var adjacency = edges
        if reversed {
            adjacency = [:]
            for (from, targets) in edges { for target in targets { adjacency[target, default: []].append(from) } }
        }
        var seen = Set(sources)
        var stack = sources
        while let next = stack.popLast() {
            for target in adjacency[next] ?? [] where seen.insert(target).inserted { stack.append(target) }
        }
        return seen
    }

    /// One representative cycle per strongly connected component with a cycle (Tarjan's algorithm).
    func cycles() -> [[StepName]] {
        var index = 0
        var indices: [StepName: Int] = [:]
        var lowlink: [StepName: Int] = [:]
        var stack: [StepName] = []
        var onStack: Set<StepName> = []
        var result: [[StepName]] = []

        func connect(_ v: StepName) {
            indices[v] = index
            lowlink[v] = index
            index += 1
            stack.append(v)
            onStack.insert(v)
            for w in edges[v] ?? [] {
                if indices[w] == nil {
                    connect(w)
                    lowlink[v] = min(lowlink[v]!, lowlink[w]!)
                } else if onStack.contains(w) {
                    lowlink[v] = min(lowlink[v]!, indices[w]!)
                }
            }
            if lowlink[v] == indices[v] {
                var component: [StepName] = []
                while let w = stack.popLast() {
                    onStack.remove(w)
                    component.append(w)
                    if w == v { break }
                }
                if component.count > 1 || (edges[v] ?? []).contains(v) {
                    let members = Set(component)
                    result.append(order.filter { members.contains($0) })
                }
            }
        }
        for v in order where indices[v] == nil { connect(v) }
        return result
    }
}
