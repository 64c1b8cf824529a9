import Authenticators
import Crypto
import Foundation

/// A signing key's public half as published in the JWKS (RFC 7517 §4, RFC 7518 §6.2.1 and §6.3.1).
///
/// The type has no field that could hold private material (`d`, `p`, `q`, `dp`, `dq`, `qi`), so
/// publishing a private key is not something a caller can do by mistake.
public struct PublicJWK: Sendable, Hashable, Codable {
    /// `RSA` or `EC`.
    public let kty: String
    /// Always `sig`.
    public let use: String
    /// `RS256` or `ES256`.
    public let alg: String
    /// The key id: the key's RFC 7638 thumbprint.
    public let kid: String
    /// RSA modulus (base64url, big-endian, no leading zero).
    public let n: String?
    /// RSA public exponent.
    public let e: String?
    /// EC curve (`P-256`).
    public let crv: String?
    /// EC x coordinate.
    public let x: String?
    /// EC y coordinate.
    public let y: String?

    /// An RSA public key; `kid` is its thumbprint.
    init(rsaModulus n: [UInt8], exponent e: [UInt8], alg: String) {
        let n = Bytes.base64URL(n.drop { $0 == 0 })
        let e = Bytes.base64URL(e.drop { $0 == 0 })
        self.init(kty: "RSA", alg: alg, n: n, e: e, crv: nil, x: nil, y: nil)
    }

    /// An EC public key (coordinates already base64url); `kid` is its thumbprint.
    init(curve: String, x: String, y: String, alg: String) {
        self.init(kty: "EC", alg: alg, n: nil, e: nil, crv: curve, x: x, y: y)
    }

    private init(kty: String, alg: String, n: String?, e: String?, crv: String?, x: String?, y: String?) {
        self.kty = kty
        self.use = "sig"
        self.alg = alg
        self.n = n
        self.e = e
        self.crv = crv
        self.x = x
        self.y = y
        self.kid = Self.thumbprint(kty: kty, n: n, e: e, crv: crv, x: x, y: y)
    }

    /// The RFC 7638 JWK thumbprint: base64url(SHA-256) of the required members only, in lexicographic
    /// order, without whitespace (§3.2): `{"e","kty","n"}` for RSA, `{"crv","kty","x","y"}` for EC.
    /// The values are base64url text, which needs no JSON escaping.
    static func thumbprint(kty: String, n: String?, e: String?, crv: String?, x: String?, y: String?) -> String {
        let json =
            kty == "RSA"
            ? #"{"e":"\#(e ?? "")","kty":"RSA","n":"\#(n ?? "")"}"#
            : #"{"crv":"\#(crv ?? "")","kty":"\#(kty)","x":"\#(x ?? "")","y":"\#(y ?? "")"}"#
        return Bytes.base64URL(SHA256.hash(data: Array(json.utf8)))
    }
}

/// A JWK Set document (RFC 7517 §5): what `/jwks` serves.
public struct JWKSDocument: Sendable, Hashable, Codable {
    /// The published keys: every active key and every retired key still within its overlap period.
    public let keys: [PublicJWK]

    /// The document as JSON (sorted keys, no escaped slashes).
    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data(#"{"keys":[]}"#.utf8)
    }
}
