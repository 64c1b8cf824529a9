import Authenticators
import Foundation

/// Random identifiers and secrets the server hands out (transaction ids, CSRF tokens, session
/// cookies), and the comparisons and digests used on them.
///
/// Every byte comes from the injected ``RandomSource`` (the system generator in production), so tests
/// can run with a seeded one.
enum Tokens {
    /// `byteCount` random bytes as unpadded base64url (RFC 4648 §5): safe in URLs, cookies and forms.
    static func random(_ byteCount: Int, from random: any RandomSource) -> String {
        Bytes.base64URL(random.bytes(byteCount))
    }

    /// Whether `text` has the shape of a token made by ``random(_:from:)`` of `byteCount` bytes; checked
    /// before a value from a URL or cookie is used as a store key.
    static func isWellFormed(_ text: String, byteCount: Int) -> Bool {
        let length = (byteCount * 4 + 2) / 3
        return text.utf8.count == length && Bytes.isBase64URL(text)
    }

    /// Whether two strings hold the same bytes, in time that depends only on their lengths.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        Bytes.constantTimeEquals(a.utf8, b.utf8)
    }

    /// Lowercase hex SHA-256 of `text`: how secrets that are also lookup keys (session cookies) are
    /// stored, so a copy of the store does not hand out live sessions.
    static func digest(_ text: String) -> String {
        Bytes.sha256Hex(text)
    }
}
