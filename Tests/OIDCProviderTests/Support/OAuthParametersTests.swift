import Testing
@testable import OIDCProvider

struct OAuthParametersTests {
    @Test("form decoding keeps repeats, decodes + and %XX")
    func parsesForm() {
        let parameters = OAuthParameters.parse("a=1&a=2&b=x+y%2Bz&c=&d")
        #expect(parameters["a"] == ["1", "2"])
        #expect(parameters["b"] == ["x y+z"])
        #expect(parameters["c"] == [""])
        #expect(parameters["d"] == [""])
    }

    @Test("a malformed escape is kept visible instead of dropped")
    func keepsMalformed() {
        #expect(OAuthParameters.parse("a=%ZZ")[""] == ["a=%ZZ"])
        #expect(OAuthParameters.parse("b=%C3")[""] == ["b=%C3"])  // half a UTF-8 character
        #expect(OAuthParameters.parse("c=ab%4")[""] == ["c=ab%4"])  // an escape cut short at the end
        #expect(OAuthParameters.parse("d=%&e=1") == ["": ["d=%"], "e": ["1"]])
    }

    @Test("only the first = splits a pair; non-ASCII text and empty pairs are handled on the bytes")
    func splitsOnBytes() {
        let parameters = OAuthParameters.parse("&x=a=b&&name=Zo\u{EB}%20%C3%A9&=v&")
        #expect(parameters["x"] == ["a=b"])
        #expect(parameters["name"] == ["Zo\u{EB} \u{E9}"])
        #expect(parameters[""] == ["v"])
        #expect(parameters.count == 3)
    }

    @Test("encoding escapes everything but unreserved characters")
    func encodes() {
        #expect(OAuthParameters.encode("a b+c&d=é~") == "a%20b%2Bc%26d%3D%C3%A9~")
    }

    @Test("parameters are added to a URI's query, which is kept (RFC 6749 §3.1.2)")
    func appendsToTheQuery() {
        #expect(OAuthParameters.appending("code=1", to: "https://app.test/cb") == "https://app.test/cb?code=1")
        #expect(OAuthParameters.appending("code=1", to: "https://app.test/cb?tenant=a") == "https://app.test/cb?tenant=a&code=1")
    }

    @Test("an empty value counts as absent (RFC 6749 §3.1)")
    func emptyIsAbsent() throws {
        #expect(try ParameterReader(parameters: ["x": [""]]).single("x", limit: 10) == nil)
    }
}
