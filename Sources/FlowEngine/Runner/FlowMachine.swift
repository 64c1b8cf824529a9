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
    /// The state, request and policy, kept in the form a step receives them: a step changes the
    /// state in place, so nothing is copied into or out of a context on a transition.
    @usableFromInline private(set) var context: StepContext
    private var current: Int

    /// The login request.
    public var request: FlowRequest { context.request }
    /// The configured levels.
    public var policy: AssurancePolicy { context.policy }
    /// The serialisable transaction state.
    // Inlinable, so that a caller reading one field (`machine.state.step`) copies that field, not the state.
    @inlinable public var state: FlowState { context.state }

    /// Starts a new transaction.
    public init(flow: CompiledFlow, request: FlowRequest, policy: AssurancePolicy, now: Date) {
        var state = FlowState(flow: flow.id, step: flow.startStep, startedAt: now)
        // One allocation for the steps of a typical login instead of one per doubling.
        state.trail.reserveCapacity(min(flow.maxSteps, Self.reservedTrail))
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
        self.flow = flow
        self.current = flow.start
        self.context = StepContext(name: flow.startStep, state: state, request: request, policy: policy)
    }

    /// Resumes a stored transaction (on this node or another).
    /// - Throws: ``FlowError`` when the state names another flow or a step the flow lacks.
    public init(flow: CompiledFlow, request: FlowRequest, policy: AssurancePolicy, resuming state: FlowState) throws(FlowError) {
        guard state.flow == flow.id, let current = flow.index[state.step] else {
            throw FlowError.stateMismatch("transaction is at \(state.flow)/\(state.step), not in flow \(flow.id)")
        }
        self.flow = flow
        self.current = current
        self.context = StepContext(name: state.step, state: state, request: request, policy: policy)
    }

    /// Steps of room reserved in a new transaction's trail.
    private static let reservedTrail = 8

    /// The action the transaction is waiting on (what to show or do), or its outcome.
    public var pendingAction: FlowAction? {
        switch context.state.phase {
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
        // The phase is matched where it is stored (not copied into a tuple with the event).
        if case .finished(let outcome) = context.state.phase { return .finished(outcome) }
        if now.timeIntervalSince(context.state.startedAt) > flow.timeout {
            return finish(.deny(denial(DenialReason.expired, "This sign-in took too long. Please start again.")))
        }
        switch context.state.phase {
        case .awaitingInput:
            if case .input(.cancel) = event { return finish(.deny(denial(DenialReason.cancelled, "You cancelled the sign-in."))) }
            guard case .input = event else { return promptAgain(now: now) }
        case .awaitingEffect:
            guard case .effect = event else { return pendingAction ?? start(now: now) }
        case .awaitingUpstream:
            guard case .upstream = event else { return pendingAction ?? start(now: now) }
        default:
            return pendingAction ?? start(now: now)
        }
        let step = flow.steps[current]
        let directive = step.kind.resume(&context, with: event)
        return apply(directive, now: now)
    }

    /// Continues in another flow (an organization's override), keeping everything learnt so far.
    public mutating func switchFlow(to flow: CompiledFlow, now: Date) -> FlowAction {
        guard case .awaitingFlow(let id) = context.state.phase, id == flow.id else { return pendingAction ?? start(now: now) }
        self.flow = flow
        context.state.flow = flow.id
        context.state.phase = nil
        return enter(flow.start, now: now)
    }

    /// The waiting prompt again, marked as answered with the wrong kind of input.
    private mutating func promptAgain(now: Date) -> FlowAction {
        guard case .awaitingInput(var prompt) = context.state.phase else { return pendingAction ?? start(now: now) }
        prompt.error = .unexpectedInput
        context.state.phase = .awaitingInput(prompt)
        return .prompt(prompt)
    }

    private mutating func enter(_ index: Int, now: Date) -> FlowAction {
        guard context.state.trail.count < flow.maxSteps else {
            return finish(.deny(denial(DenialReason.stepLimit, "This sign-in could not be completed. Please start again.")))
        }
        current = index
        let step = flow.steps[index]
        context.name = step.name
        context.state.step = step.name
        context.state.trail.append(step.name)
        context.state.lastPrompt = nil
        let directive = step.kind.enter(&context)
        return apply(directive, now: now)
    }

    private mutating func apply(_ directive: StepDirective, now: Date) -> FlowAction {
        switch directive {
        case .outcome(let outcome):
            // Compilation guarantees every outcome of every step has a target.
            guard let target = flow.steps[current].target(of: outcome) else {
                return finish(.deny(denial("flow_error", "This sign-in could not be completed.")))
            }
            return enter(target, now: now)
        case .jump(let name):
            guard let target = flow.index[name] else { return finish(.deny(denial("flow_error", "This sign-in could not be completed."))) }
            return enter(target, now: now)
        case .prompt(let kind, let error):
            let prompt = Prompt(step: context.name, kind: kind, error: error)
            context.state.phase = .awaitingInput(prompt)
            context.state.lastPrompt = Prompt(step: context.name, kind: kind)
            return .prompt(prompt)
        case .reprompt(let error):
            // A result that does not answer the pending effect changes nothing (see `handle`).
            if case .awaitingEffect(let effect) = context.state.phase, error == .unexpectedInput { return .perform(effect) }
            // A failed check arrives as an effect result, so the page to show again is the step's last one.
            var shown = context.state.lastPrompt
            if case .awaitingInput(let prompt) = context.state.phase { shown = prompt }
            guard var prompt = shown else {
                return finish(.deny(denial("flow_error", "This sign-in could not be completed.")))
            }
            prompt.error = error
            context.state.phase = .awaitingInput(prompt)
            return .prompt(prompt)
        case .effect(let effect):
            context.state.phase = .awaitingEffect(effect)
            return .perform(effect)
        case .upstream(let request):
            context.state.phase = .awaitingUpstream(request)
            return .redirect(request)
        case .switchFlow(let id):
            context.state.phase = .awaitingFlow(id)
            return .switchFlow(id)
        case .allow(let extraClaims):
            return finish(allow(extraClaims: extraClaims))
        case .deny(let reason, let message):
            return finish(.deny(denial(reason, message)))
        }
    }

    private func allow(extraClaims: [String: String]) -> FlowOutcome {
        guard let user = context.state.user else {
            return .deny(denial(DenialReason.noSubject, "We could not find your account. Contact your administrator."))
        }
        let organization = context.state.organization
        if let allowed = context.request.allowedOrganizations {
            guard let path = organization?.path, path.contains(where: allowed.contains) else {
                return .deny(denial(DenialReason.organizationNotAllowed, "Your organization does not have access to this app."))
            }
        }
        let acr = context.policy.level(amr: context.state.amr, upstream: context.state.upstreamLevel)
        guard context.policy.satisfies(acr, required: context.requiredLevel) else {
            return .deny(denial(DenialReason.insufficientAssurance, "This app needs a stronger sign-in than was completed."))
        }
        let roles = organization.flatMap { user.memberships[$0.id] } ?? []
        let claims = extraClaims.isEmpty ? context.state.claims : context.state.claims.merging(extraClaims) { _, new in new }
        return .allow(
            FlowResult(
                subject: user.id, email: user.email, organization: organization, roles: roles, claims: claims, acr: acr,
                amr: context.state.amr, steps: context.state.trail, upstream: context.state.upstream,
                upstreamLevel: context.state.upstreamLevel))
    }

    private func denial(_ reason: String, _ message: String) -> FlowDenial {
        FlowDenial(reason: reason, message: message, step: context.state.step, steps: context.state.trail)
    }

    private mutating func finish(_ outcome: FlowOutcome) -> FlowAction {
        context.state.phase = .finished(outcome)
        context.state.pendingEnrollment = nil
        context.state.lastPrompt = nil
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
