import Authenticators
import Crypto
import CryptoExtras
import Directory
import Foundation
import JWTKit

/// One of the provider's signing keys, with its private half, as the key store holds it in memory.
struct SigningKey: Sendable {
    /// The private key, as swift-crypto holds it.
    enum Material: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
    }

    let algorithm: SigningAlgorithm
    let material: Material
    let publicJWK: PublicJWK
    let createdAt: Date
    /// When a newer key replaced it for signing; nil while it is the active key.
    var retiredAt: Date?
    /// What makes this key's signatures.
    private let signer: Signer
    /// The JWS protected header of every token this key signs (`alg`, `kid`, `typ: JWT`), as jwt-kit
    /// writes it with ``serializer``'s encoder, base64url-encoded: the first part of each token.
    let encodedHeader: String

    var kid: String { publicJWK.kid }

    init(material: Material, createdAt: Date, retiredAt: Date? = nil) throws(OIDCProviderError) {
        self.material = material
        self.createdAt = createdAt
        self.retiredAt = retiredAt
        switch material {
        case .rsa(let key):
            guard key.keySizeInBits >= 2048 else { throw .keyGeneration("an RSA signing key must have at least 2048 bits") }
            let primitives: _RSA.Signing.PublicKey.Primitives
            do {
                primitives = try key.publicKey.getKeyPrimitives()
            } catch {
                throw .keyGeneration("cannot read the RSA public key", underlying: error)
            }
            algorithm = .rs256
            publicJWK = PublicJWK(
                rsaModulus: Array(primitives.modulus), exponent: Array(primitives.publicExponent), alg: algorithm.rawValue)
            signer = .openSSL(try Self.openSSLSigner(for: key))
        case .p256(let key):
            // x963 is 0x04 ‖ x ‖ y, 32 bytes each.
            let point = Array(key.publicKey.x963Representation)
            algorithm = .es256
            publicJWK = PublicJWK(
                curve: "P-256", x: Bytes.base64URL(point[1..<33]), y: Bytes.base64URL(point[33..<65]), alg: algorithm.rawValue)
            signer = .p256(key)
        }
        var header = JWTHeader()
        header.alg = algorithm.rawValue
        header.typ = "JWT"
        header.kid = publicJWK.kid
        do {
            encodedHeader = Bytes.base64URL(try Self.serializer.jsonEncoder.encode(header))
        } catch {
            throw .keyGeneration("the JWS header of key \(publicJWK.kid) could not be written", underlying: error)
        }
    }

    /// The JWS signature of `signingInput` (RFC 7515 §5.1): RSASSA-PKCS1-v1_5 with SHA-256 made by
    /// OpenSSL for RS256; for ES256, ECDSA P-256 with SHA-256 by swift-crypto, as the 64 bytes of `r`
    /// and `s` (RFC 7518 §3.4).
    func signature(of signingInput: [UInt8]) throws(OIDCProviderError) -> [UInt8] {
        switch signer {
        case .openSSL(let rsa):
            return try rsa.sign(signingInput)
        case .p256(let key):
            do {
                return Array(try key.signature(for: signingInput).rawRepresentation)
            } catch {
                throw .signing("the ES256 signature with key \(kid) failed", underlying: error)
            }
        }
    }

    /// What signs: for an RSA key, the same key in OpenSSL (``RSASigner``); for P-256, swift-crypto's key.
    private enum Signer: Sendable {
        case openSSL(RSASigner)
        case p256(P256.Signing.PrivateKey)
    }

    /// `key` loaded into OpenSSL and checked against its own public key (``checked(_:against:)``).
    private static func openSSLSigner(for key: _RSA.Signing.PrivateKey) throws(OIDCProviderError) -> RSASigner {
        try checked(RSASigner(pkcs1DER: Array(key.derRepresentation)), against: key.publicKey)
    }

    /// `signer`, once a signature it makes verifies with BoringSSL under `publicKey`: the two libraries
    /// provably hold the same key before any token is signed.
    /// - Throws: ``OIDCProviderError`` `keyGeneration` when the signature does not verify.
    static func checked(_ signer: RSASigner, against publicKey: _RSA.Signing.PublicKey) throws(OIDCProviderError) -> RSASigner {
        let probe = Array("gatehouse: the OpenSSL and BoringSSL keys agree".utf8)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try signer.sign(probe))
        guard publicKey.isValidSignature(signature, for: SHA256.hash(data: probe), padding: .insecurePKCS1v1_5) else {
            throw .keyGeneration("OpenSSL's signature with the RSA key does not verify with its public key")
        }
        return signer
    }

    /// Whether the key is still published at `now`: active, or retired less than `overlap` ago.
    func isPublished(at now: Date, overlap: Duration) -> Bool {
        guard let retiredAt else { return true }
        return now < retiredAt + overlap
    }

    /// Adds the key to a jwt-kit key collection under its `kid`.
    func add(to collection: JWTKeyCollection) async throws(OIDCProviderError) {
        let kid = JWKIdentifier(string: kid)
        do {
            switch material {
            case .rsa(let key):
                await collection.add(rsa: try Insecure.RSA.PrivateKey(backing: key), digestAlgorithm: .sha256, kid: kid, serializer: Self.serializer)
            case .p256(let key):
                await collection.add(ecdsa: try ES256PrivateKey(backing: key), kid: kid, serializer: Self.serializer)
            }
        } catch {
            throw .keyGeneration("jwt-kit refused the \(algorithm.rawValue) key", underlying: error)
        }
    }

    // MARK: Stored form

    /// The key as written inside the sealed key ring: the private key's DER (PKCS#1 for RSA, SEC 1 for P-256).
    struct Stored: Codable {
        var algorithm: SigningAlgorithm
        var privateKeyDER: Data
        var createdAt: Date
        var retiredAt: Date?
    }

    var stored: Stored {
        let der =
            switch material {
            case .rsa(let key): key.derRepresentation
            case .p256(let key): key.derRepresentation
            }
        return Stored(algorithm: algorithm, privateKeyDER: der, createdAt: createdAt, retiredAt: retiredAt)
    }

    init(stored: Stored) throws(OIDCProviderError) {
        let material: Material
        do {
            switch stored.algorithm {
            case .rs256: material = .rsa(try _RSA.Signing.PrivateKey(derRepresentation: stored.privateKeyDER))
            case .es256: material = .p256(try P256.Signing.PrivateKey(derRepresentation: stored.privateKeyDER))
            }
        } catch {
            throw .corruptKeyRing("a stored \(stored.algorithm.rawValue) key cannot be read", underlying: error)
        }
        try self.init(material: material, createdAt: stored.createdAt, retiredAt: stored.retiredAt)
    }
}

/// Makes new signing keys; ``system`` uses the operating system's generator (through BoringSSL),
/// tests pass one that hands out keys made once, because RSA key generation is slow.
public struct SigningKeyGenerator: Sendable {
    let make: @Sendable (SigningAlgorithm) throws -> SigningKey.Material

    /// RSA-2048 and P-256 keys from the system's secure generator.
    public static let system = SigningKeyGenerator { algorithm in
        switch algorithm {
        case .rs256: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .es256: .p256(P256.Signing.PrivateKey())
        }
    }

    /// A generator over caller-supplied key factories (for tests and fixtures).
    public init(
        rsa: @escaping @Sendable () throws -> _RSA.Signing.PrivateKey, p256: @escaping @Sendable () -> P256.Signing.PrivateKey
    ) {
        make = { algorithm in
            switch algorithm {
            case .rs256: .rsa(try rsa())
            case .es256: .p256(p256())
            }
        }
    }

    private init(make: @escaping @Sendable (SigningAlgorithm) throws -> SigningKey.Material) {
        self.make = make
    }

    func generate(_ algorithm: SigningAlgorithm, now: Date) throws(OIDCProviderError) -> SigningKey {
        let material: SigningKey.Material
        do {
            material = try make(algorithm)
        } catch {
            throw .keyGeneration("cannot generate a \(algorithm.rawValue) key", underlying: error)
        }
        return try SigningKey(material: material, createdAt: now)
    }
}

extension SigningKey {
    /// How the header and claims of the tokens a key signs are written: by ``TokenJSONEncoder``.
    static let serializer = DefaultJWTSerializer(jsonEncoder: TokenJSONEncoder())
}

/// jwt-kit's JSON encoder for the tokens the provider signs: ``RecordEncoder``, with dates as seconds
/// since 1970 (NumericDate, RFC 7519 §2) as jwt-kit's own encoder writes them.
struct TokenJSONEncoder: JWTJSONEncoder {
    private let encoder = RecordEncoder(dates: .secondsSince1970)

    func encode<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }
}
