import FlowEngine

/// A customer, reseller or the provider itself: a node of the organization hierarchy
/// (provider > resellers > customers > regional sub-orgs, DESIGN.md §1).
///
/// Settings left unset (``connection``, ``requiredLevel``, entries of ``flows``) are inherited from the
/// nearest ancestor that sets them; ``OrganizationTree/context(of:)`` resolves them.
public struct Organization: Sendable, Hashable, Codable {
    /// Whether logins for an organization are allowed.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Logins proceed.
        case active
        /// Logins are refused, for this organization and every organization below it.
        case suspended
    }

    /// The organization's identifier.
    public var id: OrgID
    /// Its display name.
    public var name: String
    /// The organization directly above it, or nil for a root.
    public var parent: OrgID?
    /// Whether it is active or suspended.
    public var status: Status
    /// The email domains it claims; only verified claims take part in discovery.
    public var domains: [DomainClaim]
    /// Its own upstream connection (SAML/OIDC IdP or social preset), if it sets one.
    public var connection: ConnectionID?
    /// Its own minimum level of assurance, if it sets one.
    public var requiredLevel: LevelName?
    /// Its own per-application flow overrides.
    public var flows: [AppID: FlowID]
    /// How hosted login pages look for its users.
    public var branding: Branding?

    /// Creates an organization.
    public init(
        id: OrgID, name: String, parent: OrgID? = nil, status: Status = .active, domains: [DomainClaim] = [],
        connection: ConnectionID? = nil, requiredLevel: LevelName? = nil, flows: [AppID: FlowID] = [:],
        branding: Branding? = nil
    ) {
        self.id = id
        self.name = name
        self.parent = parent
        self.status = status
        self.domains = domains
        self.connection = connection
        self.requiredLevel = requiredLevel
        self.flows = flows
        self.branding = branding
    }
}
