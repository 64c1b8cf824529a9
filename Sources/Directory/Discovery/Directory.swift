import FlowEngine

/// An immutable snapshot of the whole directory with everything indexed: organizations (as a tree),
/// domain claims, applications, connections, levels and users. Build one per configuration load or
/// store change and share it freely; it is a value and `Sendable`.
public struct Directory: Sendable {
    /// The configuration the snapshot was built from.
    public let config: DirectoryConfig
    /// The organization hierarchy.
    public let tree: OrganizationTree
    /// The verified domain claims.
    public let domains: DomainIndex

    private let apps: [AppID: Application]
    private let connections: [ConnectionID: Connection]
    private let levels: [LevelName: (rank: Int, level: AssuranceLevel)]
    private let users: [UserID: UserRecord]
    private let usersByEmail: [String: UserID]

    /// Indexes `config`. Where ids repeat (a configuration ``ConfigLoader`` would reject) the first wins.
    public init(config: DirectoryConfig) {
        self.config = config
        self.tree = OrganizationTree(
            organizations: config.organizations, connections: config.connections, levels: config.levels.map(\.name))
        self.domains = DomainIndex(tree: tree)
        self.apps = Dictionary(config.apps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.connections = Dictionary(config.connections.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.levels = Dictionary(
            config.levels.enumerated().map { ($1.name, (rank: $0, level: $1)) }, uniquingKeysWith: { first, _ in first })
        self.users = Dictionary(config.users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.usersByEmail = Dictionary(
            config.users.map { (EmailAddress.lookupKey(for: $0.email), $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    /// The organization with this id.
    public func organization(_ id: OrgID) -> Organization? { tree.organization(id) }

    /// The organization's context with inherited settings resolved (``OrganizationTree/context(of:)``).
    public func context(of id: OrgID) -> OrganizationContext? { tree.context(of: id) }

    /// The application with this id (OIDC `client_id`).
    public func application(_ id: AppID) -> Application? { apps[id] }

    /// The connection with this id.
    public func connection(_ id: ConnectionID) -> Connection? { connections[id] }

    /// The level with this name.
    public func level(_ name: LevelName) -> AssuranceLevel? { levels[name]?.level }

    /// The level's rank: its position in the configured list, weakest (0) first.
    public func rank(of name: LevelName) -> Int? { levels[name]?.rank }

    /// Whether `achieved` is at least as strong as `required`; false when either is not configured.
    public func level(_ achieved: LevelName, satisfies required: LevelName) -> Bool {
        guard let have = rank(of: achieved), let need = rank(of: required) else { return false }
        return have >= need
    }

    /// The strongest configured level the authentication methods reach, if any.
    /// - Parameter amr: The methods a login used (`pwd`, `otp`, `fed`, `mfa`, `hwk`…).
    public func highestLevel(reachedBy amr: some Sequence<String>) -> LevelName? {
        let used = Array(amr)
        return config.levels.last { $0.isReached(by: used) }?.name
    }

    /// The user with this id.
    public func user(id: UserID) -> UserRecord? { users[id] }

    /// The user with this email address, ignoring case (see ``EmailAddress/lookupKey``).
    public func user(email: String) -> UserRecord? {
        usersByEmail[EmailAddress.lookupKey(for: email)].flatMap { users[$0] }
    }

    /// The flow a login to `app` runs for a user of `org`: the organization's own or inherited override
    /// for the app, else the app's flow.
    /// - Returns: nil when the app is unknown.
    public func flow(for app: AppID, org: OrgID?) -> FlowID? {
        guard let application = apps[app] else { return nil }
        return org.flatMap { tree.context(of: $0)?.flowOverrides[app] } ?? application.flow
    }

    /// Whether users of `org` may sign in to `app`: the app allows everyone, or lists `org` or one of
    /// its ancestors.
    public func isAllowed(org: OrgID, in app: AppID) -> Bool {
        guard let application = apps[app] else { return false }
        guard let allowed = application.allowedOrgs else { return true }
        return tree.path(of: org).contains { allowed.contains($0) }
    }

    /// Organization discovery for an address typed at the identify step (DESIGN.md §2).
    /// - Throws: ``DirectoryError`` with code `invalidEmail` when the address does not parse.
    public func discover(email: String) throws(DirectoryError) -> DiscoveryResult {
        result(for: try domains.lookup(email: email))
    }

    /// Organization discovery for a parsed address.
    public func discover(email: EmailAddress) -> DiscoveryResult {
        result(for: domains.lookup(email: email))
    }

    private func result(for match: DomainMatch?) -> DiscoveryResult {
        guard let match, let context = tree.context(of: match.organization) else { return .unknown }
        return .found(context)
    }

    /// The runner's view of a user.
    /// - Parameters:
    ///   - user: The stored record.
    ///   - hasTOTP: Whether a TOTP authenticator is enrolled; defaults to whether the record carries a seed.
    ///   - recoveryCodesLeft: Unused recovery codes (kept in the store's credential slots).
    public func userContext(_ user: UserRecord, hasTOTP: Bool? = nil, recoveryCodesLeft: Int = 0) -> UserContext {
        var memberships: [OrgID: [String]] = [:]
        for membership in user.memberships {
            var roles = memberships[membership.org, default: []]
            for role in membership.roles where !roles.contains(role) { roles.append(role) }
            memberships[membership.org] = roles
        }
        return UserContext(
            id: user.id, email: user.email, name: user.name, hasTOTP: hasTOTP ?? (user.totpSecret != nil),
            recoveryCodesLeft: recoveryCodesLeft, memberships: memberships)
    }
}
