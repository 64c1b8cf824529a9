import FlowEngine
import Foundation
import Testing

/// The machine is driven directly: every test asserts the exact actions it returns.
struct FlowMachineTests {
    let portal: CompiledFlow
    let t0 = World.t0

    init() throws { portal = try compile(World.portalJSON, file: "flows/portal.json") }

    func start(_ request: FlowRequest) -> FlowMachine {
        FlowMachine(flow: portal, request: request, policy: World.policy, now: t0)
    }

    // MARK: Local logins

    @Test func identifierFirstPasswordAndTOTPReachTheRequiredLevel() {
        var m = start(FlowRequest(app: "portal", requiredLevel: "loa2"))
        #expect(m.start(now: t0) == .prompt(Prompt(step: "identify", kind: .email)))
        #expect(m.handle(.input(.email(" alice@ACME.test ")), now: t0) == .perform(.discover(email: "alice@acme.test")))
        #expect(
            m.handle(.effect(.discovery(.found(World.acme))), now: t0)
                == .prompt(Prompt(step: "password", kind: .password(email: "alice@acme.test"))))
        #expect(
            m.handle(.input(.password(Secret("correct horse"))), now: t0)
                == .perform(.verifyPassword(email: "alice@acme.test", password: Secret("correct horse"))))
        #expect(m.handle(.effect(.credential(.accepted(World.alice))), now: t0) == .prompt(Prompt(step: "totp", kind: .totp)))
        #expect(m.handle(.input(.code(Secret("123456"))), now: t0) == .perform(.verifyTOTP(user: "u-alice", code: Secret("123456"))))
        #expect(
            m.handle(.effect(.credential(.accepted(nil))), now: t0)
                == .finished(
                    .allow(
                        FlowResult(
                            subject: "u-alice", email: "alice@acme.test", organization: World.acme, roles: ["admin"], claims: [:],
                            acr: "loa2", amr: ["mfa", "otp", "pwd"],
                            steps: ["identify", "discover", "route", "password", "check", "totp", "done"], upstream: nil,
                            upstreamLevel: nil))))
    }

    /// A machine waiting at the password prompt for alice (from a login hint, no organization).
    func atPasswordPrompt() -> FlowMachine {
        var m = start(FlowRequest(app: "portal", loginHint: "alice@acme.test"))
        _ = m.start(now: t0)
        _ = m.handle(.effect(.discovery(.unknown)), now: t0)
        return m
    }

    @Test func wrongPasswordAsksAgainWithTheTriesLeftThenFails() {
        var m = atPasswordPrompt()
        let page = Prompt(step: "password", kind: .password(email: "alice@acme.test"))
        #expect(m.pendingAction == .prompt(page))
        for left in [2, 1] {
            #expect(m.handle(.input(.password(Secret("wrong"))), now: t0) == .perform(.verifyPassword(email: "alice@acme.test", password: Secret("wrong"))))
            #expect(
                m.handle(.effect(.credential(.rejected)), now: t0)
                    == .prompt(Prompt(step: "password", kind: .password(email: "alice@acme.test"), error: .invalidCredentials(attemptsLeft: left))))
        }
        _ = m.handle(.input(.password(Secret("wrong"))), now: t0)
        #expect(
            m.handle(.effect(.credential(.rejected)), now: t0)
                == .finished(
                    .deny(
                        FlowDenial(
                            reason: "access_denied", message: "You cannot sign in here.", step: "refused",
                            steps: ["identify", "discover", "password", "refused"]))))
    }

    @Test func lockedAccountTakesTheLockedOutcome() {
        var m = atPasswordPrompt()
        _ = m.handle(.input(.password(Secret("guess"))), now: t0)
        let action = m.handle(.effect(.credential(.locked(until: t0.addingTimeInterval(900)))), now: t0)
        #expect(
            action
                == .finished(
                    .deny(
                        FlowDenial(
                            reason: "account_locked", message: "Too many attempts; try again later.", step: "locked",
                            steps: ["identify", "discover", "password", "locked"]))))
    }

    @Test func loginHintSkipsTheIdentifyPage() {
        var m = start(FlowRequest(app: "portal", loginHint: "Alice@Acme.TEST"))
        #expect(m.start(now: t0) == .perform(.discover(email: "Alice@acme.test")))
        #expect(m.state.trail == ["identify", "discover"])
    }

    @Test func malformedLoginHintIsIgnored() {
        var m = start(FlowRequest(app: "portal", loginHint: "not an address"))
        #expect(m.start(now: t0) == .prompt(Prompt(step: "identify", kind: .email)))
    }

    @Test func malformedEmailIsAskedForAgain() {
        var m = start(FlowRequest(app: "portal"))
        _ = m.start(now: t0)
        #expect(m.handle(.input(.email("alice at acme")), now: t0) == .prompt(Prompt(step: "identify", kind: .email, error: .invalidEmail)))
        #expect(m.state.email == nil)
    }

    // MARK: Sessions and step-up

    @Test func sessionWithPasswordStepsUpWithTOTPOnly() {
        let session = SessionContext(user: World.alice, organization: World.acme, amr: ["pwd"], authTime: t0.addingTimeInterval(-600))
        var m = start(FlowRequest(app: "portal", requiredLevel: "loa2", session: session))
        #expect(m.start(now: t0) == .perform(.discover(email: "alice@acme.test")))
        #expect(m.handle(.effect(.discovery(.found(World.acme))), now: t0) == .prompt(Prompt(step: "totp", kind: .totp)))
        _ = m.handle(.input(.code(Secret("654321"))), now: t0)
        let done = m.handle(.effect(.credential(.accepted(nil))), now: t0)
        #expect(result(done)?.amr == ["mfa", "otp", "pwd"])
        #expect(result(done)?.acr == "loa2")
        #expect(result(done)?.steps == ["identify", "discover", "route", "password", "check", "totp", "done"])
    }

    @Test func sessionThatAlreadyMeetsTheLevelAsksNothing() {
        let session = SessionContext(user: World.alice, organization: World.acme, amr: ["otp", "pwd"], authTime: t0)
        var m = start(FlowRequest(app: "portal", requiredLevel: "loa2", session: session))
        _ = m.start(now: t0)
        let done = m.handle(.effect(.discovery(.found(World.acme))), now: t0)
        #expect(result(done)?.acr == "loa2")
        #expect(result(done)?.steps == ["identify", "discover", "route", "password", "check", "done"])
    }

    // MARK: Organizations

    @Test func suspendedOrganizationIsRefused() {
        var m = awaitingDiscovery()
        var suspended = World.acme
        suspended.suspended = true
        let action = m.handle(.effect(.discovery(.found(suspended))), now: t0)
        #expect(denial(action)?.reason == "org_suspended")
        #expect(denial(action)?.step == "suspended")
        #expect(m.state.organization == suspended)
    }

    func awaitingDiscovery() -> FlowMachine {
        var m = start(FlowRequest(app: "portal", loginHint: "alice@acme.test"))
        _ = m.start(now: t0)
        return m
    }

    @Test func organizationFlowOverrideSwitchesFlowsAndKeepsTheEmail() throws {
        let acmeOTP = try compile(World.acmeOTPJSON, file: "flows/acme-otp.json")
        var acme = World.acme
        acme.flowOverrides = ["portal": "acme-otp"]
        var m = start(FlowRequest(app: "portal"))
        _ = m.start(now: t0)
        _ = m.handle(.input(.email("alice@acme.test")), now: t0)
        #expect(m.handle(.effect(.discovery(.found(acme))), now: t0) == .switchFlow("acme-otp"))
        #expect(m.switchFlow(to: portal, now: t0) == .switchFlow("acme-otp"), "only the flow asked for is taken")
        #expect(m.switchFlow(to: acmeOTP, now: t0) == .perform(.sendEmailOTP(email: "alice@acme.test")))
        #expect(m.flow.id == "acme-otp")
        #expect(m.state.flow == "acme-otp")
        #expect(m.handle(.effect(.sent(to: "a…@acme.test")), now: t0) == .prompt(Prompt(step: "otp", kind: .emailOTP(sentTo: "a…@acme.test"))))
        #expect(m.handle(.input(.code(Secret("246810"))), now: t0) == .perform(.verifyEmailOTP(email: "alice@acme.test", code: Secret("246810"))))
        #expect(
            m.handle(.effect(.credential(.accepted(World.alice))), now: t0)
                == .finished(
                    .allow(
                        FlowResult(
                            subject: "u-alice", email: "alice@acme.test", organization: acme, roles: ["admin"], claims: [:], acr: "loa1",
                            amr: ["email"], steps: ["identify", "discover", "identify", "otp", "done"], upstream: nil, upstreamLevel: nil))))
    }

    // MARK: Federation

    @Test func federatesToTheOrganizationsConnectionAndTakesItsLevel() {
        var m = start(FlowRequest(app: "portal", requiredLevel: "loa2", loginHint: "alice@acme.test"))
        _ = m.start(now: t0)
        #expect(
            m.handle(.effect(.discovery(.found(World.acmeWithSAML))), now: t0)
                == .redirect(
                    UpstreamRequest(step: "sso", connection: "acme-saml", kind: .saml, loginHint: "alice@acme.test", requiredLevel: "loa2")))
        let identity = UpstreamIdentity(
            connection: "acme-saml", subject: "00u-alice", email: "alice@acme.test", claims: ["displayName": "Alice Liddell"], level: "loa2")
        #expect(
            m.handle(.upstream(.authenticated(identity)), now: t0)
                == .perform(
                    .provision(
                        ProvisionRequest(
                            email: "alice@acme.test", organization: "acme", create: true, roles: ["member"], claims: ["name": "Alice Liddell"],
                            upstream: UpstreamLink(connection: "acme-saml", subject: "00u-alice")))))
        let member = UserContext(id: "u-alice", email: "alice@acme.test", memberships: ["acme": ["member"]])
        #expect(
            m.handle(.effect(.provisioned(member)), now: t0)
                == .finished(
                    .allow(
                        FlowResult(
                            subject: "u-alice", email: "alice@acme.test", organization: World.acmeWithSAML, roles: ["member"],
                            claims: ["displayName": "Alice Liddell", "name": "Alice Liddell"], acr: "loa2", amr: ["fed"],
                            steps: ["identify", "discover", "route", "sso", "provision", "check", "done"], upstream: UpstreamLink(connection: "acme-saml", subject: "00u-alice"),
                            upstreamLevel: "loa2"))))
    }

    @Test func failedUpstreamAuthenticationIsRefused() {
        var m = start(FlowRequest(app: "portal", loginHint: "alice@acme.test"))
        _ = m.start(now: t0)
        _ = m.handle(.effect(.discovery(.found(World.acmeWithSAML))), now: t0)
        let action = m.handle(.upstream(.failed(reason: "access_denied", message: "The IdP refused.")), now: t0)
        #expect(denial(action)?.step == "refused")
    }

    // MARK: The allow step's own checks

    @Test func allowWithoutAnAccountIsRefused() throws {
        let flow = try compile(#"{"start": "done", "steps": {"done": {"type": "allow"}}}"#)
        var m = FlowMachine(flow: flow, request: FlowRequest(app: "portal"), policy: World.policy, now: t0)
        #expect(
            m.start(now: t0)
                == .finished(
                    .deny(
                        FlowDenial(
                            reason: "no_subject", message: "We could not find your account. Contact your administrator.", step: "done",
                            steps: ["done"]))))
    }

    @Test func allowBelowTheRequiredLevelIsRefused() throws {
        let flow = try compile(#"{"start": "done", "steps": {"done": {"type": "allow"}}}"#)
        let session = SessionContext(user: World.alice, amr: ["pwd"], authTime: t0)
        var m = FlowMachine(flow: flow, request: FlowRequest(app: "portal", requiredLevel: "loa2", session: session), policy: World.policy, now: t0)
        let action = m.start(now: t0)
        #expect(denial(action)?.reason == "insufficient_assurance")
        #expect(denial(action)?.message == "This app needs a stronger sign-in than was completed.")
    }

    @Test func allowAddsItsStaticClaims() throws {
        let flow = try compile(#"{"start": "done", "steps": {"done": {"type": "allow", "claims": {"tier": "gold"}}}}"#)
        var m = try machine(flow) {
            $0.user = World.alice
            $0.claims = ["tier": "silver", "department": "finance"]
        }
        #expect(result(m.start(now: t0))?.claims == ["tier": "gold", "department": "finance"])
    }

    // MARK: Assurance

    struct AssuranceCase: Sendable, CustomTestStringConvertible {
        var stepLevel: String?
        var requested: LevelName?
        var organization: LevelName?
        var amr: [String] = []
        var upstream: LevelName?
        let met: Bool
        var testDescription: String {
            "step \(stepLevel ?? "-") request \(requested?.rawValue ?? "-") org \(organization?.rawValue ?? "-") amr \(amr) upstream \(upstream?.rawValue ?? "-") → \(met ? "met" : "unmet")"
        }
    }

    @Test(arguments: [
        AssuranceCase(met: true),
        AssuranceCase(requested: "loa1", amr: ["pwd"], met: true),
        AssuranceCase(requested: "loa2", amr: ["pwd"], met: false),
        AssuranceCase(requested: "loa2", amr: ["mfa", "otp", "pwd"], met: true),
        AssuranceCase(requested: "loa1", organization: "loa3", amr: ["mfa", "otp", "pwd"], met: false),
        AssuranceCase(stepLevel: "loa3", amr: ["hwk", "mfa", "pwd"], met: true),
        AssuranceCase(stepLevel: "loa1", requested: "loa2", amr: ["pwd"], met: false),
        AssuranceCase(requested: "loa2", amr: ["fed"], upstream: "loa2", met: true),
        AssuranceCase(requested: "gold", amr: ["hwk", "mfa", "pwd"], met: false),
    ])
    func assuranceComparesTheLevelReachedWithTheLevelRequired(_ input: AssuranceCase) throws {
        let level = input.stepLevel.map { #""level": "\#($0)", "# } ?? ""
        let flow = try compile(
            """
            {
              "start": "check",
              "steps": {
                "check": {"type": "assurance", \(level)"next": {"met": "met", "unmet": "unmet"}},
                "met": {"type": "deny", "reason": "met"},
                "unmet": {"type": "deny", "reason": "unmet"}
              }
            }
            """)
        var organization = World.acme
        organization.requiredLevel = input.organization
        var m = try machine(flow, request: FlowRequest(app: "portal", requiredLevel: input.requested)) {
            $0.organization = organization
            $0.amr = input.amr
            $0.upstreamLevel = input.upstream
        }
        #expect(denial(m.start(now: t0))?.reason == (input.met ? "met" : "unmet"))
    }

    // MARK: Limits and cancellation

    @Test func loopThroughAPromptEndsAtTheStepLimit() throws {
        let flow = try compile(
            """
            {
              "start": "identify",
              "max_steps": 5,
              "steps": {
                "identify": {"type": "identify", "next": {"success": "password"}},
                "password": {"type": "password", "max_attempts": 1, "next": {"success": "done", "failure": "identify", "locked": "done"}},
                "done": {"type": "allow"}
              }
            }
            """)
        var m = FlowMachine(flow: flow, request: FlowRequest(app: "portal", loginHint: "alice@acme.test"), policy: World.policy, now: t0)
        let page = Prompt(step: "password", kind: .password(email: "alice@acme.test"))
        #expect(m.start(now: t0) == .prompt(page))
        _ = m.handle(.input(.password(Secret("wrong"))), now: t0)
        #expect(m.handle(.effect(.credential(.rejected)), now: t0) == .prompt(page), "the loop comes back to the page")
        _ = m.handle(.input(.password(Secret("wrong"))), now: t0)
        #expect(
            m.handle(.effect(.credential(.rejected)), now: t0)
                == .finished(
                    .deny(
                        FlowDenial(
                            reason: "step_limit", message: "This sign-in could not be completed. Please start again.", step: "identify",
                            steps: ["identify", "password", "identify", "password", "identify"]))))
    }

    @Test func eventAfterTheTimeoutEndsTheTransaction() {
        var m = start(FlowRequest(app: "portal"))
        _ = m.start(now: t0)
        var inTime = m
        #expect(inTime.handle(.input(.email("alice@acme.test")), now: t0.addingTimeInterval(600)) == .perform(.discover(email: "alice@acme.test")))
        #expect(
            m.handle(.input(.email("alice@acme.test")), now: t0.addingTimeInterval(601))
                == .finished(
                    .deny(
                        FlowDenial(
                            reason: "expired", message: "This sign-in took too long. Please start again.", step: "identify", steps: ["identify"]))))
    }

    @Test func cancelEndsTheTransactionAndItStaysEnded() {
        var m = start(FlowRequest(app: "portal"))
        _ = m.start(now: t0)
        let cancelled = FlowAction.finished(
            .deny(FlowDenial(reason: "cancelled", message: "You cancelled the sign-in.", step: "identify", steps: ["identify"])))
        #expect(m.handle(.input(.cancel), now: t0) == cancelled)
        #expect(m.handle(.input(.email("alice@acme.test")), now: t0) == cancelled)
        #expect(m.start(now: t0) == cancelled)
        #expect(m.state.outcome == .deny(FlowDenial(reason: "cancelled", message: "You cancelled the sign-in.", step: "identify", steps: ["identify"])))
    }

    // MARK: Events that do not fit

    enum Waiting: String, Sendable, CaseIterable {
        case emailPage, discovery, passwordCheck, upstream
    }

    struct Misfit: Sendable, CustomTestStringConvertible {
        let waiting: Waiting
        let event: FlowEvent
        var testDescription: String { "\(waiting) ← \(event)" }
    }

    func waiting(for waiting: Waiting) -> FlowMachine {
        switch waiting {
        case .emailPage:
            var m = start(FlowRequest(app: "portal"))
            _ = m.start(now: t0)
            return m
        case .discovery:
            return awaitingDiscovery()
        case .passwordCheck:
            var m = atPasswordPrompt()
            _ = m.handle(.input(.password(Secret("pw"))), now: t0)
            return m
        case .upstream:
            var m = awaitingDiscovery()
            _ = m.handle(.effect(.discovery(.found(World.acmeWithSAML))), now: t0)
            return m
        }
    }

    @Test(arguments: [
        Misfit(waiting: .emailPage, event: .input(.code(Secret("123456")))),
        Misfit(waiting: .emailPage, event: .effect(.sent(to: "x"))),
        Misfit(waiting: .emailPage, event: .upstream(.failed(reason: "x", message: "x"))),
        Misfit(waiting: .discovery, event: .input(.email("bob@acme.test"))),
        Misfit(waiting: .discovery, event: .effect(.credential(.rejected))),
        Misfit(waiting: .passwordCheck, event: .effect(.discovery(.unknown))),
        Misfit(waiting: .passwordCheck, event: .input(.cancel)),
        Misfit(waiting: .upstream, event: .effect(.sent(to: "x"))),
        Misfit(waiting: .upstream, event: .input(.password(Secret("pw")))),
    ])
    func eventThatDoesNotFitChangesNothing(_ input: Misfit) throws {
        var m = waiting(for: input.waiting)
        let before = m.state
        let pending = try #require(m.pendingAction)
        var expected = pending
        var expectedState = before
        if case .prompt(var prompt) = pending {
            prompt.error = .unexpectedInput
            expected = .prompt(prompt)
            expectedState.phase = .awaitingInput(prompt)
        }
        #expect(m.handle(input.event, now: t0) == expected)
        #expect(m.state == expectedState)
    }

    // MARK: Resuming elsewhere

    @Test func stateRoundTripsThroughJSONAndAnotherNodeContinuesIdentically() throws {
        let request = FlowRequest(app: "portal", requiredLevel: "loa2", loginHint: "alice@acme.test")
        var here = start(request)
        _ = here.start(now: t0)
        _ = here.handle(.effect(.discovery(.found(World.acme))), now: t0)
        _ = here.handle(.input(.password(Secret("pw"))), now: t0)
        _ = here.handle(.effect(.credential(.rejected)), now: t0)

        let stored = try JSONEncoder().encode(here.state)
        let decoded = try JSONDecoder().decode(FlowState.self, from: stored)
        #expect(decoded == here.state)
        var there = try FlowMachine(flow: portal, request: request, policy: World.policy, resuming: decoded)
        #expect(there.pendingAction == here.pendingAction)

        let events: [FlowEvent] = [
            .input(.password(Secret("pw"))), .effect(.credential(.accepted(World.alice))), .input(.code(Secret("1"))),
            .effect(.credential(.rejected)), .input(.code(Secret("2"))), .effect(.credential(.accepted(nil))),
        ]
        for event in events {
            #expect(there.handle(event, now: t0) == here.handle(event, now: t0))
            #expect(there.state == here.state)
        }
        #expect(result(there.pendingAction ?? .switchFlow(""))?.acr == "loa2")
    }

    @Test func refusesToResumeAStateOfAnotherFlow() throws {
        let other = try compile(World.acmeOTPJSON)
        let state = FlowState(flow: "acme-otp", step: "otp", startedAt: t0)
        _ = try FlowMachine(flow: other, request: FlowRequest(app: "portal"), policy: World.policy, resuming: state)
        let error = #expect(throws: FlowError.self) {
            try FlowMachine(flow: portal, request: FlowRequest(app: "portal"), policy: World.policy, resuming: state)
        }
        #expect(error?.code == .stateMismatch)
    }
}
