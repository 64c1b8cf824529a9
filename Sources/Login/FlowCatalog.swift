import Directory
import FlowEngine
import Foundation

/// The compiled flows of a deployment, by id, checked against the directory's configuration.
public struct FlowCatalog: Sendable {
    private let flows: [FlowID: CompiledFlow]

    /// Wraps already-compiled flows.
    public init(_ flows: [CompiledFlow]) {
        self.flows = Dictionary(flows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Compiles every `*.json` flow in `directory` (except `schema.json`) against `config`.
    /// - Throws: ``FlowError`` for the first flow with errors (its diagnostics list all of them).
    public static func load(directory: String, config: DirectoryConfig) throws(FlowError) -> FlowCatalog {
        let references = FlowReferences(config)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".json") && $0 != "schema.json" }.sorted()
        var flows: [CompiledFlow] = []
        for name in names {
            flows.append(try CompiledFlow.load(path: (directory as NSString).appendingPathComponent(name), references: references))
        }
        var seen: [FlowID: String] = [:]
        for flow in flows {
            if let other = seen.updateValue(flow.file, forKey: flow.id) {
                throw FlowError.invalidCatalog("flow id '\(flow.id)' is defined by both \(other) and \(flow.file)")
            }
        }
        let catalog = FlowCatalog(flows)
        let named = config.apps.map { ($0.flow, "app '\($0.id)'") }
            + config.organizations.flatMap { org in org.flows.values.map { ($0, "organization '\(org.id)'") } }
        for (id, user) in named where catalog.flows[id] == nil {
            throw FlowError.invalidCatalog("\(user) names flow '\(id)', which is not in \(directory)")
        }
        return catalog
    }

    /// The flow with this id.
    public func flow(_ id: FlowID) throws(FlowError) -> CompiledFlow {
        guard let flow = flows[id] else { throw FlowError.unknownFlow(id) }
        return flow
    }

    /// All flow ids, sorted.
    public var ids: [FlowID] { flows.keys.sorted() }
}

extension FlowReferences {
    /// The names a flow may use, from a directory configuration.
    public init(_ config: DirectoryConfig) {
        self.init(
            connections: Dictionary(config.connections.map { ($0.id, $0.kind) }, uniquingKeysWith: { first, _ in first }),
            levels: Set(config.levels.map(\.name)), apps: Set(config.apps.map(\.id)),
            organizations: Set(config.organizations.map(\.id)))
    }
}

extension AssurancePolicy {
    /// The runner's view of the configured levels.
    public init(_ config: DirectoryConfig) {
        self.init(levels: config.levels.map { LevelDefinition(name: $0.name, methods: $0.methods) })
    }
}
