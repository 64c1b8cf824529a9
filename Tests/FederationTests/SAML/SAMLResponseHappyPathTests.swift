import Directory
import FlowEngine
import Foundation
import Testing

@testable import Federation

@Suite("SAML Response: accepted")
struct SAMLResponseHappyPathTests {
    @Test(
        "accepts a signed Response, a signed Assertion, or both",
        arguments: [(true, false), (false, true), (true, true)]
    )
    func acceptsSignedResponseOrAssertion(signResponse: Bool, signAssertion: Bool) async throws {
        var options = SAMLTestIdP.Options()
        options.signResponse = signResponse
        options.signAssertion = signAssertion
        let (request, issued) = try SAMLFixture.issue(options: options)
        let verdict = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)

        let assertion = try verdict.assertion()
        #expect(verdict.checks.map(\.check) == SAMLCheck.allCases)
        #expect(verdict.checks.allSatisfy { $0.passed }, "\(verdict.checks)")
        #expect(assertion.subject == SAML.NameID(value: "zoe@acme.test", format: SAML.NameIDFormat.emailAddress))
        #expect(assertion.responseSigned == signResponse)
        #expect(assertion.assertionSigned == signAssertion)
        #expect(assertion.issuer == SAMLFixture.idpEntityID)
        #expect(assertion.inResponseTo == request.id)
        #expect(assertion.assertionID == issued.assertionID)
        #expect(assertion.responseID == issued.responseID)
        #expect(assertion.sessionIndex == "session-1")
        #expect(assertion.notOnOrAfter == SAMLFixture.now + 300)
    }

    @Test("maps attributes to claims, the NameID or email claim to email, and AuthnContextClassRef to a level")
    func mapsAttributesAndLevel() async throws {
        var user = SAMLFixture.user
        user.authnContextClassRef = SAML.AuthnContextClass.microsoftMultipleAuthn
        user.attributes["unmapped"] = ["x"]
        let (request, issued) = try SAMLFixture.issue(user: user)
        let assertion = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).assertion()

        #expect(assertion.claims == ["email": ["zoe@acme.test"], "name": ["Zoe Acme"], "groups": ["staff", "r&d"]])
        #expect(assertion.attributes["unmapped"] == ["x"])
        #expect(assertion.authnContextClassRef == SAML.AuthnContextClass.microsoftMultipleAuthn)
        #expect(assertion.level == "loa3")
        #expect(assertion.email == "zoe@acme.test")

        let identity = assertion.upstreamIdentity(connection: "acme-saml")
        #expect(identity == UpstreamIdentity(
            connection: "acme-saml", subject: "zoe@acme.test", email: "zoe@acme.test",
            claims: ["email": "zoe@acme.test", "name": "Zoe Acme", "groups": "staff,r&d"], amr: [], level: "loa3"
        ))
    }

    @Test("takes the email from an emailAddress NameID when no email attribute is mapped")
    func emailFromNameID() async throws {
        let user = SAMLTestIdP.User(nameID: "max@acme.test")
        let (request, issued) = try SAMLFixture.issue(user: user)
        let assertion = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).assertion()
        #expect(assertion.email == "max@acme.test")
        #expect(assertion.claims.isEmpty)
        #expect(assertion.level == "loa1")
    }

    @Test("gives no email for a persistent NameID without an email attribute")
    func noEmailFromPersistentNameID() async throws {
        let user = SAMLTestIdP.User(nameID: "00u1abcd", nameIDFormat: SAML.NameIDFormat.persistent)
        let (request, issued) = try SAMLFixture.issue(user: user)
        let assertion = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).assertion()
        #expect(assertion.email == nil)
        #expect(assertion.subject.value == "00u1abcd")
    }

    @Test("accepts a signature by the second certificate during a rollover")
    func acceptsRolloverCertificate() async throws {
        let sp = SAMLFixture.serviceProvider(certificates: [SAMLTestKeys.idpCertificate, SAMLTestKeys.idpNextCertificate])
        let idp = try SAMLFixture.idp(key: SAMLTestKeys.idpNextKey, certificate: SAMLTestKeys.idpNextCertificate)
        let (request, issued) = try SAMLFixture.issue(idp: idp)
        let verdict = try await SAMLFixture.validator(sp).validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.isAccepted, "\(verdict.checks)")
        #expect(verdict.checks.first { $0.check == .responseSignature }?.description.contains("certificate 2 of 2") == true)
    }

    @Test("accepts raw XML as well as base64, and tolerates line breaks in base64")
    func acceptsRawXMLAndWrappedBase64() async throws {
        let validator = try SAMLFixture.validator()
        let (request, issued) = try SAMLFixture.issue()
        #expect(await validator.validate(issued.xml, expectedRequestID: request.id, now: SAMLFixture.now).isAccepted)

        let (request2, issued2) = try SAMLFixture.issue()
        let wrapped = Data(issued2.xml.utf8).base64EncodedString(options: .lineLength76Characters)
        #expect(await validator.validate(wrapped, expectedRequestID: request2.id, now: SAMLFixture.now).isAccepted)
    }

    @Test("accepts a Response within the clock skew of its validity window")
    func acceptsWithinClockSkew() async throws {
        let (request, issued) = try SAMLFixture.issue()
        let justAfter = SAMLFixture.now + 300 + 100  // expired 100 s ago, skew is 120 s
        let verdict = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: justAfter)
        #expect(verdict.isAccepted, "\(verdict.checks)")
        let justBefore = SAMLFixture.now - 100
        let (request2, issued2) = try SAMLFixture.issue()
        #expect(try await SAMLFixture.validator().validate(issued2.base64, expectedRequestID: request2.id, now: justBefore).isAccepted)
    }

    @Test("converts a verdict to the flow runner's event")
    func upstreamResponse() async throws {
        let (request, issued) = try SAMLFixture.issue()
        let verdict = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        guard case .authenticated(let identity) = verdict.upstreamResponse(connection: "acme-saml") else {
            Issue.record("expected an identity")
            return
        }
        #expect(identity.subject == "zoe@acme.test")
        #expect(identity.level == "loa1")
    }
}
