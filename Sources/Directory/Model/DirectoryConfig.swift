/// Everything the directory holds, as one value: what a configuration file describes, what a store
/// imports in one transaction, and what a ``Directory`` snapshot is built from.
public struct DirectoryConfig: Sendable, Hashable, Codable {
    /// Levels of assurance, weakest first (position is rank).
    public var levels: [AssuranceLevel]
    /// Upstream identity providers.
    public var connections: [Connection]
    /// Organizations, in any order (parents need not come first).
    public var organizations: [Organization]
    /// Applications that delegate login to Gatehouse.
    public var apps: [Application]
    /// Accounts.
    public var users: [UserRecord]
    /// Where flow files live, as written in the file (relative paths are relative to the config file).
    public var flowsDirectory: String?

    /// Creates a configuration; every part defaults to empty.
    public init(
        levels: [AssuranceLevel] = [], connections: [Connection] = [], organizations: [Organization] = [],
        apps: [Application] = [], users: [UserRecord] = [], flowsDirectory: String? = nil
    ) {
        self.levels = levels
        self.connections = connections
        self.organizations = organizations
        self.apps = apps
        self.users = users
        self.flowsDirectory = flowsDirectory
    }
}
