import FlowEngine
import Foundation
import Testing

/// A small directory with fixed answers: what replay or the server would supply for real.
struct TestEnvironment: FlowEnvironment {
    struct Account: Sendable {
        let password: String
        let totp: String
        let user: UserContext
    }

    struct StoreUnavailable: Error {}

    var clock = World.t0
    var accounts: [String: Account] = [:]
    var organizations: [String: OrganizationContext] = [:]
    var flows: [FlowID: CompiledFlow] = [:]
    var storeDown = false

    func now() -> Date { clock }

    func perform(_ effect: FlowEffect, for request: FlowRequest) async throws -> EffectResult {
        if storeDown { throw StoreUnavailable() }
        switch effect {
        case .discover(let email):
            return .discovery(EmailSyntax.domain(of: email).flatMap { organizations[$0] }.map(DiscoveryResult.found) ?? .unknown)
        case .verifyPassword(let email, let password):
            guard let account = accounts[email], account.password == password.value else { return .credential(.rejected) }
            return .credential(.accepted(account.user))
        case .verifyTOTP(let user, let code):
            return .credential(accounts.values.contains { $0.user.id == user && $0.totp == code.value } ? .accepted(nil) : .rejected)
        case .sendEmailOTP(let email):
            return .sent(to: email)
        case .verifyEmailOTP(let email, let code):
            return .credential(code.value == "246810" ? .accepted(accounts[email]?.user) : .rejected)
        default:
            throw StoreUnavailable()
        }
    }

    func flow(_ id: FlowID) async throws -> CompiledFlow {
        guard let flow = flows[id] else { throw FlowError.unknownFlow(id) }
        return flow
    }
}

struct FlowRunnerTests {
    let portal: CompiledFlow
    let environment: TestEnvironment

    init() throws {
        portal = try compile(World.portalJSON)
        var environment = TestEnvironment()
        environment.accounts["alice@acme.test"] = .init(password: "correct horse", totp: "123456", user: World.alice)
        environment.organizations["acme.test"] = World.acme
        self.environment = environment
    }

    @Test func advancesThroughEffectsAndStopsOnlyForTheUser() async throws {
        var m = FlowMachine(flow: portal, request: FlowRequest(app: "portal", requiredLevel: "loa2"), policy: World.policy, now: World.t0)
        #expect(try await FlowRunner.advance(&m, environment: environment) == .awaitingInput(Prompt(step: "identify", kind: .email)))
        #expect(
            try await FlowRunner.advance(&m, with: .input(.email("alice@acme.test")), environment: environment)
                == .awaitingInput(Prompt(step: "password", kind: .password(email: "alice@acme.test"))))
        #expect(
            try await FlowRunner.advance(&m, with: .input(.password(Secret("correct horse"))), environment: environment)
                == .awaitingInput(Prompt(step: "totp", kind: .totp)))
        #expect(
            try await FlowRunner.advance(&m, with: .input(.code(Secret("000000"))), environment: environment)
                == .awaitingInput(Prompt(step: "totp", kind: .totp, error: .invalidCredentials(attemptsLeft: 2))))
        let end = try await FlowRunner.advance(&m, with: .input(.code(Secret("123456"))), environment: environment)
        guard case .finished(.allow(let result)) = end else {
            Issue.record("expected an allowed login, got \(end)")
            return
        }
        #expect(result.subject == "u-alice")
        #expect(result.acr == "loa2")
        #expect(result.amr == ["mfa", "otp", "pwd"])
    }

    @Test func loadsTheOrganizationsOwnFlowFromTheEnvironment() async throws {
        var environment = environment
        var acme = World.acme
        acme.flowOverrides = ["portal": "acme-otp"]
        environment.organizations["acme.test"] = acme
        environment.flows["acme-otp"] = try compile(World.acmeOTPJSON)
        var m = FlowMachine(flow: portal, request: FlowRequest(app: "portal"), policy: World.policy, now: World.t0)
        _ = try await FlowRunner.advance(&m, environment: environment)
        #expect(
            try await FlowRunner.advance(&m, with: .input(.email("alice@acme.test")), environment: environment)
                == .awaitingInput(Prompt(step: "otp", kind: .emailOTP(sentTo: "alice@acme.test"))))
        let end = try await FlowRunner.advance(&m, with: .input(.code(Secret("246810"))), environment: environment)
        guard case .finished(.allow(let result)) = end else {
            Issue.record("expected an allowed login, got \(end)")
            return
        }
        #expect(result.steps == ["identify", "discover", "identify", "otp", "done"])
        #expect(result.amr == ["email"])
    }

    @Test func environmentFailureLeavesTheTransactionWaitingForTheSameEffect() async throws {
        var down = environment
        down.storeDown = true
        var m = FlowMachine(flow: portal, request: FlowRequest(app: "portal"), policy: World.policy, now: World.t0)
        _ = try await FlowRunner.advance(&m, environment: environment)
        await #expect(throws: TestEnvironment.StoreUnavailable.self) {
            try await FlowRunner.advance(&m, with: .input(.email("alice@acme.test")), environment: down)
        }
        #expect(m.pendingAction == .perform(.discover(email: "alice@acme.test")))
        #expect(
            try await FlowRunner.advance(&m, environment: environment)
                == .awaitingInput(Prompt(step: "password", kind: .password(email: "alice@acme.test"))), "a retry performs the effect")
    }

    @Test func readsTheTimeFromTheEnvironment() async throws {
        var later = environment
        later.clock = World.t0.addingTimeInterval(601)
        var m = FlowMachine(flow: portal, request: FlowRequest(app: "portal"), policy: World.policy, now: World.t0)
        _ = try await FlowRunner.advance(&m, environment: environment)
        let end = try await FlowRunner.advance(&m, with: .input(.email("alice@acme.test")), environment: later)
        guard case .finished(.deny(let denial)) = end else {
            Issue.record("expected a denial, got \(end)")
            return
        }
        #expect(denial.reason == DenialReason.expired)
    }

    @Test func unknownOverrideFlowIsAnError() async throws {
        var environment = environment
        var acme = World.acme
        acme.flowOverrides = ["portal": "missing"]
        environment.organizations["acme.test"] = acme
        var m = FlowMachine(flow: portal, request: FlowRequest(app: "portal"), policy: World.policy, now: World.t0)
        _ = try await FlowRunner.advance(&m, environment: environment)
        let error = await #expect(throws: FlowError.self) {
            try await FlowRunner.advance(&m, with: .input(.email("alice@acme.test")), environment: environment)
        }
        #expect(error?.code == .unknownFlow)
        #expect(m.pendingAction == .switchFlow("missing"))
    }
}
