import Testing
@testable import OIDCProvider

struct PKCETests {
    @Test("RFC 7636 Appendix B: the verifier's S256 challenge")
    func rfc7636AppendixB() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(PKCE.challenge(forVerifier: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.verify(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
    }

    @Test("a different verifier does not match")
    func rejectsWrongVerifier() {
        #expect(!PKCE.verify(verifier: String(repeating: "a", count: 43), challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
    }

    @Test("verifier syntax: 43 to 128 unreserved characters", arguments: [
        (String(repeating: "a", count: 42), false), (String(repeating: "a", count: 43), true),
        (String(repeating: "a", count: 128), true), (String(repeating: "a", count: 129), false),
        (String(repeating: "a", count: 42) + "+", false), ("-._~" + String(repeating: "Z9", count: 20), true),
    ])
    func verifierSyntax(verifier: String, valid: Bool) {
        #expect(PKCE.isWellFormed(verifier: verifier) == valid)
    }
}
