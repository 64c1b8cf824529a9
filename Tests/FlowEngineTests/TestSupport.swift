import FlowEngine
import Foundation
import Testing

/// The fixed world the FlowEngine tests run in: one clock, one level policy, one organization.
enum World {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// loa1: any one factor; loa2: two factors; loa3: a hardware key with a second factor.
    static let policy = AssurancePolicy(levels: [
        LevelDefinition(name: "loa1", methods: [["pwd"], ["email"], ["fed"]]),
        LevelDefinition(name: "loa2", methods: [["mfa"]]),
        LevelDefinition(name: "loa3", methods: [["hwk", "mfa"]]),
    ])

    static let acme = OrganizationContext(id: "acme", name: "Acme", path: ["provider", "reseller", "acme"])
    static let acmeWithSAML = OrganizationContext(
        id: "acme", name: "Acme", path: ["provider", "reseller", "acme"], connection: ConnectionReference(id: "acme-saml", kind: .saml))

    static let alice = UserContext(
        id: "u-alice", email: "alice@acme.test", name: "Alice", hasTOTP: true, recoveryCodesLeft: 2, memberships: ["acme": ["admin"]])

    static let references = FlowReferences(
        connections: ["acme-saml": .saml, "google": .google], levels: ["loa1", "loa2"], apps: ["portal"], organizations: ["acme"])

    /// Identifier-first: the organization's IdP when it has one, else password, then TOTP when the level demands it.
    static let portalJSON = """
        {
          "$schema": "../flows/schema.json",
          "id": "portal",
          "description": "Identifier-first login for the portal.",
          "start": "identify",
          "max_steps": 30,
          "timeout_seconds": 600,
          "steps": {
            "identify": {"type": "identify", "next": {"success": "discover"}},
            "discover": {"type": "discover", "next": {"found": "route", "unknown": "password", "suspended": "suspended"}},
            "route": {
              "type": "choice",
              "choices": [{"when": {"field": "connection.kind", "in": ["saml", "oidc"]}, "next": "sso"}],
              "default": "password"
            },
            "sso": {"type": "federate", "next": {"success": "provision", "failure": "refused"}},
            "provision": {
              "type": "provision", "roles": ["member"], "mapping": {"name": "displayName"},
              "next": {"success": "check", "failure": "refused"}
            },
            "password": {"type": "password", "next": {"success": "check", "failure": "refused", "locked": "locked"}},
            "check": {"type": "assurance", "next": {"met": "done", "unmet": "totp"}},
            "totp": {"type": "totp", "next": {"success": "done", "failure": "refused", "not_enrolled": "refused"}},
            "done": {"type": "allow"},
            "refused": {"type": "deny", "message": "You cannot sign in here."},
            "locked": {"type": "deny", "reason": "account_locked", "message": "Too many attempts; try again later."},
            "suspended": {"type": "deny", "reason": "org_suspended", "message": "Your organization's access is suspended."}
          }
        }
        """

    /// Acme's own flow for the portal: a code by email.
    static let acmeOTPJSON = """
        {
          "id": "acme-otp",
          "start": "identify",
          "steps": {
            "identify": {"type": "identify", "next": {"success": "otp"}},
            "otp": {"type": "email_otp", "next": {"success": "done", "failure": "refused"}},
            "done": {"type": "allow"},
            "refused": {"type": "deny"}
          }
        }
        """
}

/// Validates flow source and returns every diagnostic, sorted by position.
func diagnostics(_ json: String, references: FlowReferences? = nil) -> [Diagnostic] {
    FlowValidator().validate(Array(json.utf8), file: "flow.json", references: references).1
}

/// Compiles flow source that the test expects to be valid.
func compile(_ json: String, file: String = "flow.json") throws -> CompiledFlow {
    try CompiledFlow.compile(Array(json.utf8), file: file)
}

/// A machine about to enter the start step of `flow`, its state prepared as a stored transaction
/// would hold it (the way to put claims, amr and an organization in place for a step under test).
func machine(
    _ flow: CompiledFlow, request: FlowRequest = FlowRequest(app: "portal"), prepare: (inout FlowState) -> Void = { _ in }
) throws -> FlowMachine {
    var state = FlowState(flow: flow.id, step: flow.startStep, startedAt: World.t0)
    prepare(&state)
    return try FlowMachine(flow: flow, request: request, policy: World.policy, resuming: state)
}

/// The denial a finished action carries, or nil.
func denial(_ action: FlowAction) -> FlowDenial? {
    if case .finished(.deny(let denial)) = action { return denial }
    return nil
}

/// The result a finished action carries, or nil.
func result(_ action: FlowAction) -> FlowResult? {
    if case .finished(.allow(let result)) = action { return result }
    return nil
}

extension Diagnostic {
    /// `line:col`, for comparing locations in one expectation.
    var position: String { "\(location.line):\(location.column)" }
}
