import Foundation

/// The login state machine: a pure function of (flow, state, event) → (state, action).
///
/// It performs no I/O and reads no clock of its own: the caller passes `now`, performs the
/// ``FlowAction`` it returns, and feeds the answer back as a ``FlowEvent``. ``FlowRunner`` is that
/// caller for an environment; tests and benchmarks drive the machine directly.
///
/// ```swift
/// var machine = FlowMachine(flow: flow, request: request, policy: policy, now: now)
/// var action = machine.start(now: now)            // .prompt(email)
/// action = machine.handle(.input(.email("a@acme.test")), now: now)   // .perform(.discover(...))
/// ```
///
/// Valid transitions of ``FlowState/phase``: nil → any; `awaitingInput` → any (on input);
/// `awaitingEffect` → any (on the effect's result); `awaitingUpstream` → any (on the IdP's answer);
/// `awaitingFlow` → nil (on ``switchFlow(to:now:)``); `finished` is final.
public struct FlowMachine: Sendable {
    /// The flow being run.
    public private(set) var flow: CompiledFlow
    /// The login request.
    public let request: FlowRequest
    /// The configured levels.
    public let policy: AssurancePolicy
    /// The serialisable transaction state.
    public private(set) var state: FlowState
    private var current: Int

    /// Starts a new transaction.
    public init(flow: CompiledFlow, request: FlowRequest, policy: AssurancePolicy, now: Date) {
        self.flow = flow
        self.request = request
        self.policy = policy
        self.current = flow.start
        var state = FlowState(flow: flow.id, step: flow.startStep, startedAt: now)
        state.organization = request.organization
        if let session = request.session {
            state.user = session.user
            state.email = session.user.email
            state.organization = session.organization ?? request.organization
            state.amr = AuthenticationMethod.adding(session.amr, to: [])
            state.upstreamLevel = session.upstreamLevel
            state.upstream = session.upstream
        } else if let hint = request.loginHint {
            state.email = EmailSyntax.normalized(hint)
        }
        self.state = state
    }

    /// Resumes a stored transaction (on this node or another).
    /// - Throws: ``FlowError`` when the state names another flow or a step the flow lacks.
    public init(flow: CompiledFlow, request: FlowRequest, policy: AssurancePolicy, resuming state: FlowState) throws(FlowError) {
        guard state.flow == flow.id, let current = flow.index[state.step] else {
            throw FlowError.stateMismatch("transaction is at \(state.flow)/\(state.step), not in flow \(flow.id)")
        }
        self.flow = flow
        self.request = request
        self.policy = policy
        self.state = state
        self.current = current
    }

    /// The action the transaction is waiting on (what to show or do), or its outcome.
    public var pendingAction: FlowAction? {
        switch state.phase {
        case .awaitingInput(let prompt): .prompt(prompt)
        case .awaitingEffect(let effect): .perform(effect)
        case .awaitingUpstream(let request): .redirect(request)
        case .awaitingFlow(let id): .switchFlow(id)
        case .finished(let outcome): .finished(outcome)
        case nil: nil
        }
    }

    /// Enters the start step.
    public mutating func start(now: Date) -> FlowAction {
        if let pending = pendingAction { return pending }
        return enter(current, now: now)
    }

    /// Delivers an event to the waiting step.
    ///
    /// An event that does not fit what the transaction waits for changes nothing: the pending
    /// action is returned again (a prompt gets `unexpectedInput`).
    public mutating func handle(_ event: FlowEvent, now: Date) -> FlowAction {
        switch (state.phase, event) {
        case (.finished(let outcome), _):
            return .finished(outcome)
        case (_, _) where now.timeIntervalSince(state.startedAt) > flow.timeout:
            return finish(.deny(denial(DenialReason.expired, "This sign-in took too long. Please start again.")))
        case (.awaitingInput, .input(.cancel)):
            return finish(.deny(denial(DenialReason.cancelled, "You cancelled the sign-in.")))
        case (.awaitingInput, .input), (.awaitingEffect, .effect), (.awaitingUpstream, .upstream):
            var context = makeContext()
            let directive = flow.steps[current].kind.resume(&context, with: event)
            state = context.state
            return apply(directive, now: now)
        case (.awaitingInput(var prompt), _):
            prompt.error = .unexpectedInput
            state.phase = .awaitingInput(prompt)
            return .prompt(prompt)
        default:
            return pendingAction ?? start(now: now)
        }
    }

    /// Continues in another flow (an organization's override), keeping everything learnt so far.
    public mutating func switchFlow(to flow: CompiledFlow, now: Date) -> FlowAction {
        guard case .awaitingFlow(let id) = state.phase, id == flow.id else { return pendingAction ?? start(now: now) }
        self.flow = flow
        state.flow = flow.id
        state.phase = nil
        return enter(flow.start, now: now)
    }

    private func makeContext() -> StepContext {
        StepContext(name: flow.steps[current].name, state: state, request: request, policy: policy)
    }

    private mutating func enter(_ index: Int, now: Date) -> FlowAction {
        guard state.trail.count < flow.maxSteps else {
            return finish(.deny(denial(DenialReason.stepLimit, "This sign-in could not be completed. Please start again.")))
        }
        current = index
        state.step = flow.steps[index].name
        state.trail.append(state.step)
        state.lastPrompt = nil
        var context = makeContext()
        let directive = flow.steps[index].kind.enter(&context)
        state = context.state
        return apply(directive, now: now)
    }

    private mutating func apply(_ directive: StepDirective, now: Date) -> FlowAction {
        let step = flow.steps[current]
        switch directive {
        case .outcome(let outcome):
            // Compilation guarantees every outcome of every step has a target.
            guard let target = step.target(of: outcome) else {
                return finish(.deny(denial("flow_error", "This sign-in could not be completed.")))
            }
            return enter(target, now: now)
        case .jump(let name):
            guard let target = flow.index[name] else { return finish(.deny(denial("flow_error", "This sign-in could not be completed."))) }
            return enter(target, now: now)
        case .prompt(let kind, let error):
            let prompt = Prompt(step: step.name, kind: kind, error: error)
            state.phase = .awaitingInput(prompt)
            state.lastPrompt = Prompt(step: step.name, kind: kind)
            return .prompt(prompt)
        case .reprompt(let error):
            // A result that does not answer the pending effect changes nothing (see `handle`).
            if case .awaitingEffect(let effect) = state.phase, error == .unexpectedInput { return .perform(effect) }
            // A failed check arrives as an effect result, so the page to show again is the step's last one.
            var shown = state.lastPrompt
            if case .awaitingInput(let prompt) = state.phase { shown = prompt }
            guard var prompt = shown else {
                return finish(.deny(denial("flow_error", "This sign-in could not be completed.")))
            }
            prompt.error = error
            state.phase = .awaitingInput(prompt)
            return .prompt(prompt)
        case .effect(let effect):
            state.phase = .awaitingEffect(effect)
            return .perform(effect)
        case .upstream(let request):
            state.phase = .awaitingUpstream(request)
            return .redirect(request)
        case .switchFlow(let id):
            state.phase = .awaitingFlow(id)
            return .switchFlow(id)
        case .allow(let extraClaims):
            return finish(allow(extraClaims: extraClaims))
        case .deny(let reason, let message):
            return finish(.deny(denial(reason, message)))
        }
    }

    private func allow(extraClaims: [String: String]) -> FlowOutcome {
        guard let user = state.user else {
            return .deny(denial(DenialReason.noSubject, "We could not find your account. Contact your administrator."))
        }
        if let allowed = request.allowedOrganizations {
            guard let path = state.organization?.path, path.contains(where: allowed.contains) else {
                return .deny(denial(DenialReason.organizationNotAllowed, "Your organization does not have access to this app."))
            }
        }
        let acr = policy.level(amr: state.amr, upstream: state.upstreamLevel)
        let required = policy.stronger(request.requiredLevel, state.organization?.requiredLevel)
        guard policy.satisfies(acr, required: required) else {
            return .deny(denial(DenialReason.insufficientAssurance, "This app needs a stronger sign-in than was completed."))
        }
        let roles = state.organization.flatMap { user.memberships[$0.id] } ?? []
        return .allow(
            FlowResult(
                subject: user.id, email: user.email, organization: state.organization, roles: roles,
                claims: state.claims.merging(extraClaims) { _, new in new }, acr: acr, amr: state.amr, steps: state.trail,
                upstream: state.upstream, upstreamLevel: state.upstreamLevel))
    }

    private func denial(_ reason: String, _ message: String) -> FlowDenial {
        FlowDenial(reason: reason, message: message, step: state.step, steps: state.trail)
    }

    private mutating func finish(_ outcome: FlowOutcome) -> FlowAction {
        state.phase = .finished(outcome)
        state.pendingEnrollment = nil
        state.lastPrompt = nil
        return .finished(outcome)
    }
}

/// What the machine needs from its caller next.
public enum FlowAction: Sendable, Hashable {
    /// Show the user a page and deliver their answer as `.input`.
    case prompt(Prompt)
    /// Perform an effect and deliver its result as `.effect`.
    case perform(FlowEffect)
    /// Send the user to an upstream IdP and deliver its answer as `.upstream`.
    case redirect(UpstreamRequest)
    /// Load this flow and call ``FlowMachine/switchFlow(to:now:)``.
    case switchFlow(FlowID)
    /// The transaction is over.
    case finished(FlowOutcome)
}
