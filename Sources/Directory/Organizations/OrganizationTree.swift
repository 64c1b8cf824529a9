import FlowEngine

/// The organization hierarchy (provider > resellers > customers > regional sub-orgs), built once from
/// a list of organizations, with inherited settings resolved on demand.
///
/// Inheritance: an organization uses its nearest ancestor's connection unless it sets its own; its
/// required level is the strongest set on its path (a customer may raise, never lower, what its
/// reseller requires — levels rank in configuration order); per-app flow overrides merge down the path, the deeper organization winning for an
/// app both set; an organization is suspended when it or any ancestor is. An organization whose
/// parent is not in the list is treated as a root, and a parent cycle (which ``ConfigLoader`` rejects)
/// ends the walk where it repeats, so no query loops.
public struct OrganizationTree: Sendable {
    /// The organizations, one per id, in input order (shared with the caller's array when it had no
    /// duplicate ids, so a million organizations are not copied).
    private let list: [Organization]
    private let indexByID: [OrgID: Int]
    private let childrenByID: [OrgID: [OrgID]]
    private let connectionKinds: [ConnectionID: ConnectionKind]
    private let levelRanks: [LevelName: Int]

    /// Builds the tree. When two organizations share an id the first one wins.
    /// - Parameters:
    ///   - organizations: Every organization, parents in any order.
    ///   - connections: The connections organizations refer to (for the kind in ``context(of:)``).
    ///   - levels: The configured levels, weakest first (to take the strongest required level on a path).
    public init(
        organizations: some Collection<Organization>, connections: some Sequence<Connection> = [], levels: [LevelName] = []
    ) {
        self.levelRanks = Dictionary(levels.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var list = Array(organizations)
        var indexByID: [OrgID: Int] = [:]
        indexByID.reserveCapacity(list.count)
        var duplicates = false
        for (index, organization) in list.enumerated() {
            if let first = indexByID.updateValue(index, forKey: organization.id) {
                indexByID[organization.id] = first
                duplicates = true
            }
        }
        if duplicates {
            list = list.enumerated().filter { indexByID[$0.element.id] == $0.offset }.map(\.element)
            indexByID = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1.id, $0) })
        }
        var children: [OrgID: [OrgID]] = [:]
        for organization in list {
            if let parent = organization.parent, parent != organization.id, indexByID[parent] != nil {
                children[parent, default: []].append(organization.id)
            }
        }
        self.list = list
        self.indexByID = indexByID
        self.childrenByID = children
        self.connectionKinds = Dictionary(connections.lazy.map { ($0.id, $0.kind) }, uniquingKeysWith: { first, _ in first })
    }

    /// How many organizations the tree holds.
    public var count: Int { list.count }

    /// Every organization, one per id, in input order.
    public var organizations: [Organization] { list }

    /// Organizations without a (known) parent, sorted by id.
    public var roots: [OrgID] {
        list.filter { $0.parent.map { indexByID[$0] == nil } ?? true }.map(\.id).sorted()
    }

    /// The organization with this id.
    public func organization(_ id: OrgID) -> Organization? { indexByID[id].map { list[$0] } }

    /// The parent of `id`, if it has one that exists.
    public func parent(of id: OrgID) -> OrgID? {
        guard let parent = organization(id)?.parent, indexByID[parent] != nil else { return nil }
        return parent
    }

    /// The direct children of `id`, sorted by id.
    public func children(of id: OrgID) -> [OrgID] { (childrenByID[id] ?? []).sorted() }

    /// Everything below `id`, depth-first, children in id order (delegated administration reaches these).
    public func descendants(of id: OrgID) -> [OrgID] {
        var result: [OrgID] = []
        var seen: Set<OrgID> = [id]
        var stack = children(of: id).reversed() as [OrgID]
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            result.append(next)
            stack.append(contentsOf: children(of: next).reversed())
        }
        return result
    }

    /// The root-first path to `id` (`[provider, reseller, customer]`), ending with `id`; empty when the
    /// organization is unknown.
    public func path(of id: OrgID) -> [OrgID] {
        guard indexByID[id] != nil else { return [] }
        var path = [id]
        var current = id
        while let parent = parent(of: current), !path.contains(parent) {
            path.append(parent)
            current = parent
        }
        return path.reversed()
    }

    /// How far below its root `id` sits (a root is 0), or nil when unknown.
    public func depth(of id: OrgID) -> Int? {
        let path = path(of: id)
        return path.isEmpty ? nil : path.count - 1
    }

    /// Whether `ancestor` is strictly above `id` in the hierarchy.
    public func isAncestor(_ ancestor: OrgID, of id: OrgID) -> Bool {
        ancestor != id && path(of: id).contains(ancestor)
    }

    /// What the runner needs about `id`, with every inherited setting resolved (see the type's rules).
    /// - Returns: nil when the organization is unknown.
    public func context(of id: OrgID) -> OrganizationContext? {
        guard let organization = organization(id) else { return nil }
        let path = path(of: id)
        var connection: ConnectionID?
        var requiredLevel: LevelName?
        var flows: [AppID: FlowID] = [:]
        var suspended = false
        for node in path.compactMap({ self.organization($0) }) {
            connection = node.connection ?? connection
            if let level = node.requiredLevel, (levelRanks[level] ?? -1) >= requiredLevel.flatMap({ levelRanks[$0] }) ?? -1 {
                requiredLevel = level
            }
            flows.merge(node.flows) { _, deeper in deeper }
            suspended = suspended || node.status == .suspended
        }
        let reference = connection.flatMap { id in connectionKinds[id].map { ConnectionReference(id: id, kind: $0) } }
        return OrganizationContext(
            id: id, name: organization.name, path: path, connection: reference, requiredLevel: requiredLevel,
            flowOverrides: flows, suspended: suspended)
    }
}
