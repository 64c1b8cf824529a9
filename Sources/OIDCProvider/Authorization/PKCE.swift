import Authenticators
import Crypto

/// Proof Key for Code Exchange with the `S256` method only (RFC 7636; `plain` is refused, RFC 9700 §2.1.1).
public enum PKCE {
    /// The only `code_challenge_method` accepted.
    public static let method = "S256"

    /// `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2).
    public static func challenge(forVerifier verifier: String) -> String {
        Bytes.base64URL(SHA256.hash(data: Array(verifier.utf8)))
    }

    /// Whether `verifier` hashes to `challenge` (RFC 7636 §4.6), compared in constant time.
    public static func verify(verifier: String, challenge: String) -> Bool {
        Bytes.constantTimeEquals(Array(Self.challenge(forVerifier: verifier).utf8), Array(challenge.utf8))
    }

    /// Whether `challenge` can be an S256 challenge: 43 base64url characters (a SHA-256 digest).
    static func isWellFormed(challenge: String) -> Bool {
        challenge.utf8.count == 43 && Bytes.isBase64URL(challenge)
    }

    /// Whether `verifier` has the RFC 7636 §4.1 syntax: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    static func isWellFormed(verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count)
            && verifier.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "~"):
                    true
                default: false
                }
            }
    }
}
