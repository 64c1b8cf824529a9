import Foundation
import Testing

@testable import Federation

@Suite("SAML Response: encrypted assertions")
struct SAMLEncryptedAssertionTests {
    private static func encrypted(
        _ cipher: XMLEncryptionAlgorithm, signResponse: Bool = true, signAssertion: Bool = true
    ) throws -> (request: AuthnRequest, issued: SAMLTestIdP.Issued) {
        var options = SAMLTestIdP.Options()
        options.encryption = (SAMLTestKeys.spCertificate, cipher)
        options.signResponse = signResponse
        options.signAssertion = signAssertion
        return try SAMLFixture.issue(options: options)
    }

    @Test("decrypts RSA-OAEP + AES-GCM and AES-CBC assertions and validates them like plain ones", arguments: XMLEncryptionAlgorithm.allCases)
    func decrypts(cipher: XMLEncryptionAlgorithm) async throws {
        let (request, issued) = try Self.encrypted(cipher)
        #expect(issued.xml.contains("<saml:EncryptedAssertion>"))
        #expect(!issued.xml.contains("zoe@acme.test"))
        #expect(issued.xml.contains(cipher.uri))
        let verdict = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        let assertion = try verdict.assertion()
        #expect(assertion.wasEncrypted)
        #expect(assertion.assertionSigned && assertion.responseSigned)
        #expect(assertion.subject.value == "zoe@acme.test")
        #expect(assertion.claims["groups"] == ["staff", "r&d"])
    }

    @Test("accepts an encrypted assertion signed only inside, or only at Response level", arguments: [(false, true), (true, false)])
    func signedOnce(signResponse: Bool, signAssertion: Bool) async throws {
        let (request, issued) = try Self.encrypted(.aes256GCM, signResponse: signResponse, signAssertion: signAssertion)
        let verdict = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.isAccepted, "\(verdict.checks)")
    }

    @Test("rejects an encrypted assertion that nobody signed (anyone can encrypt to our certificate)")
    func rejectsUnsignedEncrypted() async throws {
        let (request, issued) = try Self.encrypted(.aes256GCM, signResponse: false, signAssertion: false)
        let verdict = try await SAMLFixture.validator().validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.failureCode == .signatureMissing)
    }

    @Test("fails to decrypt with the wrong SP key")
    func wrongKey() async throws {
        let (request, issued) = try Self.encrypted(.aes128GCM)
        let sp = SAMLFixture.serviceProvider(decryptionKey: SAMLTestKeys.untrustedKey)
        let verdict = try await SAMLFixture.validator(sp).validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.failureCode == .decryptionFailed)
        #expect(verdict.failedCheck == .decryption)
    }

    @Test("fails when the connection has no decryption key")
    func noKey() async throws {
        let (request, issued) = try Self.encrypted(.aes128GCM)
        let sp = SAMLFixture.serviceProvider(decryptionKey: nil)
        let verdict = try await SAMLFixture.validator(sp).validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.failureCode == .decryptionFailed)
    }

    @Test("rejects a cipher the connection does not allow")
    func disallowedCipher() async throws {
        let (request, issued) = try Self.encrypted(.aes128CBC)
        var sp = SAMLFixture.serviceProvider()
        sp.allowedEncryptionAlgorithms = [.aes128GCM, .aes256GCM]
        let verdict = try await SAMLFixture.validator(sp).validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.failureCode == .weakAlgorithm)
    }

    @Test("rejects RSA PKCS#1 v1.5 key transport")
    func rejectsRSA15() async throws {
        let (request, issued) = try Self.encrypted(.aes256GCM, signResponse: false)
        let attacked = issued.xml.replacingOnce(XMLSecURI.rsaOAEPMGF1P, with: XMLSecURI.rsaPKCS1)
        let verdict = try await SAMLFixture.validator().validate(SAMLFixture.base64(attacked), expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.failureCode == .weakAlgorithm)
    }

    @Test("rejects a CipherReference (no URI is ever dereferenced)")
    func rejectsCipherReference() async throws {
        let (request, issued) = try Self.encrypted(.aes256GCM, signResponse: false)
        let start = try #require(issued.xml.range(of: "<CipherValue>", options: .backwards))
        let end = try #require(issued.xml.range(of: "</CipherValue>", options: .backwards))
        let attacked = issued.xml.replacingCharacters(
            in: start.lowerBound..<end.upperBound, with: "<CipherReference URI=\"http://127.0.0.1:9/x\"/>"
        )
        let verdict = try await SAMLFixture.validator().validate(SAMLFixture.base64(attacked), expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.failureCode == .malformedMessage)
        #expect(verdict.failedCheck == .decryption)
    }

    @Test("gives one uniform reason for altered ciphertext when no Response signature covers it (no padding oracle)")
    func uniformErrorForAlteredCiphertext() async throws {
        let (request, issued) = try Self.encrypted(.aes128CBC, signResponse: false)
        let start = try #require(issued.xml.range(of: "<CipherValue>", options: .backwards))
        let index = issued.xml.index(start.upperBound, offsetBy: 20)
        let flipped: Character = issued.xml[index] == "A" ? "B" : "A"
        let attacked = issued.xml.replacingCharacters(in: index...index, with: String(flipped))
        let verdict = try await SAMLFixture.validator().validate(SAMLFixture.base64(attacked), expectedRequestID: request.id, now: SAMLFixture.now)
        guard case .failure(let error) = verdict.result else {
            Issue.record("accepted altered ciphertext")
            return
        }
        #expect(error.code == .decryptionFailed)
        #expect(error.reason == "the EncryptedAssertion could not be decrypted into one Assertion")
    }
}
