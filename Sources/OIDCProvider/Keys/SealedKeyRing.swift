import Authenticators
import Foundation

/// The signing keys as stored: one JSON envelope holding the whole key ring encrypted with AES-256-GCM
/// under the ``KeyEncryptionKey``.
///
/// ```json
/// {"version":1,"alg":"A256GCM","kek":"<fingerprint>","nonce":"<base64url 12 bytes>","ciphertext":"<base64url ciphertext‖tag>"}
/// ```
/// The envelope's fixed context (``context``) is authenticated with the ciphertext, so a sealed blob
/// cannot be moved to another purpose. `kek` names the key-encryption key without revealing it, so a
/// wrong key is told apart from a damaged ring.
struct SealedKeyRing: Codable {
    /// What the plaintext holds: every key, active and retired.
    struct Ring: Codable {
        var keys: [SigningKey.Stored]
    }

    static let context = "gatehouse.oidc.signing-keys.v1"

    var version: Int
    var alg: String
    var kek: String
    var nonce: String
    var ciphertext: String

    /// Seals `keys` under `kek` with a fresh 96-bit nonce from `random`.
    static func seal(
        _ keys: [SigningKey], kek: KeyEncryptionKey, random: any RandomSource
    ) throws(OIDCProviderError) -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let plaintext: Data
        do {
            plaintext = try encoder.encode(Ring(keys: keys.map(\.stored)))
        } catch {
            throw .storage("cannot encode the signing keys", underlying: error)
        }
        let nonce = random.bytes(12)
        let sealed = try kek.seal(plaintext, nonce: nonce, context: context)
        let envelope = SealedKeyRing(
            version: 1, alg: "A256GCM", kek: kek.fingerprint, nonce: Bytes.base64URL(nonce), ciphertext: Bytes.base64URL(sealed))
        do {
            return try JSONEncoder().encode(envelope)
        } catch {
            throw .storage("cannot encode the sealed key ring", underlying: error)
        }
    }

    /// Opens a stored envelope.
    /// - Throws: ``OIDCProviderError`` `wrongKeyEncryptionKey` when the ring was sealed under another key;
    ///   `corruptKeyRing` when the envelope, the ciphertext or a key inside cannot be read.
    static func open(_ data: Data, kek: KeyEncryptionKey) throws(OIDCProviderError) -> [SigningKey] {
        let envelope: SealedKeyRing
        do {
            envelope = try JSONDecoder().decode(SealedKeyRing.self, from: data)
        } catch {
            throw .corruptKeyRing("the stored signing keys are not a sealed key ring", underlying: error)
        }
        guard envelope.version == 1, envelope.alg == "A256GCM" else {
            throw .corruptKeyRing("the sealed key ring has version \(envelope.version) and alg '\(envelope.alg)'; expected 1 and A256GCM")
        }
        guard envelope.kek == kek.fingerprint else {
            throw .wrongKeyEncryptionKey(
                "the signing keys were sealed with another key-encryption key (\(KeyEncryptionKey.environmentVariable)); "
                    + "use the key they were created with")
        }
        guard let nonce = Bytes.bytes(base64URL: envelope.nonce), let sealed = Bytes.bytes(base64URL: envelope.ciphertext),
            let plaintext = kek.open(Data(sealed), nonce: nonce, context: context)
        else {
            throw .corruptKeyRing("the sealed signing keys fail authentication: they were altered or damaged")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let ring: Ring
        do {
            ring = try decoder.decode(Ring.self, from: plaintext)
        } catch {
            throw .corruptKeyRing("the decrypted key ring cannot be decoded", underlying: error)
        }
        var keys: [SigningKey] = []
        for stored in ring.keys { keys.append(try SigningKey(stored: stored)) }
        return keys
    }
}
