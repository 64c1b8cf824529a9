import FlowEngine

/// A user's membership of one organization, with the roles they hold there.
public struct Membership: Sendable, Hashable, Codable {
    /// The organization.
    public var org: OrgID
    /// Roles in that organization (`admin`, `member`…), as the ID token's `roles` claim carries them.
    public var roles: [String]

    /// Creates a membership.
    public init(org: OrgID, roles: [String] = []) {
        self.org = org
        self.roles = roles
    }
}
