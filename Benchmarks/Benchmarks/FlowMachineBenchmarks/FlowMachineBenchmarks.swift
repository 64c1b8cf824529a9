import Benchmark
import FlowEngine
import Foundation

// Runner step transitions per second on one core: a FlowMachine driven directly, with the events an
// environment would feed it already made, so only the pure state machine is measured.
//
// One login enters six steps (identify → discover → password → totp → assurance → allow): six
// transitions. Transitions per second = 6 × logins per second.

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "FlowMachine: one login, 6 transitions",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal],
            maxDuration: .seconds(5),
            maxIterations: 1_000_000
        )
    ) { _, login in
        blackHole(login.run())
    } setup: {
        try PasswordTOTPLogin()
    }

    Benchmark(
        "FlowMachine: 1000 logins, 6000 transitions",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal],
            scalingFactor: .kilo,
            maxDuration: .seconds(5),
            maxIterations: 10_000
        )
    ) { benchmark, login in
        var transitions = 0
        for _ in benchmark.scaledIterations {
            transitions &+= login.run()
        }
        blackHole(transitions)
    } setup: {
        try PasswordTOTPLogin()
    }
}

/// A password + TOTP login through a six-step flow, with every answer prepared in advance.
struct PasswordTOTPLogin: Sendable {
    /// identify → discover → password → totp → assurance → allow, with the failure branches a real
    /// flow has (they are never taken here, but the validator requires every outcome to lead somewhere).
    static let source = #"""
        {
          "description": "Benchmark: password + TOTP, then a loa2 check.",
          "start": "identify",
          "steps": {
            "identify": { "type": "identify", "next": { "success": "discover" } },
            "discover": { "type": "discover", "next": { "found": "password", "unknown": "password", "suspended": "denied" } },
            "password": { "type": "password", "next": { "success": "totp", "failure": "denied", "locked": "denied" } },
            "totp": { "type": "totp", "next": { "success": "assurance", "failure": "denied", "not_enrolled": "denied" } },
            "assurance": { "type": "assurance", "level": "loa2", "next": { "met": "allow", "unmet": "denied" } },
            "allow": { "type": "allow" },
            "denied": { "type": "deny", "reason": "invalid_credentials", "message": "The details you entered were not right." }
          }
        }
        """#

    /// The steps one login enters.
    static let transitionsPerLogin = 6

    let flow: CompiledFlow
    let request = FlowRequest(app: "console")
    let policy = AssurancePolicy(levels: [
        LevelDefinition(name: "loa1", methods: [["pwd"], ["otp"]]),
        LevelDefinition(name: "loa2", methods: [["pwd", "otp"]]),
    ])
    /// One instant for the whole login: the machine reads no clock of its own.
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    /// What the user types and what the environment answers, in order.
    let events: [FlowEvent]

    /// Compiles the flow and checks that one login really enters the six steps and is allowed.
    init() throws {
        flow = try CompiledFlow.compile(Array(Self.source.utf8), file: "benchmark-login.json")
        let organization = OrganizationContext(id: "acme", name: "Acme", path: ["acme"])
        let user = UserContext(id: "u-1", email: "alice@acme.test", hasTOTP: true, memberships: ["acme": ["member"]])
        events = [
            .input(.email("alice@acme.test")),
            .effect(.discovery(.found(organization))),
            .input(.password(Secret("correct horse battery staple"))),
            .effect(.credential(.accepted(user))),
            .input(.code(Secret("123456"))),
            .effect(.credential(.accepted(user))),
        ]
        var machine = FlowMachine(flow: flow, request: request, policy: policy, now: now)
        _ = machine.start(now: now)
        for event in events { _ = machine.handle(event, now: now) }
        guard case .allow(let result)? = machine.state.outcome, result.steps.count == Self.transitionsPerLogin else {
            throw SetupError("the benchmark login did not end in allow after six steps: \(String(describing: machine.state.outcome))")
        }
    }

    /// Runs one login from the first prompt to the outcome.
    /// - Returns: The steps entered (6).
    func run() -> Int {
        var machine = FlowMachine(flow: flow, request: request, policy: policy, now: now)
        _ = machine.start(now: now)
        for event in events { _ = machine.handle(event, now: now) }
        return machine.state.trail.count
    }
}

/// A fixture that does not hold what the benchmark assumes.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
