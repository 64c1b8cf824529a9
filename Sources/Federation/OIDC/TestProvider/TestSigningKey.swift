import Authenticators
import FlowEngine
import Foundation
import JWTKit

/// A signing key of the ``TestOIDCProvider``: RS256 or ES256, from a committed PEM test key.
///
/// - Warning: Test keys only. The private keys under `fixtures/keys/oidc-*` are public knowledge.
public struct TestSigningKey: Sendable {
    /// The key id published in the JWKS and put in token headers.
    public let keyID: String
    /// `RS256` or `ES256`.
    public let algorithm: IDTokenAlgorithm
    /// The private key in PEM (PKCS#8).
    public let privateKeyPEM: String

    /// Wraps a PEM private key.
    ///
    /// - Throws: ``FederationError/Code/configuration`` when the PEM does not hold a key for `algorithm`.
    public init(keyID: String, algorithm: IDTokenAlgorithm, privateKeyPEM: String) throws {
        switch algorithm {
        case .rs256:
            guard (try? Insecure.RSA.PrivateKey(pem: privateKeyPEM)) != nil else {
                throw FederationError(.configuration, "test key '\(keyID)' is not an RSA private key")
            }
        case .es256:
            guard (try? ES256PrivateKey(pem: privateKeyPEM)) != nil else {
                throw FederationError(.configuration, "test key '\(keyID)' is not a P-256 private key")
            }
        default:
            throw FederationError(.configuration, "the test provider signs with RS256 or ES256 only, not \(algorithm)")
        }
        self.keyID = keyID
        self.algorithm = algorithm
        self.privateKeyPEM = privateKeyPEM
    }

    /// The committed fixture keys in `directory` (the repository's `fixtures/keys`): `rs256-1` from
    /// `oidc-provider-rs256.key.pem`, `es256-1` from `oidc-provider-es256.key.pem`, and `rs256-2`
    /// from `oidc-provider-rs256-next.key.pem` (the next key of a rotation).
    ///
    /// - Throws: When a file is missing or not a key.
    public static func fixtureKeys(in directory: URL) throws -> (rs256: TestSigningKey, es256: TestSigningKey, nextRS256: TestSigningKey) {
        func pem(_ name: String) throws -> String {
            try String(contentsOf: directory.appending(path: name), encoding: .utf8)
        }
        return (
            try TestSigningKey(keyID: "rs256-1", algorithm: .rs256, privateKeyPEM: pem("oidc-provider-rs256.key.pem")),
            try TestSigningKey(keyID: "es256-1", algorithm: .es256, privateKeyPEM: pem("oidc-provider-es256.key.pem")),
            try TestSigningKey(keyID: "rs256-2", algorithm: .rs256, privateKeyPEM: pem("oidc-provider-rs256-next.key.pem"))
        )
    }

    /// The public half as a JWK (RFC 7517 §4, RFC 7518 §6), with `use: sig` and `alg`.
    public func publicJWK() throws -> [String: PlainJSON] {
        var jwk: [String: PlainJSON] = ["kid": .string(keyID), "use": .string("sig"), "alg": .string(algorithm.rawValue)]
        switch algorithm {
        case .es256:
            guard let parameters = try ES256PrivateKey(pem: privateKeyPEM).publicKey.parameters else {
                throw FederationError(.configuration, "test key '\(keyID)': no public parameters")
            }
            jwk["kty"] = .string("EC")
            jwk["crv"] = .string("P-256")
            jwk["x"] = .string(parameters.x)
            jwk["y"] = .string(parameters.y)
        default:
            let primitives = try Insecure.RSA.PrivateKey(pem: privateKeyPEM).publicKey.getKeyPrimitives()
            jwk["kty"] = .string("RSA")
            jwk["n"] = .string(Bytes.base64URL(primitives.modulus))
            jwk["e"] = .string(Bytes.base64URL(primitives.publicExponent))
        }
        return jwk
    }

    /// Adds the private key to a jwt-kit collection under its key id.
    func add(to keys: JWTKeyCollection) async throws {
        let kid = JWKIdentifier(string: keyID)
        switch algorithm {
        case .es256: await keys.add(ecdsa: try ES256PrivateKey(pem: privateKeyPEM), kid: kid)
        default: await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: privateKeyPEM), digestAlgorithm: .sha256, kid: kid)
        }
    }
}
