import Foundation

/// The serialisable state of one login transaction: store it, and any node can resume it.
public struct FlowState: Sendable, Hashable, Codable {
    /// Where the transaction stands.
    public enum Phase: Sendable, Hashable, Codable {
        /// Waiting for the user to answer this prompt.
        case awaitingInput(Prompt)
        /// Waiting for the environment to perform this effect.
        case awaitingEffect(FlowEffect)
        /// Waiting for the upstream IdP.
        case awaitingUpstream(UpstreamRequest)
        /// Waiting to be switched to an organization's own flow.
        case awaitingFlow(FlowID)
        /// Done.
        case finished(FlowOutcome)
    }

    /// The flow being run.
    public var flow: FlowID
    /// The current step.
    public var step: StepName
    /// Where the transaction stands.
    public var phase: Phase?
    /// When the transaction started (for `timeout_seconds`).
    public var startedAt: Date
    /// Steps entered, in order.
    public var trail: [StepName] = []
    /// Failed tries per step in this transaction.
    public var attempts: [StepName: Int] = [:]
    /// The email the user gave (or the hint / session supplied).
    public var email: String?
    /// The organization, once known.
    public var organization: OrganizationContext?
    /// The account, once known.
    public var user: UserContext?
    /// Claims collected so far.
    public var claims: [String: String] = [:]
    /// Methods used so far, sorted.
    public var amr: [String] = []
    /// The level asserted by an upstream IdP.
    public var upstreamLevel: LevelName?
    /// The upstream identity, when federated.
    public var upstream: UpstreamLink?
    /// A TOTP enrollment shown to the user and not yet confirmed.
    public var pendingEnrollment: TOTPEnrollmentOffer?
    /// The page the current step showed last, shown again (with an error) after a failed check.
    public var lastPrompt: Prompt?

    /// Creates the initial state.
    public init(flow: FlowID, step: StepName, startedAt: Date) {
        self.flow = flow
        self.step = step
        self.startedAt = startedAt
    }

    /// The outcome, once finished.
    public var outcome: FlowOutcome? {
        if case .finished(let outcome) = phase { return outcome }
        return nil
    }
}
