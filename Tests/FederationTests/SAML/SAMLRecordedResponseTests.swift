import FlowEngine
import Foundation
import Testing

@testable import Federation

/// Responses recorded from the test IdP and committed (Resources/saml), signed with the committed test
/// keys: what a replay fixture holds. They must keep verifying offline at their recorded time.
@Suite("SAML Response: recorded fixtures")
struct SAMLRecordedResponseTests {
    private static func recorded(_ name: String) throws -> String {
        // Foundation on Linux takes the copied "Resources" folder for the bundle's own resource folder.
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "saml")
                ?? Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources/saml")
        )
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test(
        "a recorded Response verifies at its recorded time, byte for byte",
        arguments: [("signed-response.xml", "_fixture-request-1", false), ("encrypted-response.xml", "_fixture-request-2", true)]
    )
    func recordedResponseVerifies(file: String, requestID: String, encrypted: Bool) async throws {
        let xml = try Self.recorded(file)
        let verdict = try await SAMLFixture.validator().validate(SAMLFixture.base64(xml), expectedRequestID: requestID, now: SAMLFixture.now)
        let assertion = try verdict.assertion()
        #expect(assertion.subject.value == "zoe@acme.test")
        #expect(assertion.wasEncrypted == encrypted)
        #expect(assertion.level == "loa1")
    }

    @Test("a recorded Response is refused a day later")
    func recordedResponseExpires() async throws {
        let xml = try Self.recorded("signed-response.xml")
        let verdict = try await SAMLFixture.validator().validate(
            SAMLFixture.base64(xml), expectedRequestID: "_fixture-request-1", now: SAMLFixture.now + 86_400
        )
        #expect(verdict.failureCode == .expired)
    }
}
