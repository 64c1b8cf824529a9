import Directory
import FlowEngine
import Foundation
import Testing

@testable import Federation

@Suite("SAML Response: refused by policy")
struct SAMLResponseRejectionTests {
    private static func verdict(
        options: SAMLTestIdP.Options = SAMLTestIdP.Options(), sp: SAMLServiceProvider = SAMLFixture.serviceProvider(),
        now: Date = SAMLFixture.now, expecting: String?? = .none
    ) async throws -> SAMLVerdict {
        let (request, issued) = try SAMLFixture.issue(options: options)
        let expected: String? = expecting ?? request.id
        return try await SAMLFixture.validator(sp).validate(issued.base64, expectedRequestID: expected, now: now)
    }

    @Test("rejects an expired assertion")
    func rejectsExpired() async throws {
        let verdict = try await Self.verdict(now: SAMLFixture.now + 300 + 121)
        #expect(verdict.failureCode == .expired)
    }

    @Test("rejects an assertion that is not yet valid")
    func rejectsNotYetValid() async throws {
        let verdict = try await Self.verdict(now: SAMLFixture.now - 121)
        #expect(verdict.failureCode == .notYetValid)
        #expect(verdict.failedCheck == .conditions)
    }

    @Test("rejects an assertion for another audience")
    func rejectsWrongAudience() async throws {
        var options = SAMLTestIdP.Options()
        options.audience = "https://other-sp.test"
        let verdict = try await Self.verdict(options: options)
        #expect(verdict.failureCode == .audienceMismatch)
        #expect(verdict.failedCheck == .audience)
    }

    @Test("rejects a Response sent to another destination")
    func rejectsWrongDestination() async throws {
        var options = SAMLTestIdP.Options()
        options.destination = "https://evil.test/acs"
        let verdict = try await Self.verdict(options: options)
        #expect(verdict.failureCode == .destinationMismatch)
    }

    @Test("rejects a signed Response without Destination (SAML Bindings §3.5.5.2)")
    func rejectsSignedResponseWithoutDestination() async throws {
        var options = SAMLTestIdP.Options()
        options.omitDestination = true
        let verdict = try await Self.verdict(options: options)
        #expect(verdict.failureCode == .destinationMismatch)
    }

    @Test("accepts an unsigned Response without Destination when the Assertion is signed")
    func acceptsUnsignedResponseWithoutDestination() async throws {
        var options = SAMLTestIdP.Options()
        options.omitDestination = true
        options.signResponse = false
        #expect(try await Self.verdict(options: options).isAccepted)
    }

    @Test("rejects a bearer confirmation for another recipient")
    func rejectsWrongRecipient() async throws {
        var options = SAMLTestIdP.Options()
        options.recipient = "https://evil.test/acs"
        let verdict = try await Self.verdict(options: options)
        #expect(verdict.failureCode == .recipientMismatch)
        #expect(verdict.failedCheck == .subjectConfirmation)
    }

    @Test("rejects a Response from another issuer")
    func rejectsWrongIssuer() async throws {
        var options = SAMLTestIdP.Options()
        options.issuer = "https://evil.test/idp"
        let verdict = try await Self.verdict(options: options)
        #expect(verdict.failureCode == .issuerMismatch)
    }

    @Test("rejects the second use of an assertion (replay)")
    func rejectsReplay() async throws {
        let validator = try SAMLFixture.validator()
        let (request, issued) = try SAMLFixture.issue()
        let first = await validator.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        let second = await validator.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now + 5)
        #expect(first.isAccepted)
        #expect(second.failureCode == .replayed)
        #expect(second.failedCheck == .replay)
    }

    @Test("rejects a replay on another node sharing the store")
    func rejectsReplayAcrossNodes() async throws {
        let store = MemoryStore()
        let nodeA = try SAMLFixture.validator(store: store)
        let nodeB = try SAMLFixture.validator(store: store)
        let (request, issued) = try SAMLFixture.issue()
        #expect(await nodeA.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).isAccepted)
        #expect(await nodeB.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).failureCode == .replayed)
    }

    @Test("rejects a Response that answers another login's AuthnRequest")
    func rejectsInResponseToOfAnotherTransaction() async throws {
        let verdict = try await Self.verdict(expecting: "_another-transaction")
        #expect(verdict.failureCode == .inResponseToMismatch)
    }

    @Test("rejects a Response answering a request when this login sent none")
    func rejectsInResponseToWithoutRequest() async throws {
        let verdict = try await Self.verdict(expecting: .some(nil))
        #expect(verdict.failureCode == .inResponseToMismatch)
    }

    @Test("rejects an unsolicited Response unless the connection allows them, and then accepts it")
    func unsolicitedResponses() async throws {
        let idp = try SAMLFixture.idp()
        func unsolicited() throws -> SAMLTestIdP.Issued {
            try idp.response(
                inResponseTo: nil, audience: SAMLFixture.spEntityID, assertionConsumerServiceURL: SAMLFixture.acs,
                user: SAMLFixture.user, now: SAMLFixture.now, randomBytes: SAMLFixture.randomBytes
            )
        }
        let refused = try await SAMLFixture.validator().validate(try unsolicited().base64, expectedRequestID: nil, now: SAMLFixture.now)
        #expect(refused.failureCode == .unsolicitedResponse)
        #expect(refused.failedCheck == .inResponseTo)

        let allowing = try SAMLFixture.validator(SAMLFixture.serviceProvider(allowUnsolicited: true))
        let accepted = await allowing.validate(try unsolicited().base64, expectedRequestID: nil, now: SAMLFixture.now)
        #expect(accepted.isAccepted, "\(accepted.checks)")
        #expect(try accepted.assertion().inResponseTo == nil)
    }

    @Test("rejects RSA-SHA1 signatures by default and accepts them when the connection allows SHA-1")
    func sha1() async throws {
        var options = SAMLTestIdP.Options()
        options.signatureAlgorithm = .rsaSHA1
        let refused = try await Self.verdict(options: options)
        #expect(refused.failureCode == .weakAlgorithm)
        #expect(refused.failedCheck == .responseSignature)

        let accepted = try await Self.verdict(options: options, sp: SAMLFixture.serviceProvider(allowSHA1: true))
        #expect(accepted.isAccepted, "\(accepted.checks)")
    }

    @Test("accepts RSA-SHA512 signatures")
    func sha512() async throws {
        var options = SAMLTestIdP.Options()
        options.signatureAlgorithm = .rsaSHA512
        #expect(try await Self.verdict(options: options).isAccepted)
    }

    @Test("rejects a message over the size limit")
    func rejectsOversized() async throws {
        let verdict = try await Self.verdict(sp: SAMLFixture.serviceProvider(maximumMessageSize: 2_048))
        #expect(verdict.failureCode == .messageTooLarge)

        let huge = String(repeating: "PHNhbWxwOlJlc3BvbnNlLz4=", count: 20_000)
        let encoded = await (try SAMLFixture.validator()).validate(huge, expectedRequestID: nil, now: SAMLFixture.now)
        #expect(encoded.failureCode == .messageTooLarge)
        #expect(encoded.failedCheck == .decode)
    }

    @Test("rejects input that is neither base64 nor XML, and XML that is not a Response")
    func rejectsMalformed() async throws {
        let validator = try SAMLFixture.validator()
        #expect(await validator.validate("not a message!", expectedRequestID: nil, now: SAMLFixture.now).failureCode == .malformedMessage)
        let other = await validator.validate("<samlp:LogoutRequest xmlns:samlp=\"\(SAML.Namespace.protocol)\"/>", expectedRequestID: nil, now: SAMLFixture.now)
        #expect(other.failureCode == .malformedMessage)
        #expect(other.failedCheck == .response)
    }

    @Test(
        "maps an IdP's error status to a refusal with its kind",
        arguments: [
            (SAML.StatusCode.responder, SAML.StatusCode.authnFailed as String?, SAMLStatus.Kind.authnFailed),
            (SAML.StatusCode.responder, SAML.StatusCode.requestDenied, .requestDenied),
            (SAML.StatusCode.responder, SAML.StatusCode.noPassive, .noPassive),
            (SAML.StatusCode.requester, SAML.StatusCode.noAuthnContext, .noAuthnContext),
            (SAML.StatusCode.responder, SAML.StatusCode.unknownPrincipal, .unknownPrincipal),
            (SAML.StatusCode.requester, nil, .requester),
            (SAML.StatusCode.responder, nil, .responder),
            (SAML.StatusCode.versionMismatch, nil, .versionMismatch),
        ]
    )
    func mapsStatusCodes(code: String, subcode: String?, kind: SAMLStatus.Kind) async throws {
        var options = SAMLTestIdP.Options()
        options.status = SAMLStatus(code: code, subcode: subcode, message: "nope")
        let verdict = try await Self.verdict(options: options)
        #expect(verdict.failureCode == .statusNotSuccess)
        #expect(verdict.failedCheck == .status)
        #expect(verdict.status?.kind == kind)
        #expect(verdict.status?.message == "nope")
        guard case .failed(let reason, let message) = verdict.upstreamResponse(connection: "acme-saml") else {
            Issue.record("expected a failure")
            return
        }
        #expect(reason == kind.rawValue)
        #expect(message == SAMLStatus(code: code, subcode: subcode).userMessage)
    }

    @Test("lists every check, with those after the first failure skipped")
    func verdictListsEveryCheck() async throws {
        var options = SAMLTestIdP.Options()
        options.audience = "https://other-sp.test"
        let verdict = try await Self.verdict(options: options)
        #expect(verdict.checks.map(\.check) == SAMLCheck.allCases)
        let index = try #require(SAMLCheck.allCases.firstIndex(of: .audience))
        #expect(verdict.checks[..<index].allSatisfy { $0.passed })
        for check in verdict.checks[(index + 1)...] {
            #expect(check.outcome == .skipped("an earlier check failed"))
        }
        #expect(verdict.checks[index].description.contains("https://other-sp.test"))
    }

    @Test("reads the SAML settings of a directory connection")
    func readsConnectionSettings() throws {
        let connection = Connection(
            id: "acme-saml", kind: .saml, displayName: "Acme", levelMapping: [SAML.AuthnContextClass.password: "loa1"],
            settings: .object([
                "idp_entity_id": .string(SAMLFixture.idpEntityID), "sso_url": .string(SAMLFixture.ssoURL),
                "sso_binding": .string("post"), "signing_certificates": .array([.string(SAMLTestKeys.idpCertificate)]),
                "want_assertions_signed": .bool(true), "clock_skew_seconds": .number(30),
                "attribute_mapping": .object(["mail": .string("email")]),
            ])
        )
        let sp = try SAMLServiceProvider(connection: connection, entityID: SAMLFixture.spEntityID, assertionConsumerServiceURL: SAMLFixture.acs)
        #expect(sp.identityProvider.singleSignOnBinding == .httpPOST)
        #expect(sp.wantAssertionsSigned)
        #expect(sp.clockSkew == 30)
        #expect(sp.attributeMapping == ["mail": "email"])
        #expect(sp.levelMapping == [SAML.AuthnContextClass.password: "loa1"])
        #expect(!sp.allowUnsolicited && !sp.allowSHA1)
        #expect(sp.acceptedSignatureAlgorithms == XMLSignatureAlgorithm.defaultAllowed)

        var broken = connection
        broken.settings = .object(["sso_url": .string("x")])
        #expect(throws: FederationError(.configuration, "")) {
            try SAMLServiceProvider(connection: broken, entityID: "sp", assertionConsumerServiceURL: "acs")
        }
    }

    @Test("refuses IdP certificates that cannot be used")
    func refusesBadCertificates() {
        #expect(throws: FederationError(.configuration, "")) { try IdPKeys(certificatesPEM: []) }
        #expect(throws: FederationError(.configuration, "")) { try IdPKeys(certificatesPEM: ["not a certificate"]) }
        #expect(throws: FederationError(.configuration, "")) {
            try IdPKeys(certificatesPEM: ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"])
        }
    }

    @Test("validates concurrently with one shared validator and key set")
    func concurrentValidations() async throws {
        let validator = try SAMLFixture.validator()
        let messages = try (0..<24).map { _ in try SAMLFixture.issue() }
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for (request, issued) in messages {
                group.addTask { await validator.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).isAccepted }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == messages.count)
    }
}
