import FlowEngine
import Foundation
import Replay
import Testing

/// Recorded SAML and OIDC messages go through the real validators; a recording that does not fit the
/// login fails the fixture instead of being quietly answered.
@Suite("Replaying federation messages")
struct FederationReplayTests {
    /// A committed federation fixture rewritten into a temporary file, with its relative paths made absolute.
    static func variant(of name: String, _ change: (inout String) -> Void) throws -> String {
        let folder = repositoryRoot.appendingPathComponent("fixtures/federation")
        var text = try String(contentsOf: folder.appendingPathComponent(name + ".json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"../directory.json\"", with: "\"\(directoryConfig)\"")
            .replacingOccurrences(of: "\"../keys/", with: "\"\(repositoryRoot.path)/fixtures/keys/")
        change(&text)
        return try temporaryFile(text)
    }

    @Test func everyFederationFixturePasses() async throws {
        let report = await ReplaySession.run(paths: [repositoryRoot.appendingPathComponent("fixtures/federation").path])
        #expect(report.failed == 0, "\(report.text)")
        #expect(report.passed >= 36)
    }

    @Test func aSAMLResponseChangedInTheFixtureIsRefused() async throws {
        let path = try Self.variant(of: "saml-comment-in-nameid") { text in
            text = text.replacingOccurrences(of: ">ada@acme.test<!---->.evil.test<", with: ">ada@acme.test<")
        }
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.transcripts.first?.summary["upstream_error"] == .string("signatureInvalid"))
    }

    @Test func anEncryptedAssertionNeedsTheDecryptionKey() async throws {
        let path = try Self.variant(of: "saml-encrypted-assertion") { text in
            text = text.replacingOccurrences(of: #""saml_decryption_key": "#, with: #""unused": "#)
        }
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.transcripts.first?.summary["outcome"] == .string("deny"))
        #expect(result.transcripts.first?.summary["upstream_error"] != .null)
    }

    @Test func anUnrecordedRequestFailsTheFixture() async throws {
        let path = try Self.variant(of: "oidc-rs256") { text in
            text = text.replacingOccurrences(
                of: #""url": "https://login.northwind.test/userinfo""#, with: #""url": "https://login.northwind.test/elsewhere""#)
        }
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.failures.contains("oidc_response: no recorded answer for GET https://login.northwind.test/userinfo"))
    }

    @Test func aTokenRequestWithAnotherCodeIsNotAnswered() async throws {
        let path = try Self.variant(of: "oidc-rs256") { text in
            text = text.replacingOccurrences(of: #""grant_type": "authorization_code""#, with: #""grant_type": "refresh_token""#)
        }
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.failures.contains("oidc_response: no recorded answer for POST https://login.northwind.test/token"))
    }

    @Test func aMessageForAnotherConnectionIsNotDelivered() async throws {
        let path = try Self.variant(of: "saml-signed") { text in
            text = text.replacingOccurrences(of: #""connection": "acme-saml""#, with: #""connection": "northwind-oidc""#)
        }
        let result = try #require(await FixtureRunner().run(path: path))
        #expect(result.failures.contains("saml_response for connection 'northwind-oidc', but the flow waits for 'acme-saml'"))
        #expect(result.transcripts.first?.summary["outcome"] == .string("pending"))
    }

    @Test func oidcReplayIsDeterministic() async throws {
        let path = repositoryRoot.appendingPathComponent("fixtures/federation/oidc-es256.json").path
        let first = try #require(await FixtureRunner().run(path: path))
        let second = try #require(await FixtureRunner().run(path: path))
        #expect(first.passed)
        #expect(first.transcripts.map(\.summary) == second.transcripts.map(\.summary))
    }
}
