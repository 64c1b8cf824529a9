/// The graph syntaxes `gatehouse flow graph` writes.
public enum FlowGraphFormat: String, CaseIterable, Sendable {
    /// Mermaid `flowchart`, rendered inline by GitHub and most Markdown viewers.
    case mermaid
    /// Graphviz DOT, for `dot -Tsvg`.
    case dot
}

/// Draws a flow as a graph: one node per step labelled with its name and type, one edge per
/// transition labelled with its outcome (`when #1`, `default` for choice branches).
///
/// The start step is pointed at by a `start` marker; `allow` steps are green and `deny` steps red.
/// Node ids are generated (`s0`, `s1`, … in file order), so any step name is safe: names appear only
/// inside escaped labels. A transition to an undefined step gets a dashed `(undefined)` node, so a
/// broken flow can still be looked at. The output is the same on every run.
public enum FlowGraphRenderer {
    /// The flow in `format`, ending with a newline.
    public static func render(_ document: FlowDocument, format: FlowGraphFormat) -> String {
        let graph = Graph(document)
        switch format {
        case .mermaid: return mermaid(graph)
        case .dot: return dot(graph, id: document.id)
        }
    }

    // MARK: Mermaid

    private static func mermaid(_ graph: Graph) -> String {
        var lines = ["flowchart TD"]
        if graph.start != nil { lines.append("    flow_start((\"start\")):::start") }
        for node in graph.nodes {
            let label = "\"\(mermaidText(node.name))<br/>(\(mermaidText(node.type)))\""
            switch node.role {
            case .step: lines.append("    \(node.id)[\(label)]")
            case .choice: lines.append("    \(node.id){\(label)}")
            case .allow, .deny: lines.append("    \(node.id)([\(label)]):::\(node.role.rawValue)")
            case .undefined: lines.append("    \(node.id)[\(label)]:::undefined")
            }
        }
        if let start = graph.start { lines.append("    flow_start --> \(start)") }
        for edge in graph.edges { lines.append("    \(edge.from) -->|\"\(mermaidText(edge.label))\"| \(edge.to)") }
        lines += [
            "    classDef start fill:#37474f,stroke:#37474f,color:#ffffff",
            "    classDef allow fill:#d4edda,stroke:#2e7d32,color:#1b5e20",
            "    classDef deny fill:#f8d7da,stroke:#c62828,color:#b71c1c",
            "    classDef undefined stroke-dasharray:5 5",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text for a quoted Mermaid label. Mermaid decodes `#name;` entity codes anywhere in the text,
    /// so `;` is written as one too (no name can then form an entity), along with the characters
    /// that would end the quote or be read as HTML or Markdown.
    static func mermaidText(_ text: String) -> String {
        text.replacingScalars { scalar in
            switch scalar {
            case "\"": "#quot;"
            case ";": "#59;"
            case "&": "#amp;"
            case "<": "#lt;"
            case ">": "#gt;"
            case "`": "#96;"
            case _ where scalar.properties.generalCategory == .control: " "
            default: nil
            }
        }
    }

    // MARK: DOT

    private static func dot(_ graph: Graph, id: FlowID) -> String {
        var lines = [
            "digraph \(dotString(id.rawValue)) {",
            "    rankdir=TB;",
            "    node [shape=box, style=rounded, fontname=\"Helvetica\"];",
            "    edge [fontname=\"Helvetica\", fontsize=10];",
        ]
        if graph.start != nil {
            lines.append(
                "    flow_start [label=\"start\", shape=circle, style=filled, fillcolor=\"#37474f\", fontcolor=\"#ffffff\"];")
        }
        for node in graph.nodes {
            let label = dotString("\(node.name)\n(\(node.type))")
            let attributes: String
            switch node.role {
            case .step: attributes = ""
            case .choice: attributes = ", shape=diamond, style=solid"
            case .allow: attributes = ", shape=doublecircle, style=filled, color=\"#2e7d32\", fillcolor=\"#d4edda\""
            case .deny: attributes = ", shape=doublecircle, style=filled, color=\"#c62828\", fillcolor=\"#f8d7da\""
            case .undefined: attributes = ", style=dashed"
            }
            lines.append("    \(node.id) [label=\(label)\(attributes)];")
        }
        if let start = graph.start { lines.append("    flow_start -> \(start);") }
        for edge in graph.edges { lines.append("    \(edge.from) -> \(edge.to) [label=\(dotString(edge.label))];") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A DOT quoted string. Backslashes are doubled so label escapes (`\N`, `\l`) in a name stay
    /// literal; a line break becomes DOT's `\n`.
    static func dotString(_ text: String) -> String {
        let escaped = text.replacingScalars { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            case "\n": "\\n"
            case _ where scalar.properties.generalCategory == .control: " "
            default: nil
            }
        }
        return "\"" + escaped + "\""
    }
}

/// The nodes and edges both syntaxes draw, in file order.
private struct Graph {
    enum Role: String {
        case step, choice, allow, deny, undefined
    }

    struct Node {
        let id: String
        let name: String
        let type: String
        let role: Role
    }

    struct Edge {
        let from: String
        let to: String
        let label: String
    }

    private(set) var nodes: [Node] = []
    private(set) var edges: [Edge] = []
    private(set) var start: String?
    private var ids: [StepName: String] = [:]
    private var undefined = 0

    init(_ document: FlowDocument) {
        for (index, step) in document.steps.enumerated() {
            let id = "s\(index)"
            ids[step.name] = id
            nodes.append(Node(id: id, name: step.name.rawValue, type: step.typeName ?? "?", role: Self.role(of: step)))
        }
        if let name = document.start?.name { start = id(of: name) }
        for step in document.steps {
            for transition in step.transitions {
                edges.append(Edge(from: ids[step.name]!, to: id(of: transition.target), label: transition.label))
            }
        }
    }

    /// The node id of a step, adding an undefined node the first time an unknown name is met.
    private mutating func id(of name: StepName) -> String {
        if let id = ids[name] { return id }
        let id = "u\(undefined)"
        undefined += 1
        ids[name] = id
        nodes.append(Node(id: id, name: name.rawValue, type: "undefined", role: .undefined))
        return id
    }

    private static func role(of step: StepDefinition) -> Role {
        switch step.spec?.type {
        case ChoiceStep.spec.type: .choice
        case AllowStep.spec.type: .allow
        case DenyStep.spec.type: .deny
        default: .step
        }
    }
}
