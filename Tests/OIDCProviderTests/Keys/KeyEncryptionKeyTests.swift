import Foundation
import Testing
@testable import OIDCProvider

struct KeyEncryptionKeyTests {
    @Test("a base64 key must be exactly 32 bytes", arguments: [16, 31, 33, 64])
    func rejectsWrongLength(count: Int) {
        #expect(throws: OIDCProviderError.invalidKeyEncryptionKey("")) {
            try KeyEncryptionKey(base64: Data(repeating: 1, count: count).base64EncodedString())
        }
    }

    @Test("a key that is not base64 is refused")
    func rejectsNonBase64() {
        #expect(throws: OIDCProviderError.invalidKeyEncryptionKey("")) { try KeyEncryptionKey(base64: "not base64!") }
    }

    @Test("a short passphrase is refused")
    func rejectsShortPassphrase() {
        #expect(throws: OIDCProviderError.invalidKeyEncryptionKey("")) { try KeyEncryptionKey(passphrase: "correct horse") }
    }

    @Test("the same passphrase derives the same key; another derives another")
    func passphraseDerivationIsStable() throws {
        let phrase = "k7Qe2vX9pL4mN8rT1wY6zB3cD5fG0hJ2"
        #expect(try KeyEncryptionKey(passphrase: phrase).fingerprint == KeyEncryptionKey(passphrase: phrase).fingerprint)
        #expect(try KeyEncryptionKey(passphrase: phrase).fingerprint != KeyEncryptionKey(passphrase: phrase + "x").fingerprint)
    }

    @Test("the environment is read: GATEHOUSE_KEK first, then the passphrase, else a clear error")
    func readsEnvironment() throws {
        let base64 = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(try KeyEncryptionKey.fromEnvironment(["GATEHOUSE_KEK": base64]).fingerprint == testKEK.fingerprint)
        let phrase = String(repeating: "p", count: 40)
        #expect(
            try KeyEncryptionKey.fromEnvironment(["GATEHOUSE_KEK_PASSPHRASE": phrase]).fingerprint
                == KeyEncryptionKey(passphrase: phrase).fingerprint)
        do {
            _ = try KeyEncryptionKey.fromEnvironment([:])
            Issue.record("an empty environment gave a key")
        } catch {
            #expect(error.code == .invalidKeyEncryptionKey)
            #expect(error.reason.contains("GATEHOUSE_KEK"))
        }
    }

    @Test("the key never prints")
    func descriptionIsRedacted() {
        #expect("\(testKEK)" == "KeyEncryptionKey(<redacted>)")
    }
}
