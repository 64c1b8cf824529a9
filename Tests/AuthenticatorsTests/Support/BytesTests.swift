import Authenticators
import Foundation
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

    @Test("every length and byte value encodes as Foundation's base64 does, in the URL-safe alphabet without padding")
    func matchesFoundationsBase64() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...66 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let standard = Data(bytes).base64EncodedString()
            let expected = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Bytes.base64URL(bytes) == expected, "\(bytes)")
            #expect(Bytes.bytes(base64URL: expected) == bytes)
        }
        #expect(Bytes.base64URL(Array(0...255)) == Data(Array(0...255)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
    }

    @Test(
        "decoding refuses padding, the standard alphabet, stray characters and impossible lengths",
        arguments: ["Zg==", "+/+/", "Zm9v Yg", "Zm9vY", "Zm\u{e9}v"])
    func refusesWhatIsNotUnpaddedBase64URL(_ text: String) {
        #expect(Bytes.bytes(base64URL: text) == nil)
    }

    @Test("percent-encoding keeps the unreserved characters and writes every other byte as upper-case %XX")
    func percentEncodes() throws {
        #expect(Bytes.percentEncoded("AZaz09-._~") == "AZaz09-._~")
        #expect(Bytes.percentEncoded("a b+c&d=é/") == "a%20b%2Bc%26d%3D%C3%A9%2F")
        let every = String(decoding: (1...127).map { UInt8($0) }, as: UTF8.self) + "ÿ€𝄞"
        #expect(try #require(Bytes.percentEncoded(every).removingPercentEncoding) == every)
        var output = Array("x=".utf8)
        Bytes.appendPercentEncoded("1 2", to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "x=1%202")
    }
}
