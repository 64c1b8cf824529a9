import Authenticators
import Foundation

/// Base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2).
enum Base64URL {
    /// Encodes `bytes` with the URL-safe alphabet and no `=` padding.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Bytes.base64URL(bytes)
    }

    /// Decodes unpadded base64url; nil for anything else (padding, the standard alphabet, stray characters).
    static func decode(_ text: String) -> [UInt8]? {
        Bytes.bytes(base64URL: text)
    }

    /// Whether `text` is made only of base64url characters (and is not empty).
    static func isBase64URL(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isAlphabet)
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
