import Foundation

/// A JWS algorithm (RFC 7518 §3.1) that a connection may accept for its ID tokens.
///
/// `none` is not a case: an unsigned ID token is never accepted, whatever a connection says.
/// ``hs256`` is accepted only when a connection lists it explicitly and has a client secret; the
/// token is then verified with that secret and never with a key from the provider's JWKS (the
/// "key confusion" attack signs HS256 with the provider's RSA public key as the HMAC secret).
public enum IDTokenAlgorithm: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// RSASSA-PKCS1-v1_5 with SHA-256; the OIDC default.
    case rs256 = "RS256"
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    case rs384 = "RS384"
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    case rs512 = "RS512"
    /// RSASSA-PSS with SHA-256.
    case ps256 = "PS256"
    /// RSASSA-PSS with SHA-384.
    case ps384 = "PS384"
    /// RSASSA-PSS with SHA-512.
    case ps512 = "PS512"
    /// ECDSA on P-256 with SHA-256.
    case es256 = "ES256"
    /// ECDSA on P-384 with SHA-384.
    case es384 = "ES384"
    /// ECDSA on P-521 with SHA-512.
    case es512 = "ES512"
    /// HMAC with SHA-256, keyed with the client secret (OIDC Core §10.1).
    case hs256 = "HS256"

    /// The algorithms a connection accepts unless configured otherwise.
    public static let defaultAllowed: [IDTokenAlgorithm] = [.rs256, .es256]

    /// The name as written in a JOSE header.
    public var description: String { rawValue }

    /// Whether the algorithm is keyed with the client secret rather than a provider key.
    public var isSymmetric: Bool { self == .hs256 }

    /// The JWK key type (`kty`) a provider key must have for this algorithm.
    var keyType: String? {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: "RSA"
        case .es256, .es384, .es512: "EC"
        case .hs256: nil
        }
    }

    /// The curve (`crv`) an EC key must be on for this algorithm.
    var curve: String? {
        switch self {
        case .es256: "P-256"
        case .es384: "P-384"
        case .es512: "P-521"
        default: nil
        }
    }

    /// Decodes a name; `none` gets its own error message.
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let algorithm = IDTokenAlgorithm(rawValue: name) else {
            let message =
                name.lowercased() == "none"
                ? "'none' is never allowed for ID tokens"
                : "'\(name)' is not a supported ID token algorithm; expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))"
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
        }
        self = algorithm
    }
}
