import Foundation
import Testing

@testable import Federation

@Suite("Decoding any SAML message")
struct DecodedSAMLMessageTests {
    @Test("raw XML, base64 and a form body give the same Response")
    func decodesResponseEncodings() throws {
        let (_, issued) = try SAMLFixture.issue()
        let form = FormURLEncoding.encode([("SAMLResponse", issued.base64), ("RelayState", "tx 1")])
        for (input, encoding) in [(issued.xml, DecodedSAMLMessage.Encoding.xml), (issued.base64, .base64), (form, .base64)] {
            let message = try DecodedSAMLMessage(decoding: "\n" + input + "\n")
            #expect(message.kind == "Response")
            #expect(message.encoding == encoding)
            #expect(message.xml.trimmingXMLWhitespace() == issued.xml.trimmingXMLWhitespace())
            #expect(message.fields.first == DecodedSAMLMessage.Field(name: "ID", value: issued.responseID))
        }
        #expect(try DecodedSAMLMessage(decoding: form).relayState == "tx 1")
        #expect(try DecodedSAMLMessage(decoding: form).parameter == "SAMLResponse")
    }

    @Test("base64 whose + became spaces in a pasted form is repaired")
    func repairsSpaces() throws {
        let (_, issued) = try SAMLFixture.issue()
        let pasted = "SAMLResponse=" + issued.base64  // not URL-encoded: '+' decodes to ' '
        #expect(try DecodedSAMLMessage(decoding: pasted).xml == issued.xml)
    }

    @Test("a redirect URL gives the inflated AuthnRequest, RelayState, SigAlg and the signature's presence")
    func decodesRedirect() throws {
        let request = SAMLFixture.request()
        let key = try SAMLSigningKey(privateKeyPEM: SAMLTestKeys.spKey, certificatePEM: SAMLTestKeys.spCertificate)
        let message = try DecodedSAMLMessage(decoding: try request.redirectURL(relayState: "tx-1", signingKey: key))
        #expect(message.kind == "AuthnRequest")
        #expect(message.binding == .httpRedirect)
        #expect(message.encoding == .deflateBase64)
        #expect(message.relayState == "tx-1")
        #expect(message.signatureAlgorithm == XMLSignatureAlgorithm.rsaSHA256.uri)
        #expect(message.hasQuerySignature)
        #expect(message.xml == request.xml)
        let fields = Dictionary(uniqueKeysWithValues: message.fields.map { ($0.name, $0.value) })
        #expect(fields["Issuer"] == SAMLFixture.spEntityID)
        #expect(fields["AssertionConsumerServiceURL"] == SAMLFixture.acs)
        #expect(fields["NameIDPolicy"] == SAML.NameIDFormat.emailAddress)
    }

    @Test("an HTTP-POST AuthnRequest form, signed in the XML")
    func decodesPostRequest() throws {
        let key = try SAMLSigningKey(privateKeyPEM: SAMLTestKeys.spKey, certificatePEM: SAMLTestKeys.spCertificate)
        let form = try SAMLFixture.request().postForm(relayState: nil, signingKey: key)
        let message = try DecodedSAMLMessage(decoding: try #require(form.value(of: "SAMLRequest")))
        #expect(message.kind == "AuthnRequest" && message.binding == .httpPOST)
        #expect(message.fields.last == DecodedSAMLMessage.Field(name: "Signed elements", value: "/AuthnRequest"))
    }

    @Test("a LogoutRequest shows its NameID and SessionIndex")
    func decodesLogoutRequest() throws {
        let xml = """
            <samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" \
            ID="_lo1" Version="2.0" IssueInstant="2026-03-02T09:00:00Z" Destination="https://gatehouse.test/saml/slo">\
            <saml:Issuer>https://idp.acme.test/saml</saml:Issuer><saml:NameID>zoe@acme.test</saml:NameID>\
            <samlp:SessionIndex>session-1</samlp:SessionIndex></samlp:LogoutRequest>
            """
        let encoded = Data(RawDeflate.compress(Array(xml.utf8))).base64EncodedString()
        let message = try DecodedSAMLMessage(decoding: "https://gatehouse.test/saml/slo?SAMLRequest=" + FormURLEncoding.encode(component: encoded))
        #expect(message.kind == "LogoutRequest")
        let fields = Dictionary(uniqueKeysWithValues: message.fields.map { ($0.name, $0.value) })
        #expect(fields["NameID"] == "zoe@acme.test")
        #expect(fields["SessionIndex"] == "session-1")
        #expect(fields["Signed elements"] == "none")
    }

    @Test("refuses what is not a SAML message", arguments: ["", "hello world", "SAMLResponse=%%%", "PGZvbw", "https://idp.test/sso?foo=bar"])
    func rejectsGarbage(input: String) {
        #expect(throws: FederationError.self) { try DecodedSAMLMessage(decoding: input) }
    }

    @Test("refuses a DOCTYPE and a decompression bomb")
    func rejectsHostileInput() throws {
        let doctype = "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><r>&a;</r>"
        #expect(throws: FederationError(.malformedMessage, "")) { try DecodedSAMLMessage(decoding: doctype) }
        let bomb = Data(RawDeflate.compress(Array(repeating: UInt8(ascii: " "), count: 4 << 20))).base64EncodedString()
        #expect(throws: FederationError(.messageTooLarge, "")) { try DecodedSAMLMessage(decoding: bomb) }
    }
}
