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

    private static let numericDates: Set<String> = ["exp", "iat", "nbf", "auth_time"]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ClaimName.self)
        var claims: [String: PlainJSON] = [:]
        for name in container.allKeys {
            // A NumericDate claim (RFC 7519 §2) is tried as a number first, every other claim as a string.
            if Self.numericDates.contains(name.stringValue), let seconds = try? container.decode(Double.self, forKey: name) {
                claims[name.stringValue] = .number(seconds)
            } else {
                claims[name.stringValue] = try container.decode(ClaimValue.self, forKey: name).json
            }
        }
        self.claims = claims
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(claims)
    }

    /// Nothing here: the relying party checks claims itself, one named check at a time
    /// (``IDTokenVerifier``), so that a verdict can list each of them.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A claim name, any string.
private struct ClaimName: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// One claim value, decoded trying a string first.
///
/// The same values as decoding ``PlainJSON`` (JSON's types are disjoint, so the order changes no
/// result), but each wrong guess costs a thrown `DecodingError` with its message, and `PlainJSON`
/// tries `Bool` and `Double` before `String`: two throws per string claim, the most common kind.
private struct ClaimValue: Decodable {
    let json: PlainJSON

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            json = .null
        } else if let string = try? container.decode(String.self) {
            json = .string(string)
        } else if let number = try? container.decode(Double.self) {
            json = .number(number)
        } else if let bool = try? container.decode(Bool.self) {
            json = .bool(bool)
        } else if let array = try? container.decode([ClaimValue].self) {
            json = .array(array.map(\.json))
        } else {
            json = .object(try container.decode([String: ClaimValue].self).mapValues(\.json))
        }
    }
}
