import Testing
@testable import OIDCProvider

@Suite("HTTP whitespace")
struct HTTPWhitespaceTests {
    @Test("spaces and tabs around a value go, everything inside stays", arguments: [
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        (" \t Basic abc \t", "Basic abc"),
        ("a b", "a b"),
        ("   ", ""),
        ("", ""),
        ("\u{00A0}x\u{00A0}", "\u{00A0}x\u{00A0}"),  // no-break spaces are not HTTP whitespace
        ("\r\nx", "\r\nx"),
        (" é ", "é"),
    ])
    func trims(_ input: String, _ expected: String) {
        #expect(input.trimmingHTTPWhitespace() == expected)
        #expect(("[" + input + "]").dropFirst().dropLast().trimmingHTTPWhitespace() == expected)
    }
}
