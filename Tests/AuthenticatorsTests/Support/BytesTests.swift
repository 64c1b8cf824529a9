import Authenticators
import Testing

struct BytesTests {
    /// RFC 4648 §10's test vectors, in the URL-safe alphabet and without padding (§5, §3.2).
    static let vectors: [(text: String, encoded: String)] = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test("base64url of RFC 4648's test vectors, without padding")
    func encodesTheRFCVectors() {
        for vector in Self.vectors {
            #expect(Bytes.base64URL(Array(vector.text.utf8)) == vector.encoded)
            #expect(Bytes.bytes(base64URL: vector.encoded) == Array(vector.text.utf8))
        }
    }

    @Test("the two characters that differ from standard base64 are - and _")
    func usesTheURLSafeAlphabet() {
        #expect(Bytes.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Bytes.bytes(base64URL: "-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test(
        "decoding refuses padding, the standard alphabet, stray characters and impossible lengths",
        arguments: ["Zg==", "+/+/", "Zm9v Yg", "Zm9vY", "Zm\u{e9}v"])
    func refusesWhatIsNotUnpaddedBase64URL(_ text: String) {
        #expect(Bytes.bytes(base64URL: text) == nil)
    }
}
