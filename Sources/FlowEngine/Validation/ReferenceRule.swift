/// Connections, levels, apps and organizations named in a flow must exist in the configuration.
///
/// Runs only when `flow check` is given a configuration.
public struct ReferenceRule: FlowRule {
    public let name = "unknown-reference"
    public init() {}

    public func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic] {
        guard let references else { return [] }
        var diagnostics: [Diagnostic] = []
        func unknown(_ what: String, _ value: String, among: [String], at node: JSONNode) {
            diagnostics.append(
                Diagnostic(
                    rule: name, message: "unknown \(what) '\(value)' (not in the configuration)", at: node,
                    suggestion: Suggestion.didYouMean(value, among: among)))
        }
        let connections = references.connections.keys.map(\.rawValue).sorted()
        let levels = references.levels.map(\.rawValue).sorted()
        for step in document.steps {
            let field = { (name: String) in step.node[name] ?? step.node }
            switch step.kind {
            case .federate(let s):
                if let id = s.connection, references.connections[id] == nil {
                    unknown("connection", id.rawValue, among: connections, at: field("connection"))
                }
            case .social(let s):
                if let kind = references.connections[s.connection] {
                    if kind != s.provider {
                        diagnostics.append(
                            Diagnostic(
                                rule: name, message: "connection '\(s.connection)' is a '\(kind)' connection, not '\(s.provider)'",
                                at: field("connection")))
                    }
                } else {
                    unknown("connection", s.connection.rawValue, among: connections, at: field("connection"))
                }
            case .assurance(let s):
                if let level = s.level, !references.levels.contains(level) {
                    unknown("level", level.rawValue, among: levels, at: field("level"))
                }
            case .choice(let s):
                let node = field("choices")
                for branch in s.branches {
                    for level in branch.when.levelReferences where !references.levels.contains(level) {
                        unknown("level", level.rawValue, among: levels, at: node)
                    }
                    for app in branch.when.appReferences where !references.apps.contains(AppID(app)) {
                        unknown("app", app, among: references.apps.map(\.rawValue).sorted(), at: node)
                    }
                    for org in branch.when.organizationReferences where !references.organizations.contains(OrgID(org)) {
                        unknown("organization", org, among: references.organizations.map(\.rawValue).sorted(), at: node)
                    }
                }
            default:
                break
            }
        }
        return diagnostics
    }
}
