/// The names a flow may refer to, taken from the configuration, for the reference check.
public struct FlowReferences: Sendable {
    /// Configured connections and their kinds.
    public var connections: [ConnectionID: ConnectionKind]
    /// Configured levels.
    public var levels: Set<LevelName>
    /// Configured apps.
    public var apps: Set<AppID>
    /// Configured organizations.
    public var organizations: Set<OrgID>

    /// Creates the reference set.
    public init(connections: [ConnectionID: ConnectionKind], levels: Set<LevelName>, apps: Set<AppID>, organizations: Set<OrgID>) {
        self.connections = connections
        self.levels = levels
        self.apps = apps
        self.organizations = organizations
    }
}

/// One validation rule: it looks at a decoded flow and reports every violation it finds.
///
/// Rules never throw and never stop at the first problem (swift-certificates' `VerifierPolicy`
/// model): the validator runs them all and gathers every diagnostic.
public protocol FlowRule: Sendable {
    /// The rule's stable name, printed with each diagnostic.
    var name: String { get }
    /// The violations in `document`.
    func check(_ document: FlowDocument, references: FlowReferences?) -> [Diagnostic]
}

/// Runs every rule over a flow file.
public struct FlowValidator: Sendable {
    /// The rules, in the order their findings are listed.
    public var rules: [any FlowRule]

    /// The validator with every built-in rule.
    public init(rules: [any FlowRule] = FlowValidator.standardRules) { self.rules = rules }

    /// The built-in rules (DESIGN.md §4).
    public static let standardRules: [any FlowRule] = [
        StartStepRule(), TransitionTargetRule(), OutcomeRule(), ReachabilityRule(), TerminalPathRule(), BusyLoopRule(),
        ReferenceRule(),
    ]

    /// Decodes and checks flow source; all problems of the file, sorted by position.
    public func validate(_ bytes: [UInt8], file: String, references: FlowReferences? = nil) -> (FlowDocument?, [Diagnostic]) {
        let (document, decodeDiagnostics) = FlowDecoder.decode(bytes, file: file)
        guard let document else { return (nil, decodeDiagnostics) }
        var diagnostics = decodeDiagnostics
        for rule in rules { diagnostics += rule.check(document, references: references) }
        diagnostics.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
        return (document, diagnostics)
    }
}
