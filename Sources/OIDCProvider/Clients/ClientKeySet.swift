import FlowEngine
import Foundation
import JWTKit

/// A client's registered public keys (its `jwks`), and the rule that picks the one key a client
/// assertion may be checked with.
///
/// The key is chosen before any signature is checked, from the header's `alg` and `kid`, so that a
/// token can never pick its own verification algorithm (RFC 8725 §3.1): the algorithm must be an
/// asymmetric one we accept, match the key's type and curve, and match the key's own `alg` when the
/// key names one.
struct ClientKeySet: Sendable {
    /// The asymmetric algorithms accepted for `private_key_jwt` assertions
    /// (`token_endpoint_auth_signing_alg_values_supported`). HMAC (`client_secret_jwt`) and `none` are not.
    static let acceptedAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]

    let keys: [JWK]

    /// Reads a JWK Set; nil unless it holds at least one RSA or EC key.
    static func decode(_ json: PlainJSON) -> ClientKeySet? {
        guard let data = try? JSONEncoder().encode(json), let set = try? JSONDecoder().decode(JWKS.self, from: data) else {
            return nil
        }
        let keys = set.keys.filter { $0.keyType == .rsa || $0.keyType == .ecdsa }
        return keys.isEmpty ? nil : ClientKeySet(keys: keys)
    }

    /// The one key that may verify a token whose header says `alg` and `kid`, prepared for that
    /// algorithm; nil when the algorithm is not accepted, no key fits, or (without `kid`) several fit.
    func key(alg: String, kid: String?) -> JWK? {
        guard Self.acceptedAlgorithms.contains(alg), let algorithm = JWK.Algorithm(rawValue: alg) else { return nil }
        var candidates = keys.filter { Self.fits($0, alg: alg) }
        if let kid {
            candidates = candidates.filter { $0.keyIdentifier?.string == kid }
        }
        guard candidates.count == 1, var key = candidates.first else { return nil }
        key.algorithm = algorithm
        key.keyIdentifier = JWKIdentifier(string: "client-assertion-key")
        return key
    }

    private static func fits(_ key: JWK, alg: String) -> Bool {
        if let own = key.algorithm, own.rawValue != alg { return false }
        switch alg.prefix(2) {
        case "RS", "PS":
            return key.keyType == .rsa
        case "ES":
            let curve = ["ES256": "P-256", "ES384": "P-384", "ES512": "P-521"][alg]
            return key.keyType == .ecdsa && (key.curve == nil || key.curve?.rawValue == curve)
        default:
            return false
        }
    }
}
