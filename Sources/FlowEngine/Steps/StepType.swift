import Foundation

/// A step type: its fields (decoded from a flow file), its outcomes, and its execution.
///
/// Execution is pure: `enter` and `resume` read and change the transaction state and return a
/// ``StepDirective``; the machine turns directives into actions and transitions.
protocol StepType: Sendable, Hashable {
    /// The type's fields, outcomes and flags.
    static var spec: StepSpec { get }
    /// Reads the type's fields, reporting problems through the reader.
    init(reading reader: inout ObjectReader)
    /// Runs when the step is entered.
    func enter(_ context: inout StepContext) -> StepDirective
    /// Runs when an event arrives while the step waits.
    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective
}

extension StepType {
    func resume(_ context: inout StepContext, with event: FlowEvent) -> StepDirective { .reprompt(.unexpectedInput) }
}

/// What a step wants next.
enum StepDirective: Sendable, Hashable {
    /// Take the transition labelled with this outcome.
    case outcome(Outcome)
    /// Go straight to a step (choice).
    case jump(StepName)
    /// Show the user a page.
    case prompt(PromptKind, error: PromptError? = nil)
    /// Show the page the step last showed again, with an error.
    case reprompt(PromptError)
    /// Ask the environment for work.
    case effect(FlowEffect)
    /// Send the user to an upstream IdP.
    case upstream(UpstreamRequest)
    /// Run the organization's own flow instead.
    case switchFlow(FlowID)
    /// End with success.
    case allow(extraClaims: [String: String])
    /// End with a refusal.
    case deny(reason: String, message: String)
}

/// What a step sees when it runs: the transaction state (which it may change) and the request.
///
/// The machine keeps its state in one of these and passes it `inout`, so a step changes the
/// machine's own state in place.
@usableFromInline
struct StepContext: Sendable {
    /// The running step's name (the machine sets it when it enters a step).
    var name: StepName
    /// The transaction state.
    @usableFromInline var state: FlowState
    /// The login request.
    let request: FlowRequest
    /// The configured levels.
    let policy: AssurancePolicy

    /// The level the login must reach: the request's, raised by the organization's.
    var requiredLevel: LevelName? { policy.stronger(request.requiredLevel, state.organization?.requiredLevel) }

    /// Failed tries of this step so far in the transaction.
    var attempts: Int {
        get { state.attempts[name, default: 0] }
        set { state.attempts[name] = newValue }
    }

    /// Counts a failed try: the same page again while tries remain, else the `failure` outcome.
    mutating func failedAttempt(maxAttempts: Int) -> StepDirective {
        attempts += 1
        let left = maxAttempts - attempts
        return left > 0 ? .reprompt(.invalidCredentials(attemptsLeft: left)) : .outcome(.failure)
    }

    /// Records a successful authentication method.
    mutating func addMethods(_ methods: [String]) {
        AuthenticationMethod.add(methods, to: &state.amr)
    }

    /// Records one successful authentication method.
    mutating func addMethod(_ method: String) {
        // Room for this method and `mfa`, so that a login's methods take one allocation.
        state.amr.reserveCapacity(max(4, state.amr.count + 2))
        AuthenticationMethod.add(CollectionOfOne(method), to: &state.amr)
    }
}
