import FlowEngine
import Foundation
import JWTKit

/// A private key the relying party signs with: `private_key_jwt` client assertions (RFC 7523) and
/// Apple's client secret. The key goes into a jwt-kit `JWTKeyCollection` (itself an actor) on first
/// use and never leaves it.
actor ClientSigningKey {
    /// RS256 for an RSA key, ES256 for a P-256 key.
    nonisolated let algorithm: IDTokenAlgorithm
    /// The `kid` header, when the IdP knows the key by one.
    nonisolated let keyID: String?
    private let material: Material
    private var keys: JWTKeyCollection?

    private enum Material {
        case rsa(Insecure.RSA.PrivateKey)
        case ecdsa(ES256PrivateKey)
    }

    /// Parses a PEM private key (PKCS#8 or the traditional RSA/EC forms).
    ///
    /// - Throws: ``FederationError/Code/configuration`` when it is neither an RSA nor a P-256 private key.
    init(pem: Secret, keyID: String?) throws {
        if let rsa = try? Insecure.RSA.PrivateKey(pem: pem.value) {
            material = .rsa(rsa)
            algorithm = .rs256
        } else if let ecdsa = try? ES256PrivateKey(pem: pem.value) {
            material = .ecdsa(ecdsa)
            algorithm = .es256
        } else {
            throw FederationError(.configuration, "private_key is neither an RSA nor a P-256 private key in PEM")
        }
        self.keyID = keyID
    }

    /// Signs `claims` as a compact JWS with `typ: JWT` and the key's `kid`.
    func sign(_ claims: [String: PlainJSON]) async throws -> String {
        let kid = keyID.map { JWKIdentifier(string: $0) }
        let keys: JWTKeyCollection
        if let loaded = self.keys {
            keys = loaded
        } else {
            keys = JWTKeyCollection()
            switch material {
            case .rsa(let key): await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
            case .ecdsa(let key): await keys.add(ecdsa: key, kid: kid)
            }
            self.keys = keys
        }
        var header = JWTHeader()
        header.typ = "JWT"
        header.kid = keyID
        return try await keys.sign(ClaimSet(claims), kid: kid, header: header)
    }
}

/// A JWT payload that is a plain claims object: what the relying party signs, and what it decodes
/// before running its own named checks on it.
struct ClaimSet: JWTPayload {
    var claims: [String: PlainJSON]

    init(_ claims: [String: PlainJSON]) { self.claims = claims }

    init(from decoder: any Decoder) throws {
        claims = try decoder.singleValueContainer().decode([String: PlainJSON].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(claims)
    }

    /// Nothing here: the relying party checks claims itself, one named check at a time
    /// (``IDTokenVerifier``), so that a verdict can list each of them.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
