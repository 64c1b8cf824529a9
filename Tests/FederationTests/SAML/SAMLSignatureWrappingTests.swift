import Directory
import Foundation
import Testing

@testable import Federation

/// XML signature wrapping (XSW): a genuine signature over one element, and a different element read.
/// Every variant must be refused, whatever check catches it.
@Suite("SAML Response: signature wrapping and tampering")
struct SAMLSignatureWrappingTests {
    /// A genuine Response with only the Assertion signed (the usual XSW target), and its pieces.
    private static func assertionSignedOnly() throws -> (request: AuthnRequest, xml: String, assertion: String) {
        var options = SAMLTestIdP.Options()
        options.signResponse = false
        let (request, issued) = try SAMLFixture.issue(options: options)
        let start = try #require(issued.xml.range(of: "<saml:Assertion "))
        let end = try #require(issued.xml.range(of: "</saml:Assertion>"))
        return (request, issued.xml, String(issued.xml[start.lowerBound..<end.upperBound]))
    }

    private static func validate(_ xml: String, _ request: AuthnRequest, sp: SAMLServiceProvider = SAMLFixture.serviceProvider()) async throws -> SAMLVerdict {
        try await SAMLFixture.validator(sp).validate(SAMLFixture.base64(xml), expectedRequestID: request.id, now: SAMLFixture.now)
    }

    /// The evil twin: the same Assertion with another subject, no signature, and a new ID.
    private static func forged(from assertion: String, id: String = "_evil") -> String {
        let unsigned = assertion.replacingOccurrences(of: #"<ds:Signature[\s\S]*</ds:Signature>"#, with: "", options: .regularExpression)
        return unsigned
            .replacingOccurrences(of: "zoe@acme.test", with: "admin@acme.test")
            .replacingOccurrences(of: #"ID="_[0-9a-f]+""#, with: "ID=\"\(id)\"", options: .regularExpression)
    }

    @Test("rejects a Response where neither the Response nor the Assertion is signed")
    func rejectsUnsigned() async throws {
        var options = SAMLTestIdP.Options()
        options.signResponse = false
        options.signAssertion = false
        let (request, issued) = try SAMLFixture.issue(options: options)
        let verdict = try await Self.validate(issued.xml, request)
        #expect(verdict.failureCode == .signatureMissing)
        #expect(verdict.failedCheck == .signatureRequired)
    }

    @Test("rejects a Response signed only at Response level when the connection wants signed Assertions")
    func rejectsUnsignedAssertionWhenWanted() async throws {
        var options = SAMLTestIdP.Options()
        options.signAssertion = false
        let (request, issued) = try SAMLFixture.issue(options: options)
        let verdict = try await Self.validate(issued.xml, request, sp: SAMLFixture.serviceProvider(wantAssertionsSigned: true))
        #expect(verdict.failureCode == .signatureMissing)
    }

    @Test("rejects content changed after signing")
    func rejectsChangedContent() async throws {
        let (request, xml, _) = try Self.assertionSignedOnly()
        let tampered = xml.replacingOnce(">zoe@acme.test</saml:NameID>", with: ">admin@acme.test</saml:NameID>")
        let verdict = try await Self.validate(tampered, request)
        #expect(verdict.failureCode == .signatureInvalid)
        #expect(verdict.failedCheck == .assertionSignature)
    }

    @Test("rejects a Response signed by a certificate the connection does not trust")
    func rejectsWrongCertificate() async throws {
        let attacker = try SAMLFixture.idp(key: SAMLTestKeys.untrustedKey, certificate: SAMLTestKeys.untrustedCertificate)
        let (request, issued) = try SAMLFixture.issue(idp: attacker)
        let verdict = try await Self.validate(issued.xml, request)
        #expect(verdict.failureCode == .untrustedKey)
        #expect(verdict.failedCheck == .responseSignature)
    }

    @Test("rejects a forged Assertion next to the signed one (moved: two assertions)")
    func rejectsTwoAssertions() async throws {
        let (request, xml, assertion) = try Self.assertionSignedOnly()
        let attacked = xml.replacingOnce(assertion, with: Self.forged(from: assertion) + assertion)
        let verdict = try await Self.validate(attacked, request)
        #expect(verdict.failureCode == .signatureWrapping)
        #expect(verdict.failedCheck == .singleAssertion)
    }

    @Test("rejects a forged Assertion with the signed one hidden in samlp:Extensions")
    func rejectsSignedAssertionHiddenInExtensions() async throws {
        let (request, xml, assertion) = try Self.assertionSignedOnly()
        let extensions = "<samlp:Extensions>\(assertion)</samlp:Extensions>"
        let attacked = xml.replacingOnce(assertion, with: Self.forged(from: assertion))
            .replacingOnce("<samlp:Status>", with: extensions + "<samlp:Status>")
        let verdict = try await Self.validate(attacked, request)
        #expect(verdict.failureCode == .signatureWrapping)
    }

    @Test("rejects a forged Assertion whose signature points at the real one hidden in a ds:Object")
    func rejectsSignedAssertionHiddenInSignatureObject() async throws {
        let (request, xml, assertion) = try Self.assertionSignedOnly()
        // Move the genuine signed Assertion into <ds:Object> of a copied signature placed in the forgery.
        let signature = try #require(assertion.range(of: #"<ds:Signature[\s\S]*</ds:Signature>"#, options: .regularExpression))
        let signatureXML = String(assertion[signature])
        let wrapper = signatureXML.replacingOnce("</ds:Signature>", with: "<ds:Object>\(assertion)</ds:Object></ds:Signature>")
        let evil = Self.forged(from: assertion, id: Self.id(of: assertion))
            .replacingOnce("</saml:Issuer>", with: "</saml:Issuer>" + wrapper)
        let verdict = try await Self.validate(xml.replacingOnce(assertion, with: evil), request)
        #expect(verdict.failureCode == .signatureWrapping)
    }

    @Test("rejects a signed Assertion nested inside a forged one")
    func rejectsNestedAssertion() async throws {
        let (request, xml, assertion) = try Self.assertionSignedOnly()
        let evil = Self.forged(from: assertion).replacingOnce("</saml:Subject>", with: "</saml:Subject>" + assertion)
        let verdict = try await Self.validate(xml.replacingOnce(assertion, with: evil), request)
        #expect(verdict.failureCode == .signatureWrapping)
    }

    @Test("rejects a cloned Assertion carrying the genuine signature (same ID twice)")
    func rejectsDuplicateIDs() async throws {
        let (request, xml, assertion) = try Self.assertionSignedOnly()
        let id = Self.id(of: assertion)
        // The clone keeps the ID and the signature, so its Reference names an ID that appears twice.
        let clone = assertion.replacingOnce(">zoe@acme.test</saml:NameID>", with: ">admin@acme.test</saml:NameID>")
        let attacked = xml.replacingOnce(assertion, with: clone)
            .replacingOnce("<samlp:Status>", with: "<samlp:Extensions><x:Keep xmlns:x=\"urn:x\" ID=\"\(id)\"/></samlp:Extensions><samlp:Status>")
        let verdict = try await Self.validate(attacked, request)
        #expect(verdict.failureCode == .signatureWrapping)
        #expect(verdict.failedCheck == .uniqueIDs)
    }

    @Test("rejects a Response signature whose Reference points at the Assertion instead of the Response")
    func rejectsReferenceToAnotherElement() async throws {
        var options = SAMLTestIdP.Options()
        options.signAssertion = false
        let (request, issued) = try SAMLFixture.issue(options: options)
        let assertionID = try #require(issued.assertionID)
        let attacked = issued.xml.replacingOnce("URI=\"#\(issued.responseID)\"", with: "URI=\"#\(assertionID)\"")
        let verdict = try await Self.validate(attacked, request)
        #expect(verdict.failureCode == .signatureWrapping)
        #expect(verdict.failedCheck == .responseSignature)
    }

    @Test("rejects a signature whose Reference covers the whole document (URI=\"\")")
    func rejectsEmptyReferenceURI() async throws {
        let (request, issued) = try SAMLFixture.issue()
        let attacked = issued.xml.replacingOnce("URI=\"#\(issued.responseID)\"", with: "URI=\"\"")
        let verdict = try await Self.validate(attacked, request)
        #expect(verdict.failureCode == .signatureWrapping)
    }

    @Test("rejects a signature placed outside the Response and Assertion")
    func rejectsMisplacedSignature() async throws {
        let (request, xml, assertion) = try Self.assertionSignedOnly()
        let signature = try #require(assertion.range(of: #"<ds:Signature[\s\S]*</ds:Signature>"#, options: .regularExpression))
        let attacked = xml.replacingOnce("</saml:Subject>", with: String(assertion[signature]) + "</saml:Subject>")
        let verdict = try await Self.validate(attacked, request)
        #expect(verdict.failureCode == .signatureWrapping)
        #expect(verdict.failedCheck == .signaturePlacement)
    }

    @Test("rejects a signature with an extra transform")
    func rejectsExtraTransform() async throws {
        let (request, issued) = try SAMLFixture.issue()
        let extra = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>1</ds:XPath></ds:Transform></ds:Transforms>"
        let attacked = issued.xml.replacingOccurrences(of: "</ds:Transforms>", with: extra)
        let verdict = try await Self.validate(attacked, request)
        #expect(verdict.failureCode == .signatureInvalid)
    }

    @Test("a comment injected into NameID does not truncate the subject")
    func commentInNameIDDoesNotTruncate() async throws {
        // The classic attack needs the comment inside signed content: exclusive C14N (without comments)
        // drops it, so the signature still verifies. A naive reader of the first text node would get
        // "admin@acme.test"; Gatehouse must read "admin@acme.test.evil.test".
        let user = SAMLTestIdP.User(nameID: "admin@acme.test.evil.test")
        let (request, issued) = try SAMLFixture.issue(user: user)
        let attacked = issued.xml.replacingOnce(">admin@acme.test.evil.test<", with: ">admin@acme.test<!---->.evil.test<")
        let assertion = try await Self.validate(attacked, request).assertion()
        #expect(assertion.subject.value == "admin@acme.test.evil.test")
        #expect(assertion.email == "admin@acme.test.evil.test")
    }

    static func id(of assertion: String) -> String {
        let match = assertion.range(of: #"ID="_[0-9a-f]+""#, options: .regularExpression)!
        return String(assertion[match].dropFirst(4).dropLast())
    }
}
