import Foundation
import Testing

@testable import Federation

@Suite("SAML SP metadata export")
struct SAMLServiceProviderMetadataTests {
    static func metadata(encryption: Bool = true) -> SAMLServiceProviderMetadata {
        SAMLServiceProviderMetadata(
            entityID: SAMLFixture.spEntityID, assertionConsumerServiceURL: SAMLFixture.acs, signingCertificates: [SAMLTestKeys.spCertificate],
            encryptionCertificates: encryption ? [SAMLTestKeys.spCertificate] : [], authnRequestsSigned: true, wantAssertionsSigned: true,
            nameIDFormats: [SAML.NameIDFormat.emailAddress]
        )
    }

    @Test("is the committed sample, byte for byte, every time")
    func isDeterministic() throws {
        let xml = try Self.metadata().xml()
        #expect(try Self.metadata().xml() == xml)
        try expectSample("gatehouse-sp.xml", equals: xml)
    }

    @Test("parses back to the same values")
    func roundTrips() throws {
        let original = Self.metadata()
        let parsed = try SAMLServiceProviderMetadata(parsing: Array(try original.xml().utf8), policy: MetadataFixture.policy())
        #expect(parsed.entityID == original.entityID)
        #expect(parsed.assertionConsumerServiceURL == original.assertionConsumerServiceURL)
        #expect(MetadataFixture.der(parsed.signingCertificates) == MetadataFixture.der(original.signingCertificates))
        #expect(MetadataFixture.der(parsed.encryptionCertificates) == MetadataFixture.der(original.encryptionCertificates))
        #expect(parsed.authnRequestsSigned && parsed.wantAssertionsSigned)
        #expect(parsed.nameIDFormats == original.nameIDFormats)
        // And writing what was read gives the same bytes again.
        #expect(try parsed.xml() == original.xml())
    }

    @Test("has the SAML Metadata structure: namespaces, attributes, children in schema order")
    func hasSchemaStructure() throws {
        let document = try XMLSecDocument(parsing: Array(try Self.metadata().xml().utf8))
        let md = SAML.Namespace.metadata
        let root = document.root
        #expect(root.is("EntityDescriptor", in: md))
        #expect(root.attribute("entityID") == SAMLFixture.spEntityID)
        let roles = root.children
        #expect(roles.count == 1)
        let role = try #require(roles.first)
        #expect(role.is("SPSSODescriptor", in: md))
        #expect(role.attribute("protocolSupportEnumeration") == "urn:oasis:names:tc:SAML:2.0:protocol")
        #expect(role.attribute("AuthnRequestsSigned") == "true")
        #expect(role.attribute("WantAssertionsSigned") == "true")
        // saml-schema-metadata-2.0.xsd, SSODescriptorType then SPSSODescriptorType: KeyDescriptor*, …, NameIDFormat*, AssertionConsumerService+.
        #expect(role.children.map(\.name) == ["KeyDescriptor", "KeyDescriptor", "NameIDFormat", "AssertionConsumerService"])
        #expect(role.children.allSatisfy { $0.namespaceURI == md })
        let keys = role.children("KeyDescriptor", in: md)
        #expect(keys.map { $0.attribute("use") } == ["signing", "encryption"])
        for key in keys {
            let info = try #require(key.children.first)
            #expect(info.is("KeyInfo", in: SAML.Namespace.xmlDSig))
            let certificate = try #require(info.child("X509Data", in: SAML.Namespace.xmlDSig)?.child("X509Certificate", in: SAML.Namespace.xmlDSig))
            #expect(Data(base64Encoded: certificate.text).map(Array.init) == MetadataFixture.der([SAMLTestKeys.spCertificate]).first)
        }
        #expect(keys[0].children.count == 1)
        #expect(keys[1].children.dropFirst().map { $0.attribute("Algorithm") ?? "" } == SAMLServiceProviderMetadata.encryptionMethods)
        #expect(!SAMLServiceProviderMetadata.encryptionMethods.contains(XMLSecURI.rsaPKCS1))
        let acs = try #require(role.child("AssertionConsumerService", in: md))
        #expect(acs.attribute("Binding") == SAMLBinding.httpPOST.uri)
        #expect(acs.attribute("Location") == SAMLFixture.acs)
        #expect(acs.attribute("index") == "0")
        #expect(acs.attribute("isDefault") == "true")
    }

    @Test("lists no encryption KeyDescriptor when the connection cannot decrypt")
    func omitsEncryption() throws {
        let xml = try Self.metadata(encryption: false).xml()
        #expect(!xml.contains("use=\"encryption\""))
        #expect(!xml.contains("EncryptionMethod"))
    }

    @Test("follows the connection's flags")
    func followsServiceProvider() throws {
        var sp = SAMLFixture.serviceProvider(wantAssertionsSigned: false)
        sp.signAuthnRequests = true
        let metadata = SAMLServiceProviderMetadata(serviceProvider: sp, signingCertificates: [SAMLTestKeys.spCertificate])
        #expect(metadata.entityID == SAMLFixture.spEntityID)
        #expect(metadata.authnRequestsSigned)
        #expect(!metadata.wantAssertionsSigned)
        #expect(metadata.nameIDFormats == [SAML.NameIDFormat.emailAddress])
        #expect(try metadata.xml().contains("AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"false\""))
    }

    @Test("escapes values in attributes and text")
    func escapes() throws {
        var metadata = Self.metadata()
        metadata.entityID = "https://gatehouse.test/saml?a=1&b=\"2\""
        let xml = try metadata.xml()
        #expect(xml.contains("entityID=\"https://gatehouse.test/saml?a=1&amp;b=&quot;2&quot;\""))
        let parsed = try SAMLServiceProviderMetadata(parsing: Array(xml.utf8), policy: MetadataFixture.policy())
        #expect(parsed.entityID == metadata.entityID)
    }

    @Test("refuses a certificate that is not an RSA certificate of at least 2048 bits", arguments: ["not a certificate", SAMLTestKeys.spKey])
    func rejectsBadCertificate(pem: String) {
        var metadata = Self.metadata()
        metadata.signingCertificates = [pem]
        #expect(throws: FederationError(.configuration, "")) { try metadata.xml() }
    }

    @Test("reading SP metadata refuses one without an HTTP-POST AssertionConsumerService")
    func rejectsMissingACS() throws {
        let xml = try Self.metadata().xml().replacingOnce(SAMLBinding.httpPOST.uri, with: "urn:oasis:names:tc:SAML:2.0:bindings:PAOS")
        #expect(throws: FederationError(.metadataInvalid, "")) { try SAMLServiceProviderMetadata(parsing: Array(xml.utf8), policy: MetadataFixture.policy()) }
    }
}
