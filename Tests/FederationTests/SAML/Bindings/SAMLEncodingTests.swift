import Foundation
import Testing

@testable import Federation

@Suite("SAML text encoding")
struct SAMLEncodingTests {
    @Test("escapes the five XML special characters and keeps every other character, multi-byte ones included")
    func escapesXML() {
        #expect(SAMLEncoding.xmlEscape(#"Zoë & <Co> "quoted" 'single' ☃"#) == "Zoë &amp; &lt;Co&gt; &quot;quoted&quot; &apos;single&apos; ☃")
        #expect(SAMLEncoding.xmlEscape("&&") == "&amp;&amp;")
        #expect(SAMLEncoding.xmlEscape("") == "")
    }

    @Test("returns text without special characters as it is")
    func keepsPlainText() {
        let text = "https://sp.example/federation/saml/acme — Zoë"
        #expect(SAMLEncoding.xmlEscape(text) == text)
    }

    @Test("percent-encodes every byte but the unreserved characters, base64's + / = and UTF-8 included, in upper-case hex")
    func percentEncodes() {
        #expect(SAMLEncoding.urlEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(SAMLEncoding.urlEncode("a+b/c==") == "a%2Bb%2Fc%3D%3D")
        #expect(SAMLEncoding.urlEncode("é \n%") == "%C3%A9%20%0A%25")
        #expect(SAMLEncoding.urlEncode("https://idp.example/sso?x=1") == "https%3A%2F%2Fidp.example%2Fsso%3Fx%3D1")
    }

    @Test("percent-encoding round-trips through Foundation's decoder for every byte value")
    func percentEncodingRoundTrips() throws {
        let text = String(decoding: (1...127).map { UInt8($0) }, as: UTF8.self) + "ÿ€𝄞"
        let encoded = SAMLEncoding.urlEncode(text)
        #expect(encoded.utf8.allSatisfy { $0 < 128 })
        #expect(try #require(encoded.removingPercentEncoding) == text)
    }

    @Test("a message ID is an underscore and 40 lower-case hex digits of 20 random bytes")
    func messageID() {
        #expect(SAMLEncoding.messageID { Array(repeating: 0xAB, count: $0) } == "_" + String(repeating: "ab", count: 20))
        #expect(SAMLEncoding.messageID { (0..<$0).map { UInt8($0) } } == "_000102030405060708090a0b0c0d0e0f10111213")
    }
}
