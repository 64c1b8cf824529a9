import FlowEngine
import Testing

/// federate, social and provision.
struct FederationStepTests {
    let t0 = World.t0

    func flow(_ step: String) throws -> CompiledFlow {
        try compile(
            """
            {
              "start": "step",
              "steps": {
                "step": \(step),
                "ok": {"type": "deny", "reason": "success"},
                "ko": {"type": "deny", "reason": "failure"}
              }
            }
            """)
    }

    @Test func socialRedirectsToTheProviderPreset() throws {
        let social = try flow(#"{"type": "social", "provider": "github", "next": {"success": "ok", "failure": "ko"}}"#)
        var m = try machine(social) { $0.email = "alice@acme.test" }
        #expect(
            m.start(now: t0)
                == .redirect(UpstreamRequest(step: "step", connection: "github", kind: .github, loginHint: "alice@acme.test", requiredLevel: nil)))
        #expect(denial(m.handle(.upstream(.failed(reason: "access_denied", message: "No.")), now: t0))?.reason == "failure")
    }

    @Test func federateUsesAFixedConnectionWhenNamed() throws {
        let federate = try flow(#"{"type": "federate", "connection": "partner-oidc", "next": {"success": "ok", "failure": "ko"}}"#)
        var m = try machine(federate, request: FlowRequest(app: "portal", requiredLevel: "loa2"))
        #expect(
            m.start(now: t0)
                == .redirect(UpstreamRequest(step: "step", connection: "partner-oidc", kind: nil, loginHint: nil, requiredLevel: "loa2")))
    }

    @Test func federateFailsWhenTheOrganizationHasNoConnection() throws {
        let federate = try flow(#"{"type": "federate", "next": {"success": "ok", "failure": "ko"}}"#)
        var m = try machine(federate) { $0.organization = World.acme }
        #expect(denial(m.start(now: t0))?.reason == "failure")
    }

    @Test func federateIsSkippedWhenTheSessionCameThroughTheSameConnection() throws {
        let federate = try flow(#"{"type": "federate", "next": {"success": "ok", "failure": "ko"}}"#)
        var m = try machine(federate) {
            $0.organization = World.acmeWithSAML
            $0.user = World.alice
            $0.upstream = UpstreamLink(connection: "acme-saml", subject: "00u-alice")
        }
        #expect(denial(m.start(now: t0))?.reason == "success")
    }

    @Test func upstreamIdentityForAnotherEmailThanTheKnownAccountFails() throws {
        let federate = try flow(#"{"type": "federate", "next": {"success": "ok", "failure": "ko"}}"#)
        var m = try machine(federate) {
            $0.organization = World.acmeWithSAML
            $0.user = World.alice
        }
        _ = m.start(now: t0)
        let mallory = UpstreamIdentity(connection: "acme-saml", subject: "00u-mallory", email: "mallory@acme.test")
        #expect(denial(m.handle(.upstream(.authenticated(mallory)), now: t0))?.reason == "failure")
    }

    @Test func provisionOnlyLinksWhenToldNotToCreateAndFailsWhenRefused() throws {
        let provision = try flow(#"{"type": "provision", "create": false, "next": {"success": "ok", "failure": "ko"}}"#)
        var m = try machine(provision) {
            $0.email = "alice@acme.test"
            $0.organization = World.acme
        }
        #expect(
            m.start(now: t0)
                == .perform(
                    .provision(ProvisionRequest(email: "alice@acme.test", organization: "acme", create: false, roles: [], claims: [:], upstream: nil))))
        #expect(denial(m.handle(.effect(.provisioningFailed(reason: "no_account")), now: t0))?.reason == "failure")
    }
}
