import Foundation

/// How a transaction ended.
///
/// `indirect`: a result is over 200 bytes, and an outcome travels inside every ``FlowAction`` and
/// ``FlowState/Phase``; boxed, it costs one allocation when the login ends instead of making every
/// action and phase that large to copy.
public indirect enum FlowOutcome: Sendable, Hashable, Codable {
    /// The user is in.
    case allow(FlowResult)
    /// The user is refused.
    case deny(FlowDenial)
}

/// A successful login: everything the ID token will say.
public struct FlowResult: Sendable, Hashable, Codable {
    /// The subject.
    public var subject: UserID
    /// The account's email.
    public var email: String
    /// The organization the login was for.
    public var organization: OrganizationContext?
    /// Roles in that organization.
    public var roles: [String]
    /// Extra claims (profile claims mapped upstream, static claims from the allow step).
    public var claims: [String: String]
    /// The level reached.
    public var acr: LevelName?
    /// Methods used, sorted.
    public var amr: [String]
    /// Steps entered, in order.
    public var steps: [StepName]
    /// The upstream identity, when federated.
    public var upstream: UpstreamLink?
    /// The level an upstream IdP asserted, kept for the session.
    public var upstreamLevel: LevelName?

    /// Creates a result.
    public init(
        subject: UserID, email: String, organization: OrganizationContext?, roles: [String], claims: [String: String],
        acr: LevelName?, amr: [String], steps: [StepName], upstream: UpstreamLink?, upstreamLevel: LevelName?
    ) {
        self.subject = subject
        self.email = email
        self.organization = organization
        self.roles = roles
        self.claims = claims
        self.acr = acr
        self.amr = amr
        self.steps = steps
        self.upstream = upstream
        self.upstreamLevel = upstreamLevel
    }
}

/// A refusal: a stable reason code for the app and logs, and a message for the user.
public struct FlowDenial: Sendable, Hashable, Codable {
    /// Machine-readable reason (`access_denied`, `account_locked`, `step_limit`, `expired`, …).
    public var reason: String
    /// What the user is told.
    public var message: String
    /// The step that denied.
    public var step: StepName?
    /// Steps entered, in order.
    public var steps: [StepName]

    /// Creates a denial.
    public init(reason: String, message: String, step: StepName?, steps: [StepName]) {
        self.reason = reason
        self.message = message
        self.step = step
        self.steps = steps
    }
}

/// Reason codes the runner itself produces (steps add their own).
public enum DenialReason {
    /// The flow took more steps than its `max_steps`.
    public static let stepLimit = "step_limit"
    /// The transaction outlived its `timeout_seconds`.
    public static let expired = "expired"
    /// The user cancelled.
    public static let cancelled = "cancelled"
    /// An allow step was reached with no account known.
    public static let noSubject = "no_subject"
    /// The app is not open to the user's organization (access management).
    public static let organizationNotAllowed = "organization_not_allowed"
    /// An allow step was reached below the level the app requires.
    public static let insufficientAssurance = "insufficient_assurance"
}
