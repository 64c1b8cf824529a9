import FlowEngine
import Testing

/// Predicates are evaluated by running a one-choice flow: the branch taken says whether it held.
struct PredicateEvaluationTests {
    /// What the transaction knows when the choice runs.
    enum Facts: String, Sendable {
        /// Alice of Acme (a SAML organization under a reseller), after password and TOTP.
        case alice
        /// Nothing yet.
        case nothing
        /// Only an upstream IdP's assertion of loa3.
        case upstreamLoa3

        func apply(to state: inout FlowState) {
            switch self {
            case .alice:
                state.email = "alice@acme.test"
                state.organization = World.acmeWithSAML
                state.user = World.alice
                state.amr = ["mfa", "otp", "pwd"]
                state.claims = ["department": "finance"]
            case .nothing:
                break
            case .upstreamLoa3:
                state.amr = ["fed"]
                state.upstreamLevel = "loa3"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let facts: Facts
        let when: String
        let holds: Bool
        var testDescription: String { "\(facts): \(when) → \(holds)" }
    }

    @Test(arguments: [
        Case(facts: .alice, when: #"{"field": "connection.kind", "equals": "saml"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "connection.kind", "in": ["oidc", "google"]}"#, holds: false),
        Case(facts: .alice, when: #"{"field": "connection", "equals": "acme-saml"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "amr", "contains": "otp"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "amr", "contains": "hwk"}"#, holds: false),
        Case(facts: .alice, when: #"{"field": "acr", "at_least": "loa2"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "acr", "at_least": "loa3"}"#, holds: false),
        Case(facts: .alice, when: #"{"field": "acr", "equals": "loa2"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "claims.department", "equals": "finance"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "claims.department", "in": ["sales", "legal"]}"#, holds: false),
        Case(facts: .alice, when: #"{"field": "claims.cost_center", "exists": true}"#, holds: false),
        Case(facts: .alice, when: #"{"field": "claims.cost_center", "exists": false}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "org.path", "contains": "reseller"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "org", "in": ["globex"]}"#, holds: false),
        Case(facts: .alice, when: #"{"field": "app", "equals": "portal"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "email.domain", "equals": "acme.test"}"#, holds: true),
        Case(facts: .alice, when: #"{"field": "user", "exists": true}"#, holds: true),
        Case(
            facts: .alice, when: #"{"all": [{"field": "connection.kind", "equals": "saml"}, {"field": "amr", "contains": "pwd"}]}"#,
            holds: true),
        Case(
            facts: .alice,
            when: #"{"all": [{"field": "connection.kind", "equals": "saml"}, {"not": {"field": "amr", "contains": "pwd"}}]}"#,
            holds: false),
        Case(
            facts: .alice, when: #"{"any": [{"field": "org", "equals": "globex"}, {"field": "claims.department", "equals": "finance"}]}"#,
            holds: true),
        Case(facts: .alice, when: #"{"any": [{"field": "org", "equals": "globex"}, {"field": "app", "equals": "admin"}]}"#, holds: false),
        Case(facts: .alice, when: #"{"not": {"field": "connection", "equals": "acme-saml"}}"#, holds: false),
        Case(facts: .nothing, when: #"{"field": "org", "exists": false}"#, holds: true),
        Case(facts: .nothing, when: #"{"field": "acr", "exists": false}"#, holds: true),
        Case(facts: .nothing, when: #"{"field": "user", "exists": true}"#, holds: false),
        Case(facts: .nothing, when: #"{"field": "amr", "contains": "pwd"}"#, holds: false),
        Case(facts: .nothing, when: #"{"field": "connection.kind", "in": ["saml"]}"#, holds: false),
        Case(facts: .nothing, when: #"{"field": "acr", "at_least": "loa1"}"#, holds: false),
        Case(facts: .nothing, when: #"{"not": {"field": "email.domain", "equals": "acme.test"}}"#, holds: true),
        Case(facts: .upstreamLoa3, when: #"{"field": "acr", "equals": "loa3"}"#, holds: true),
        Case(facts: .upstreamLoa3, when: #"{"field": "acr", "at_least": "loa2"}"#, holds: true),
    ])
    func choiceTakesTheFirstBranchWhosePredicateHolds(_ input: Case) throws {
        let flow = try compile(
            """
            {
              "start": "route",
              "steps": {
                "route": {"type": "choice", "choices": [{"when": \(input.when), "next": "yes"}], "default": "no"},
                "yes": {"type": "deny", "reason": "held"},
                "no": {"type": "deny", "reason": "did_not_hold"}
              }
            }
            """)
        var m = try machine(flow) { input.facts.apply(to: &$0) }
        #expect(denial(m.start(now: World.t0))?.reason == (input.holds ? "held" : "did_not_hold"))
    }

    @Test func choiceTriesBranchesInOrder() throws {
        let flow = try compile(
            """
            {
              "start": "route",
              "steps": {
                "route": {"type": "choice", "default": "third", "choices": [
                  {"when": {"field": "user", "exists": true}, "next": "first"},
                  {"when": {"field": "amr", "contains": "pwd"}, "next": "second"}
                ]},
                "first": {"type": "deny", "reason": "first"},
                "second": {"type": "deny", "reason": "second"},
                "third": {"type": "deny", "reason": "third"}
              }
            }
            """)
        var both = try machine(flow) { Facts.alice.apply(to: &$0) }
        #expect(denial(both.start(now: World.t0))?.reason == "first")
        var passwordOnly = try machine(flow) { $0.amr = ["pwd"] }
        #expect(denial(passwordOnly.start(now: World.t0))?.reason == "second")
        #expect(passwordOnly.state.trail == ["route", "second"])
    }
}
