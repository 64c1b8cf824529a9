import FlowEngine
import Foundation
import Testing

@testable import Federation

@Suite("saml verify, saml inspect and their JSON")
struct SAMLDiagnosticsTests {
    static func setup(
        inResponseTo: String?, metadata: String? = nil, spKey: String? = nil, allowUnsolicited: Bool = false
    ) throws -> SAMLDiagnosticSetup {
        SAMLDiagnosticSetup(
            idpMetadata: Array(try (metadata ?? MetadataFixture.sample("test-idp.xml")).utf8), spEntityID: SAMLFixture.spEntityID,
            assertionConsumerServiceURL: SAMLFixture.acs, inResponseTo: inResponseTo, now: SAMLFixture.now, spKeyPEM: spKey,
            allowUnsolicited: allowUnsolicited,
            levelMapping: [SAML.AuthnContextClass.passwordProtectedTransport: "loa1"]
        )
    }

    /// The report's JSON, decoded back into plain values.
    static func json(_ report: VerdictReport) throws -> [String: PlainJSON] {
        guard case .object(let object) = try JSONDecoder().decode(PlainJSON.self, from: Data(report.json.utf8)) else {
            Issue.record("the report is not a JSON object")
            return [:]
        }
        return object
    }

    /// The value of the summary line `  name:   value` of an inspect report.
    static func field(_ name: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix("  \(name): ") }.map { String($0.dropFirst(name.count + 3)).trimmingCharacters(in: .whitespaces) }
    }

    // MARK: verify

    @Test("a valid Response gives valid, subject, format, attributes, authn context, level and every check")
    func verifiesValidResponse() async throws {
        let (request, issued) = try SAMLFixture.issue()
        let report = try await SAMLDiagnostics.verify(issued.base64, setup: Self.setup(inResponseTo: request.id))
        #expect(report.valid)
        #expect(report.exitStatus == .valid)
        let json = try Self.json(report)
        #expect(Set(json.keys) == ["valid", "subject", "name_id_format", "issuer", "attributes", "authn_context", "level", "checks"])
        #expect(json["valid"] == .bool(true))
        #expect(json["subject"] == .string("zoe@acme.test"))
        #expect(json["name_id_format"] == .string(SAML.NameIDFormat.emailAddress))
        #expect(json["authn_context"] == .string(SAML.AuthnContextClass.passwordProtectedTransport))
        #expect(json["level"] == .string("loa1"))
        #expect(json["attributes"] == .object([
            SAMLFixture.emailAttribute: .array([.string("zoe@acme.test")]), SAMLFixture.nameAttribute: .array([.string("Zoe Acme")]),
            SAMLFixture.groupsAttribute: .array([.string("staff"), .string("r&d")]),
        ]))
        guard case .array(let checks)? = json["checks"] else { Issue.record("no checks"); return }
        #expect(checks.count == SAMLCheck.allCases.count)
        #expect(checks.first == .object(["name": .string("decode"), "passed": .bool(true), "outcome": .string("passed"), "detail": .string("base64, \(issued.xml.utf8.count) bytes decoded")]))
        #expect(checks.last.flatMap { if case .object(let check) = $0 { check["name"] } else { nil } } == .string("mapping"))
    }

    @Test("a rejected Response gives valid false, the reason, and the failed check with its code")
    func reportsRejection() async throws {
        var options = SAMLTestIdP.Options()
        options.audience = "https://other-sp.test"
        let (request, issued) = try SAMLFixture.issue(options: options)
        let report = try await SAMLDiagnostics.verify(issued.xml, setup: Self.setup(inResponseTo: request.id))
        #expect(!report.valid)
        #expect(report.exitStatus == .rejected)
        #expect(report.subject == nil && report.attributes == nil)
        #expect(report.reason?.hasPrefix("audienceMismatch: an AudienceRestriction names") == true)
        let failed = report.checks.filter { $0.outcome == "failed" }
        #expect(failed.map(\.name) == ["audience"])
        #expect(failed.first?.code == "audienceMismatch")
        #expect(report.checks.filter { $0.outcome == "skipped" }.allSatisfy { !$0.passed && $0.detail == "an earlier check failed" })
        let json = try Self.json(report)
        #expect(json["valid"] == .bool(false))
        #expect(json["subject"] == nil)
    }

    @Test("checks InResponseTo: a solicited Response needs --in-response-to, an unsolicited one --allow-unsolicited")
    func checksInResponseTo() async throws {
        let (_, solicited) = try SAMLFixture.issue()
        let missing = try await SAMLDiagnostics.verify(solicited.base64, setup: Self.setup(inResponseTo: nil))
        #expect(missing.checks.first { $0.outcome == "failed" }?.name == "subjectConfirmation")
        let unsolicited = try SAMLFixture.idp().response(
            inResponseTo: nil, audience: SAMLFixture.spEntityID, assertionConsumerServiceURL: SAMLFixture.acs, user: SAMLFixture.user,
            now: SAMLFixture.now, randomBytes: SAMLFixture.randomBytes
        )
        #expect(try await !SAMLDiagnostics.verify(unsolicited.base64, setup: Self.setup(inResponseTo: nil)).valid)
        #expect(try await SAMLDiagnostics.verify(unsolicited.base64, setup: Self.setup(inResponseTo: nil, allowUnsolicited: true)).valid)
    }

    @Test("decrypts an encrypted assertion with --sp-key, and rejects it without")
    func decryptsWithSPKey() async throws {
        var options = SAMLTestIdP.Options()
        options.encryption = (SAMLTestKeys.spCertificate, .aes256GCM)
        let (request, issued) = try SAMLFixture.issue(options: options)
        #expect(try await SAMLDiagnostics.verify(issued.base64, setup: Self.setup(inResponseTo: request.id, spKey: SAMLTestKeys.spKey)).valid)
        let without = try await SAMLDiagnostics.verify(issued.base64, setup: Self.setup(inResponseTo: request.id))
        #expect(without.checks.first { $0.outcome == "failed" }?.code == "decryptionFailed")
    }

    @Test("accepts the Response as a form body, and rejects input that is no SAML message")
    func readsFormBodies() async throws {
        let (request, issued) = try SAMLFixture.issue()
        let body = FormURLEncoding.encode([("SAMLResponse", issued.base64), ("RelayState", "tx-1")])
        #expect(try await SAMLDiagnostics.verify(body, setup: Self.setup(inResponseTo: request.id)).valid)
        let garbage = try await SAMLDiagnostics.verify("hello", setup: Self.setup(inResponseTo: request.id))
        #expect(garbage.exitStatus == .rejected)
        #expect(garbage.checks.first?.name == "decode" && garbage.checks.first?.passed == false)
    }

    @Test("bad metadata is a setup error, not a verdict")
    func badMetadataThrows() async throws {
        let (request, issued) = try SAMLFixture.issue()
        await #expect(throws: FederationError(.metadataInvalid, "")) {
            _ = try await SAMLDiagnostics.verify(issued.base64, setup: Self.setup(inResponseTo: request.id, metadata: "<md:EntityDescriptor xmlns:md=\"\(SAML.Namespace.metadata)\" entityID=\"x\"/>"))
        }
        await #expect(throws: FederationError(.malformedMessage, "")) {
            _ = try await SAMLDiagnostics.verify(issued.base64, setup: Self.setup(inResponseTo: request.id, metadata: "not xml"))
        }
    }

    @Test("exit statuses are 0 valid, 1 rejected, 2 usage")
    func exitStatuses() {
        #expect(DiagnosticExitStatus.allCases.map(\.rawValue) == [0, 1, 2])
    }

    // MARK: inspect

    @Test("inspect explains every check of a Response and the result")
    func inspectsResponse() throws {
        let (request, issued) = try SAMLFixture.issue()
        let report = try SAMLDiagnostics.inspect(issued.base64, setup: Self.setup(inResponseTo: request.id))
        #expect(report.exitStatus == .valid)
        let text = report.text()
        #expect(Self.field("Message", in: text) == "Response (urn:oasis:names:tc:SAML:2.0:protocol)")
        #expect(Self.field("Encoding", in: text) == "base64, HTTP-POST binding")
        #expect(Self.field("Signed elements", in: text) == "/Response, /Response/Assertion")
        #expect(text.contains("\nXML:\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<samlp:Response"))
        #expect(text.contains("  ✓ audience: \(SAMLFixture.spEntityID)"))
        #expect(text.contains("  - replay: skipped (inspect never consumes the assertion ID)"))
        #expect(text.hasSuffix("Result: ACCEPTED (replay not checked): zoe@acme.test (emailAddress), level loa1\n"))
        #expect(!report.text(includeXML: false).contains("<samlp:Response"))
    }

    @Test("inspect of a rejected Response names the failed checks and exits 1")
    func inspectsRejection() throws {
        var options = SAMLTestIdP.Options()
        options.lifetime = -600
        let (request, issued) = try SAMLFixture.issue(options: options)
        let report = try SAMLDiagnostics.inspect(issued.base64, setup: Self.setup(inResponseTo: request.id))
        #expect(report.exitStatus == .rejected)
        let text = report.text(includeXML: false)
        #expect(text.contains("  ✗ subjectConfirmation: expired: the bearer confirmation expired at"))
        #expect(text.contains("Result: REJECTED at subjectConfirmation: expired: "))
    }

    @Test("inspect decodes an AuthnRequest from a signed redirect URL without checking it")
    func inspectsRedirectRequest() throws {
        let request = SAMLFixture.request()
        let key = try SAMLSigningKey(privateKeyPEM: SAMLTestKeys.spKey, certificatePEM: SAMLTestKeys.spCertificate)
        let url = try request.redirectURL(relayState: "tx-1", signingKey: key)
        let report = try SAMLDiagnostics.inspect(url, setup: Self.setup(inResponseTo: nil))
        #expect(report.exitStatus == .valid)
        let text = report.text(includeXML: false)
        #expect(Self.field("Encoding", in: text) == "deflate+base64, HTTP-Redirect binding, parameter SAMLRequest")
        #expect(Self.field("RelayState", in: text) == "tx-1")
        #expect(Self.field("Signature", in: text) == "present in the query (not verified here)")
        #expect(Self.field("ID", in: text) == request.id)
        #expect(text.hasSuffix("Checks: not run (only a samlp:Response is checked; this is a AuthnRequest).\n"))
    }

    @Test("inspect without metadata only decodes; undecodable input exits 1")
    func inspectsWithoutSetup() throws {
        let (_, issued) = try SAMLFixture.issue()
        let report = try SAMLDiagnostics.inspect(issued.base64, setup: nil)
        #expect(report.inspection == nil && report.exitStatus == .valid)
        #expect(report.text().contains("Checks: not run (give --idp-metadata, --sp-entity-id and --acs-url to check a Response)."))
        let bad = try SAMLDiagnostics.inspect("%%%", setup: nil)
        #expect(bad.exitStatus == .rejected)
        #expect(bad.text().hasPrefix("The input could not be decoded: "))
    }

    // MARK: OIDC

    @Test("an ID token verdict gives the same JSON shape; identity only when valid")
    func reportsIDTokenVerdict() throws {
        let claims = IDTokenClaims(["sub": .string("248289761001"), "iss": .string("https://idp.test"), "acr": .string("mfa"), "amr": .array([.string("pwd"), .string("otp")])])
        let passing = IDTokenCheck.allCases.map { IDTokenCheckResult(check: $0, status: .passed("ok")) }
        let valid = VerdictReport(IDTokenVerdict(checks: passing, header: JOSEHeader(["alg": .string("RS256")]), claims: claims))
        #expect(valid.valid && valid.exitStatus == .valid)
        let json = try Self.json(valid)
        #expect(Set(json.keys) == ["valid", "subject", "issuer", "claims", "authn_context", "amr", "checks"])
        #expect(json["subject"] == .string("248289761001"))
        #expect(json["authn_context"] == .string("mfa"))
        #expect(json["amr"] == .array([.string("pwd"), .string("otp")]))

        var checks = passing
        checks[checks.firstIndex { $0.check == .nonce }!] = IDTokenCheckResult(check: .nonce, status: .skipped("no nonce given to compare with"))
        let skipped = VerdictReport(IDTokenVerdict(checks: checks, header: nil, claims: claims))
        #expect(!skipped.valid && skipped.exitStatus == .rejected)
        #expect(skipped.subject == nil)
        #expect(skipped.reason == "tokenInvalid: nonce was not checked: no nonce given to compare with")
        #expect(skipped.checks.first { $0.name == "nonce" }?.outcome == "skipped")
    }
}
