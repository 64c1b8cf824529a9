import Foundation

/// Everything the runner is told about the login it runs: which app asked, what it demands, and
/// what is already known from hints or an existing SSO session.
public struct FlowRequest: Sendable, Hashable, Codable {
    /// The app the user is logging in to.
    public var app: AppID
    /// The minimum level: the app's own, raised by the request's `acr_values` (the caller merges them).
    public var requiredLevel: LevelName?
    /// An email the app already knows (`login_hint`); it fills the identify step, which is then skipped.
    public var loginHint: String?
    /// An organization already known before discovery (an org hint or a branded host name).
    public var organization: OrganizationContext?
    /// The SSO session the browser already has, for step-up and skipping satisfied steps.
    public var session: SessionContext?
    /// The organizations (with their sub-organizations) whose users may use the app; nil for all.
    public var allowedOrganizations: [OrgID]?

    /// Creates a request.
    public init(
        app: AppID, requiredLevel: LevelName? = nil, loginHint: String? = nil, organization: OrganizationContext? = nil,
        session: SessionContext? = nil, allowedOrganizations: [OrgID]? = nil
    ) {
        self.app = app
        self.requiredLevel = requiredLevel
        self.loginHint = loginHint
        self.organization = organization
        self.session = session
        self.allowedOrganizations = allowedOrganizations
    }
}

/// An existing SSO session: who is logged in and with which methods (DESIGN.md §5 step-up).
public struct SessionContext: Sendable, Hashable, Codable {
    /// The logged-in user.
    public var user: UserContext
    /// The organization the session was established for.
    public var organization: OrganizationContext?
    /// Methods already used (`pwd`, `otp`, `fed`, …).
    public var amr: [String]
    /// The level an upstream IdP asserted, if the session is federated.
    public var upstreamLevel: LevelName?
    /// The upstream identity that authenticated the session, if any.
    public var upstream: UpstreamLink?
    /// When the user last actually authenticated.
    public var authTime: Date

    /// Creates a session context.
    public init(
        user: UserContext, organization: OrganizationContext? = nil, amr: [String], upstreamLevel: LevelName? = nil,
        upstream: UpstreamLink? = nil, authTime: Date
    ) {
        self.user = user
        self.organization = organization
        self.amr = amr
        self.upstreamLevel = upstreamLevel
        self.upstream = upstream
        self.authTime = authTime
    }
}
