import Foundation
import Testing

@testable import Federation

@Suite("SAML inspect")
struct SAMLInspectionTests {
    @Test("shows the indented XML and every check, and does not consume the assertion")
    func inspectsWithoutConsuming() async throws {
        let validator = try SAMLFixture.validator()
        let (request, issued) = try SAMLFixture.issue()
        let inspection = validator.inspect(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(inspection.xml.contains("\n  <saml:Issuer>"))
        #expect(inspection.verdict.checks.map(\.check) == SAMLCheck.allCases)
        #expect(inspection.report.contains("✓ responseSignature: enveloped signature of the Response, rsa-sha256, IdP certificate 1 of 1"))
        #expect(inspection.report.contains("- replay: skipped (inspect never consumes the assertion ID)"))
        #expect(inspection.verdict.isAccepted)
        // Inspecting twice, then logging in, still works.
        _ = validator.inspect(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(await validator.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).isAccepted)
    }

    @Test("keeps checking after a failure to show everything wrong at once")
    func continuesAfterFailure() throws {
        var options = SAMLTestIdP.Options()
        options.audience = "https://other-sp.test"
        options.recipient = "https://evil.test/acs"
        let (request, issued) = try SAMLFixture.issue(options: options)
        let inspection = try SAMLFixture.validator().inspect(issued.base64, expectedRequestID: "_another", now: SAMLFixture.now)
        let failed = inspection.verdict.failures.map(\.check)
        #expect(failed == [.subjectConfirmation, .audience, .inResponseTo])
        _ = request
    }

    @Test("shows the decrypted Assertion of an encrypted Response")
    func showsDecryptedAssertion() throws {
        var options = SAMLTestIdP.Options()
        options.encryption = (SAMLTestKeys.spCertificate, .aes256GCM)
        let (request, issued) = try SAMLFixture.issue(options: options)
        let inspection = try SAMLFixture.validator().inspect(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(inspection.verdict.isAccepted)
        #expect(inspection.decryptedAssertionXML?.contains("zoe@acme.test") == true)
        #expect(!inspection.xml.contains("zoe@acme.test"))
    }

    @Test("shows the text of a message that is not XML")
    func showsUnparsableText() throws {
        let inspection = try SAMLFixture.validator().inspect(SAMLFixture.base64("<r>"), expectedRequestID: nil, now: SAMLFixture.now)
        #expect(inspection.xml == "<r>")
        #expect(inspection.verdict.failedCheck == .parse)
    }
}
