import Crypto
import Foundation

/// Byte helpers shared by the authenticators, the OIDC provider and the server: constant-time
/// comparison, hex and unpadded base64.
public enum Bytes {
    /// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths.
    ///
    /// Every byte is visited and the differences are OR-ed together, so an attacker timing a failed
    /// comparison learns nothing about how many leading bytes were right.
    @inlinable
    public static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = hexDigits
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let upperHexDigits = Array("0123456789ABCDEF".utf8)

    /// `text` percent-encoded for a query string or a form: every byte outside the RFC 3986
    /// unreserved set (`A–Z a–z 0–9 - . _ ~`) becomes `%XX` in upper-case hex, so `+`, `&`, `/` and `=`
    /// arrive intact, and the same text always encodes the same way (a SAML HTTP-Redirect signature
    /// covers the query exactly as sent).
    public static func percentEncoded(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        appendPercentEncoded(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `text` percent-encoded (``percentEncoded(_:)``) to `output`. It reserves nothing: called
    /// for each name and value of a query, an exact reservation per call would copy the array every time.
    public static func appendPercentEncoded(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(upperHexDigits[Int(byte >> 4)])
                output.append(upperHexDigits[Int(byte & 0x0F)])
            }
        }
    }

    /// Lower-case hex of the SHA-256 of `text`'s UTF-8 bytes: how one-time codes are stored.
    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Base64url without `=` padding (RFC 4648 §5, as JOSE, PKCE and Gatehouse's tokens write bytes),
    /// written straight into the string's storage: every code, token and id Gatehouse issues is made
    /// here, several per login.
    public static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        let (whole, rest) = input.count.quotientAndRemainder(dividingBy: 3)
        let length = whole * 4 + (rest == 0 ? 0 : rest + 1)
        return input.withUnsafeBufferPointer { input in
            base64URLAlphabet.withUnsafeBufferPointer { alphabet in
                String(unsafeUninitializedCapacity: length) { output in
                    var written = 0
                    // The first `characters` of the four 6-bit digits of a 24-bit group.
                    func emit(_ group: UInt32, _ characters: Int) {
                        for digit in 0..<characters {
                            output[written] = alphabet[Int(group >> UInt32(18 - 6 * digit) & 0x3F)]
                            written += 1
                        }
                    }
                    for start in stride(from: 0, to: whole * 3, by: 3) {
                        emit(UInt32(input[start]) << 16 | UInt32(input[start + 1]) << 8 | UInt32(input[start + 2]), 4)
                    }
                    switch rest {
                    case 1: emit(UInt32(input[whole * 3]) << 16, 2)
                    case 2: emit(UInt32(input[whole * 3]) << 16 | UInt32(input[whole * 3 + 1]) << 8, 3)
                    default: break
                    }
                    return written
                }
            }
        }
    }

    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Decodes base64url written without padding; nil for anything else (padding, the standard
    /// alphabet, stray characters, an impossible length).
    public static func bytes(base64URL text: some StringProtocol) -> [UInt8]? {
        var standard = Array(text.utf8)
        guard standard.count % 4 != 1, standard.allSatisfy(isBase64URLCharacter) else { return nil }
        for index in standard.indices {
            switch standard[index] {
            case UInt8(ascii: "-"): standard[index] = UInt8(ascii: "+")
            case UInt8(ascii: "_"): standard[index] = UInt8(ascii: "/")
            default: break
            }
        }
        standard.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (4 - standard.count % 4) % 4))
        return Data(base64Encoded: Data(standard)).map(Array.init)
    }

    /// Whether `text` is made only of base64url characters (and is not empty).
    public static func isBase64URL(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isBase64URLCharacter)
    }

    private static func isBase64URLCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// Standard base64 without `=` padding (the PHC string format's "B64").
    static func base64(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Decodes standard base64 written without padding; nil for anything else, padded input included.
    static func bytes(base64 text: String) -> [UInt8]? {
        guard !text.contains("="), text.count % 4 != 1 else { return nil }
        let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: padded).map(Array.init)
    }
}

