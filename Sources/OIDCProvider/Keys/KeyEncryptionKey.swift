import Authenticators
import Crypto
import Foundation

/// The key that seals the provider's signing keys at rest (AES-256-GCM), given to Gatehouse by its
/// operator and never stored next to what it protects.
///
/// Two forms, both read by ``fromEnvironment(_:)``:
/// - `GATEHOUSE_KEK`: 32 random bytes in base64 (`openssl rand -base64 32`), used as they are;
/// - `GATEHOUSE_KEK_PASSPHRASE`: a long passphrase, stretched with HKDF-SHA256 into 32 bytes.
///   HKDF does not slow down guessing, so the passphrase must itself be high-entropy (a generated
///   secret from a vault, at least 32 characters), not a password a person chose.
///
/// Its ``description`` never prints the key.
public struct KeyEncryptionKey: Sendable, CustomStringConvertible {
    /// The environment variable holding a base64 key.
    public static let environmentVariable = "GATEHOUSE_KEK"
    /// The environment variable holding a passphrase.
    public static let passphraseEnvironmentVariable = "GATEHOUSE_KEK_PASSPHRASE"

    let key: SymmetricKey

    /// Wraps 32 bytes given in base64.
    /// - Throws: ``OIDCProviderError`` `invalidKeyEncryptionKey` unless the text is base64 of exactly 32 bytes.
    public init(base64: String) throws(OIDCProviderError) {
        let text = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text) else {
            throw .invalidKeyEncryptionKey("the key-encryption key is not valid base64")
        }
        guard bytes.count == 32 else {
            throw .invalidKeyEncryptionKey("the key-encryption key must be 32 bytes (256 bits); it has \(bytes.count)")
        }
        key = SymmetricKey(data: bytes)
    }

    /// Derives the key from a high-entropy passphrase with HKDF-SHA256 (RFC 5869) under a fixed,
    /// versioned salt and context, so the same passphrase always gives the same key.
    /// - Throws: ``OIDCProviderError`` `invalidKeyEncryptionKey` when the passphrase is shorter than 32 characters.
    public init(passphrase: String) throws(OIDCProviderError) {
        guard passphrase.count >= 32 else {
            throw .invalidKeyEncryptionKey("a key-encryption passphrase must be at least 32 characters of generated secret")
        }
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(passphrase.utf8)), salt: Array("gatehouse-kek-salt-v1".utf8),
            info: Array("gatehouse signing-key encryption v1".utf8), outputByteCount: 32)
    }

    /// Reads the key from `GATEHOUSE_KEK` (preferred) or `GATEHOUSE_KEK_PASSPHRASE`.
    /// - Parameter environment: The process environment (passed in so tests can use their own).
    /// - Throws: ``OIDCProviderError`` `invalidKeyEncryptionKey` when neither is set or the value is unusable.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(OIDCProviderError) -> KeyEncryptionKey {
        if let base64 = environment[environmentVariable], !base64.isEmpty { return try KeyEncryptionKey(base64: base64) }
        if let passphrase = environment[passphraseEnvironmentVariable], !passphrase.isEmpty {
            return try KeyEncryptionKey(passphrase: passphrase)
        }
        throw .invalidKeyEncryptionKey(
            "no key-encryption key: set \(environmentVariable) to 32 random bytes in base64 (openssl rand -base64 32)")
    }

    /// A new random key, in the base64 form ``init(base64:)`` reads (for `gatehouse` to print once).
    public static func generateBase64(using random: some RandomSource) -> String {
        Data(random.bytes(32)).base64EncodedString()
    }

    /// A short, non-secret name of the key (HMAC of a fixed label), stored beside sealed data so that a
    /// wrong key is reported as such rather than as corruption.
    var fingerprint: String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("gatehouse kek fingerprint v1".utf8), using: key)
        return Bytes.base64URL(Array(mac).prefix(8))
    }

    /// Encrypts and authenticates `plaintext` with AES-256-GCM under a 96-bit `nonce`, binding `context`.
    func seal(_ plaintext: Data, nonce: [UInt8], context: String) throws(OIDCProviderError) -> Data {
        do {
            let box = try AES.GCM.seal(
                plaintext, using: key, nonce: try AES.GCM.Nonce(data: nonce), authenticating: Data(context.utf8))
            return box.ciphertext + box.tag
        } catch {
            throw .storage("cannot seal the signing keys", underlying: error)
        }
    }

    /// Decrypts what ``seal(_:nonce:context:)`` produced; nil when the tag does not verify.
    func open(_ sealed: Data, nonce: [UInt8], context: String) -> Data? {
        guard sealed.count >= 16, let nonce = try? AES.GCM.Nonce(data: nonce) else { return nil }
        let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: sealed.dropLast(16), tag: sealed.suffix(16))
        return box.flatMap { try? AES.GCM.open($0, using: key, authenticating: Data(context.utf8)) }
    }

    /// `KeyEncryptionKey(<redacted>)`.
    public var description: String { "KeyEncryptionKey(<redacted>)" }
}
