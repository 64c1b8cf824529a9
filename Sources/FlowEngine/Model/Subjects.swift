import Foundation

/// What the runner knows about an organization once discovery (or a hint, or a session) found it,
/// with every inherited setting already resolved down the hierarchy.
public struct OrganizationContext: Sendable, Hashable, Codable {
    /// The organization.
    public var id: OrgID
    /// Its display name.
    public var name: String
    /// Root-first path in the hierarchy (`provider > reseller > customer`), ending with `id`.
    public var path: [OrgID]
    /// The upstream connection the organization uses (its own or inherited), if any.
    public var connection: ConnectionReference?
    /// The minimum level the organization requires (its own or inherited), if any.
    public var requiredLevel: LevelName?
    /// Per-app flow overrides (own or inherited), by app.
    public var flowOverrides: [AppID: FlowID]
    /// Whether logins for this organization are refused (it or an ancestor is suspended).
    public var suspended: Bool

    /// Creates an organization context.
    public init(
        id: OrgID, name: String, path: [OrgID], connection: ConnectionReference? = nil, requiredLevel: LevelName? = nil,
        flowOverrides: [AppID: FlowID] = [:], suspended: Bool = false
    ) {
        self.id = id
        self.name = name
        self.path = path
        self.connection = connection
        self.requiredLevel = requiredLevel
        self.flowOverrides = flowOverrides
        self.suspended = suspended
    }
}

/// A named upstream connection and its kind.
public struct ConnectionReference: Sendable, Hashable, Codable {
    /// The connection.
    public var id: ConnectionID
    /// SAML, OIDC or a social preset.
    public var kind: ConnectionKind

    /// Creates a reference.
    public init(id: ConnectionID, kind: ConnectionKind) {
        self.id = id
        self.kind = kind
    }
}

/// An account as the runner sees it: enough to name the subject and pick the next factor.
public struct UserContext: Sendable, Hashable, Codable {
    /// The stable subject identifier.
    public var id: UserID
    /// The account's email address.
    public var email: String
    /// Display name, if known.
    public var name: String?
    /// Whether a TOTP authenticator is enrolled.
    public var hasTOTP: Bool
    /// Unused recovery codes left.
    public var recoveryCodesLeft: Int
    /// Organizations the user belongs to, with roles per organization.
    public var memberships: [OrgID: [String]]

    /// Creates a user context.
    public init(
        id: UserID, email: String, name: String? = nil, hasTOTP: Bool = false, recoveryCodesLeft: Int = 0,
        memberships: [OrgID: [String]] = [:]
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.hasTOTP = hasTOTP
        self.recoveryCodesLeft = recoveryCodesLeft
        self.memberships = memberships
    }
}

/// The result of organization discovery for an email address (DESIGN.md §2).
public enum DiscoveryResult: Sendable, Hashable, Codable {
    /// A verified domain claim matched.
    case found(OrganizationContext)
    /// No organization claims the domain.
    case unknown
}
