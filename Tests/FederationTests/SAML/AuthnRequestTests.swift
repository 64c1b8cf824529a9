import CryptoExtras
import FlowEngine
import Foundation
import Testing

@testable import Federation

@Suite("SAML AuthnRequest and bindings")
struct AuthnRequestTests {
    private static func fixedBytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 256) } }

    private static func query(_ url: String) throws -> [(String, String)] {
        let query = try #require(url.split(separator: "?", maxSplits: 1).last)
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1].removingPercentEncoding ?? "")
        }
    }

    @Test("builds the request from the connection with an ID from the random source and the given time")
    func buildsRequest() throws {
        var sp = SAMLFixture.serviceProvider()
        sp.levelMapping = [SAML.AuthnContextClass.password: "loa1", SAML.AuthnContextClass.passwordProtectedTransport: "loa1"]
        let request = AuthnRequest(serviceProvider: sp, requiredLevel: "loa1", now: SAMLFixture.now, randomBytes: Self.fixedBytes)
        #expect(request.id == "_000102030405060708090a0b0c0d0e0f10111213")
        #expect(request.issueInstant == SAMLFixture.now)
        #expect(request.destination == SAMLFixture.ssoURL)
        #expect(request.issuer == SAMLFixture.spEntityID)
        #expect(request.requestedAuthnContextClassRefs == [SAML.AuthnContextClass.password, SAML.AuthnContextClass.passwordProtectedTransport])
        #expect(request.xml.contains("IssueInstant=\"2026-03-02T09:00:00Z\""))
        #expect(request.xml.contains("<samlp:RequestedAuthnContext Comparison=\"exact\">"))
        #expect(request.xml.contains("<samlp:NameIDPolicy Format=\"\(SAML.NameIDFormat.emailAddress)\" AllowCreate=\"true\"/>"))
    }

    @Test("HTTP-Redirect: DEFLATE + base64 + URL-encoding, RelayState, and a signature over the exact query (SAML Bindings §3.4.4.1)")
    func redirectBinding() throws {
        let request = SAMLFixture.request()
        let key = try SAMLSigningKey(privateKeyPEM: SAMLTestKeys.spKey, certificatePEM: SAMLTestKeys.spCertificate)
        let url = try request.redirectURL(relayState: "tx-42", signingKey: key)
        #expect(url.hasPrefix(SAMLFixture.ssoURL + "?SAMLRequest="))

        let parameters = try Self.query(url)
        #expect(parameters.map(\.0) == ["SAMLRequest", "RelayState", "SigAlg", "Signature"])
        #expect(parameters[1].1 == "tx-42")
        #expect(parameters[2].1 == XMLSignatureAlgorithm.rsaSHA256.uri)

        let received = try AuthnRequest(received: parameters[0].1, binding: .httpRedirect)
        #expect(received.id == request.id)
        #expect(received.issuer == SAMLFixture.spEntityID)
        #expect(received.assertionConsumerServiceURL == SAMLFixture.acs)
        #expect(received.issueInstant == SAMLFixture.now)

        let signedPart = try #require(url.split(separator: "?", maxSplits: 1).last?.components(separatedBy: "&Signature=").first)
        let signature = try #require(Data(base64Encoded: parameters[3].1))
        let publicKey = try _RSA.Signing.PrivateKey(pemRepresentation: SAMLTestKeys.spKey).publicKey
        #expect(publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: Data(signedPart.utf8), padding: .insecurePKCS1v1_5
        ))
    }

    @Test("HTTP-Redirect without a key sends no SigAlg or Signature, and refuses a RelayState over 80 bytes")
    func unsignedRedirect() throws {
        let request = SAMLFixture.request()
        let parameters = try Self.query(try request.redirectURL(relayState: nil, signingKey: nil))
        #expect(parameters.map(\.0) == ["SAMLRequest"])
        #expect(throws: FederationError(.configuration, "")) {
            try request.redirectURL(relayState: String(repeating: "r", count: 81), signingKey: nil)
        }
    }

    @Test("HTTP-Redirect to a SingleSignOnService URL with a query of its own adds the parameters to that query")
    func redirectKeepsTheIdPsQuery() throws {
        var request = SAMLFixture.request()
        request.destination = "https://idp.example/sso?tenant=acme"
        let url = try request.redirectURL(relayState: "tx-42", signingKey: nil)
        #expect(url.hasPrefix("https://idp.example/sso?tenant=acme&SAMLRequest="))
        #expect(url.hasSuffix("&RelayState=tx-42"))
    }

    @Test("HTTP-POST: an auto-submitting form whose SAMLRequest carries an enveloped signature")
    func postBinding() throws {
        let request = SAMLFixture.request()
        let key = try SAMLSigningKey(privateKeyPEM: SAMLTestKeys.spKey, certificatePEM: SAMLTestKeys.spCertificate)
        let form = try request.postForm(relayState: "tx-&-42", signingKey: key)
        #expect(form.action == SAMLFixture.ssoURL)
        let html = form.html(scriptNonce: "n0nce")
        #expect(html.contains("action=\"\(SAMLFixture.ssoURL)\""))
        #expect(html.contains("value=\"tx-&amp;-42\""))
        #expect(html.contains("<script nonce=\"n0nce\">document.forms[0].submit();</script>"))

        let samlRequest = try #require(form.value(of: "SAMLRequest"))
        let xml = try #require(Data(base64Encoded: samlRequest))
        let document = try XMLSecDocument(parsing: Array(xml))
        let signature = try #require(try EnvelopedSignature.signature(of: document.root))
        let verified = try EnvelopedSignature.verify(
            signature, of: document.root, idAttribute: "ID", keys: IdPKeys(certificatesPEM: [SAMLTestKeys.spCertificate]).keys,
            allowed: XMLSignatureAlgorithm.defaultAllowed, label: "the AuthnRequest signature"
        )
        #expect(verified.algorithm == .rsaSHA256)
        #expect(try AuthnRequest(received: samlRequest, binding: .httpPOST).id == request.id)
    }

    @Test("delivers with the connection's binding")
    func delivery() throws {
        var sp = SAMLFixture.serviceProvider()
        guard case .redirect = try SAMLFixture.request(sp).delivery(relayState: nil, signingKey: nil) else {
            Issue.record("expected a redirect")
            return
        }
        sp.identityProvider.singleSignOnBinding = .httpPOST
        guard case .post = try SAMLFixture.request(sp).delivery(relayState: nil, signingKey: nil) else {
            Issue.record("expected a form")
            return
        }
    }
}
