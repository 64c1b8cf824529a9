import FlowEngine

/// An application that delegates login to Gatehouse over OpenID Connect (its ``id`` is the `client_id`).
public struct Application: Sendable, Hashable, Codable {
    /// The application's identifier and OIDC `client_id`.
    public var id: AppID
    /// Its display name.
    public var name: String
    /// The flow its logins run, unless the user's organization overrides it.
    public var flow: FlowID
    /// The minimum level of assurance it demands, if any.
    public var requiredLevel: LevelName?
    /// Redirect URIs registered for the authorization code flow (OIDC Core §3.1.2.1: exact match).
    public var redirectURIs: [String]
    /// The organizations (with everything below them) whose users may sign in, or nil for everyone.
    public var allowedOrgs: [OrgID]?
    /// How the app talks OpenID Connect (its client registration); nil for the defaults.
    public var client: OIDCClientSettings?

    /// Creates an application.
    public init(
        id: AppID, name: String, flow: FlowID, requiredLevel: LevelName? = nil, redirectURIs: [String] = [],
        allowedOrgs: [OrgID]? = nil, client: OIDCClientSettings? = nil
    ) {
        self.id = id
        self.name = name
        self.flow = flow
        self.requiredLevel = requiredLevel
        self.redirectURIs = redirectURIs
        self.allowedOrgs = allowedOrgs
        self.client = client
    }
}
