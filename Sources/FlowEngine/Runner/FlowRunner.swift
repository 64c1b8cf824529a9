import Foundation

/// Everything with an effect, as the runner sees it: time, the store, credential checks, mail and
/// other flows. Replay passes a recorded one; the server passes the real one.
public protocol FlowEnvironment: Sendable {
    /// The current time.
    func now() -> Date
    /// Performs an effect the machine asked for.
    func perform(_ effect: FlowEffect, for request: FlowRequest) async throws -> EffectResult
    /// The compiled flow with this id (for organization flow overrides).
    func flow(_ id: FlowID) async throws -> CompiledFlow
}

/// Where a transaction stopped: it needs the user, an upstream IdP, or it is over.
public enum FlowSuspension: Sendable, Hashable {
    /// Show this page; resume with `.input`.
    case awaitingInput(Prompt)
    /// Send the user upstream; resume with `.upstream`.
    case awaitingUpstream(UpstreamRequest)
    /// Done.
    case finished(FlowOutcome)
}

/// Drives a ``FlowMachine`` through an environment until it needs the user or an upstream IdP.
public enum FlowRunner {
    /// Runs effects until the transaction suspends or ends.
    /// - Parameters:
    ///   - machine: The transaction; its state is what to store afterwards.
    ///   - event: The user's input or the IdP's answer; nil to start (or re-show the pending page).
    ///   - environment: Time, store and credential checks.
    /// - Throws: What the environment throws (a store failure); the machine then still waits for that effect.
    public static func advance(
        _ machine: inout FlowMachine, with event: FlowEvent? = nil, environment: some FlowEnvironment
    ) async throws -> FlowSuspension {
        var action = event.map { machine.handle($0, now: environment.now()) } ?? machine.start(now: environment.now())
        while true {
            switch action {
            case .prompt(let prompt): return .awaitingInput(prompt)
            case .redirect(let request): return .awaitingUpstream(request)
            case .finished(let outcome): return .finished(outcome)
            case .perform(let effect):
                let result = try await environment.perform(effect, for: machine.request)
                action = machine.handle(.effect(result), now: environment.now())
            case .switchFlow(let id):
                let flow = try await environment.flow(id)
                action = machine.switchFlow(to: flow, now: environment.now())
            }
        }
    }
}
