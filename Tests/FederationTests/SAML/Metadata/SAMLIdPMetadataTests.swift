import Directory
import FlowEngine
import Foundation
import Testing

@testable import Federation

@Suite("SAML IdP metadata import")
struct SAMLIdPMetadataTests {
    // MARK: Reading

    @Test("reads entityID, signing certificate, both SSO endpoints and NameID formats")
    func readsTestIdPMetadata() throws {
        let metadata = try MetadataFixture.read(try MetadataFixture.unsigned())
        #expect(metadata.entityID == SAMLFixture.idpEntityID)
        #expect(MetadataFixture.der(metadata.signingCertificates) == MetadataFixture.der([SAMLTestKeys.idpCertificate]))
        #expect(metadata.singleSignOnServices.map(\.samlBinding) == [.httpRedirect, .httpPOST])
        #expect(metadata.nameIDFormats == [SAML.NameIDFormat.emailAddress, SAML.NameIDFormat.persistent])
        #expect(metadata.wantAuthnRequestsSigned == false)
        #expect(metadata.verifiedSignatures.isEmpty)
        #expect(metadata.validUntil == nil && metadata.cacheDuration == nil)
    }

    @Test("the committed sample of the test IdP is what the writer produces")
    func sampleMatchesWriter() throws {
        try expectSample("test-idp.xml", equals: MetadataFixture.unsigned())
        try expectSample("test-idp-signed.xml", equals: MetadataFixture.signed())
    }

    @Test("prefers the HTTP-Redirect SSO endpoint, falls back to HTTP-POST, and can be asked for POST")
    func choosesSingleSignOnService() throws {
        let metadata = try MetadataFixture.read(try MetadataFixture.unsigned())
        #expect(try metadata.identityProvider().singleSignOnBinding == .httpRedirect)
        #expect(try metadata.identityProvider(preferring: .httpPOST).singleSignOnBinding == .httpPOST)
        let postOnly = MetadataFixture.entity(services: "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:SOAP\" Location=\"https://idp.acme.test/soap\"/><md:SingleSignOnService Binding=\"\(SAMLBinding.httpPOST.uri)\" Location=\"https://idp.acme.test/post\"/>")
        let idp = try MetadataFixture.read(postOnly).identityProvider()
        #expect(idp.singleSignOnBinding == .httpPOST)
        #expect(idp.singleSignOnURL == "https://idp.acme.test/post")
    }

    @Test("rejects an IdP whose SSO endpoints use only bindings Gatehouse does not speak")
    func rejectsUnknownBindingsOnly() throws {
        let soap = MetadataFixture.entity(services: "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:SOAP\" Location=\"https://idp.acme.test/soap\"/>")
        let metadata = try MetadataFixture.read(soap)
        #expect(throws: FederationError(.metadataInvalid, "")) { try metadata.identityProvider() }
    }

    @Test("rejects an SSO Location that is not https, except http on loopback", arguments: [
        ("http://idp.acme.test/sso", false), ("javascript:alert(1)", false), ("https://idp.acme.test/sso", true), ("http://127.0.0.1:8080/sso", true),
        ("http://localhost:8080/realms/acme/protocol/saml", true),
    ])
    func checksSingleSignOnLocation(location: String, accepted: Bool) throws {
        let entity = MetadataFixture.entity(services: "<md:SingleSignOnService Binding=\"\(SAMLBinding.httpRedirect.uri)\" Location=\"\(location)\"/>")
        let metadata = try MetadataFixture.read(entity)
        if accepted {
            #expect(try metadata.identityProvider().singleSignOnURL == location)
        } else {
            #expect(throws: FederationError(.metadataInvalid, "")) { try metadata.identityProvider() }
        }
    }

    @Test("keeps every signing certificate for a rollover, and those without use, but not encryption ones")
    func readsRolloverCertificates() throws {
        let cert = { (use: String?, pem: String) in
            "<md:KeyDescriptor\(use.map { " use=\"\($0)\"" } ?? "")><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n\(MetadataFixture.base64(pem))\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        }
        let keys = cert("signing", SAMLTestKeys.idpCertificate) + cert("encryption", SAMLTestKeys.spCertificate) + cert(nil, SAMLTestKeys.idpNextCertificate)
            + cert("signing", SAMLTestKeys.idpCertificate)
        let metadata = try MetadataFixture.read(MetadataFixture.entity(keyDescriptors: keys))
        #expect(MetadataFixture.der(metadata.signingCertificates) == MetadataFixture.der([SAMLTestKeys.idpCertificate, SAMLTestKeys.idpNextCertificate]))
    }

    @Test("a Response signed with the next certificate of a rollover verifies through imported metadata")
    func rolloverEndToEnd() async throws {
        var metadata = try MetadataFixture.idpMetadata()
        metadata.signingCertificates.append(SAMLTestKeys.idpNextCertificate)
        let imported = try MetadataFixture.read(try metadata.xml())
        let sp = SAMLServiceProvider(
            connection: "acme-saml", entityID: SAMLFixture.spEntityID, assertionConsumerServiceURL: SAMLFixture.acs,
            identityProvider: try imported.identityProvider()
        )
        let validator = try SAMLResponseValidator(serviceProvider: sp, replayCache: DirectoryAssertionReplayCache(store: MemoryStore()))
        let next = try SAMLFixture.idp(key: SAMLTestKeys.idpNextKey, certificate: SAMLTestKeys.idpNextCertificate)
        let (request, issued) = try SAMLFixture.issue(idp: next)
        let verdict = await validator.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now)
        #expect(verdict.isAccepted)
        #expect(verdict.checks.first { $0.check == .responseSignature }?.description.contains("IdP certificate 2 of 2") == true)
    }

    @Test("gives the connection settings: entityID, SSO URL and binding, certificates, the only NameID format")
    func givesSettings() throws {
        let settings = try MetadataFixture.read(try MetadataFixture.unsigned()).settings()
        #expect(settings.idpEntityID == SAMLFixture.idpEntityID)
        #expect(settings.ssoURL == SAMLFixture.ssoURL)
        #expect(settings.ssoBinding == "redirect")
        #expect(settings.nameIDFormat == nil)  // two formats listed: the connection chooses
        let connection = Connection(
            id: "acme-saml", kind: .saml, displayName: "Acme",
            settings: try JSONDecoder().decode(PlainJSON.self, from: JSONEncoder().encode(settings))
        )
        let sp = try SAMLServiceProvider(connection: connection, entityID: SAMLFixture.spEntityID, assertionConsumerServiceURL: SAMLFixture.acs)
        #expect(sp.identityProvider.entityID == SAMLFixture.idpEntityID)
        #expect(sp.identityProvider.singleSignOnBinding == .httpRedirect)
    }

    // MARK: Choosing the entity

    @Test("takes the entity named by entityID from an EntitiesDescriptor, nested groups included")
    func choosesEntityByID() throws {
        let other = MetadataFixture.entity("https://other.test/idp")
        let xml = MetadataFixture.group([other, "<md:EntitiesDescriptor>\(MetadataFixture.entity())</md:EntitiesDescriptor>"])
        let metadata = try MetadataFixture.read(xml, policy: MetadataFixture.policy(entityID: SAMLFixture.idpEntityID))
        #expect(metadata.entityID == SAMLFixture.idpEntityID)
    }

    @Test("takes the only IdP of a group that also holds SPs")
    func choosesOnlyIdP() throws {
        let sp = "<md:EntityDescriptor entityID=\"https://sp.test\"><md:SPSSODescriptor protocolSupportEnumeration=\"\(SAML.protocolSupport)\"/></md:EntityDescriptor>"
        let metadata = try MetadataFixture.read(MetadataFixture.group([sp, MetadataFixture.entity()]))
        #expect(metadata.entityID == SAMLFixture.idpEntityID)
    }

    @Test("rejects an ambiguous group, an unknown entityID, a repeated entityID and a mismatching EntityDescriptor", arguments: [
        (MetadataFixture.group([MetadataFixture.entity("https://a.test"), MetadataFixture.entity("https://b.test")]), nil as String?),
        (MetadataFixture.group([MetadataFixture.entity("https://a.test")]), "https://b.test"),
        (MetadataFixture.group([MetadataFixture.entity("https://a.test"), MetadataFixture.entity("https://a.test")]), "https://a.test"),
        (MetadataFixture.entity("https://a.test"), "https://b.test"),
        (MetadataFixture.entity(""), nil),
    ])
    func rejectsWrongEntity(xml: String, entityID: String?) throws {
        let policy = try MetadataFixture.policy(entityID: entityID)
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(xml, policy: policy) }
    }

    // MARK: Rejections

    @Test("rejects documents that are not SAML metadata", arguments: [
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>",
        "<EntityDescriptor entityID=\"https://idp.test\"/>",
    ])
    func rejectsOtherDocuments(xml: String) {
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(xml) }
    }

    @Test("refuses a DOCTYPE (XXE, entity expansion) before reading it")
    func rejectsDoctype() throws {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + MetadataFixture.entity().replacingOnce(SAMLFixture.ssoURL, with: "&e;")
        #expect(throws: FederationError(.malformedMessage, "")) { try MetadataFixture.read(xml) }
    }

    @Test("refuses metadata over the size limit")
    func rejectsOversized() throws {
        let policy = try MetadataFixture.policy(maximumSize: 512)
        #expect(throws: FederationError(.messageTooLarge, "")) { try MetadataFixture.read(try MetadataFixture.unsigned(), policy: policy) }
    }

    @Test("rejects an entity without a SAML 2.0 IDPSSODescriptor")
    func rejectsMissingIdPRole() {
        let saml1 = MetadataFixture.entity(protocols: "urn:oasis:names:tc:SAML:1.1:protocol")
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(saml1) }
        let sp = "<md:EntityDescriptor xmlns:md=\"\(SAML.Namespace.metadata)\" entityID=\"https://sp.test\"><md:SPSSODescriptor protocolSupportEnumeration=\"\(SAML.protocolSupport)\"/></md:EntityDescriptor>"
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(sp) }
    }

    @Test("rejects an IdP without a usable signing certificate", arguments: [
        "",
        "<md:KeyDescriptor use=\"encryption\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(MetadataFixture.base64(SAMLTestKeys.spCertificate))</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>TUlJQg==</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>not base64!</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
        "<md:KeyDescriptor use=\"verify\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(MetadataFixture.base64(SAMLTestKeys.idpCertificate))</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
    ])
    func rejectsMissingSigningCertificate(keyDescriptors: String) {
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(MetadataFixture.entity(keyDescriptors: keyDescriptors)) }
    }

    @Test("skips an unreadable certificate with a warning when another one is usable")
    func skipsUnusableCertificate() throws {
        let keys = "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>TUlJQg==</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            + "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(MetadataFixture.base64(SAMLTestKeys.idpCertificate))</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        let metadata = try MetadataFixture.read(MetadataFixture.entity(keyDescriptors: keys))
        #expect(metadata.signingCertificates.count == 1)
        #expect(metadata.warnings.count == 1 && metadata.warnings[0].hasPrefix("signing certificate 1 is skipped"))
    }

    @Test("rejects an IdP without SingleSignOnService, or one without Location")
    func rejectsMissingEndpoint() {
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(MetadataFixture.entity(services: "")) }
        let noLocation = "<md:SingleSignOnService Binding=\"\(SAMLBinding.httpRedirect.uri)\"/>"
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(MetadataFixture.entity(services: noLocation)) }
    }

    // MARK: Validity

    @Test("refuses metadata past its validUntil")
    func rejectsExpired() throws {
        let xml = try MetadataFixture.unsigned(validUntil: SAMLFixture.now - 1)
        #expect(throws: FederationError(.expired, "")) { try MetadataFixture.read(xml) }
        #expect(try MetadataFixture.read(xml, now: SAMLFixture.now - 2).validUntil == SAMLFixture.now - 1)
    }

    @Test("takes the earliest validUntil and the shortest cacheDuration of the group, entity and role")
    func combinesValidity() throws {
        let entity = MetadataFixture.entity(
            attributes: " validUntil=\"2026-03-10T00:00:00Z\" cacheDuration=\"P1D\"", roleAttributes: " cacheDuration=\"PT6H\""
        )
        let xml = MetadataFixture.group([entity], attributes: " validUntil=\"2026-03-05T00:00:00Z\" cacheDuration=\"PT12H\"")
        let metadata = try MetadataFixture.read(xml)
        #expect(metadata.validUntil.map(SAMLDateTime.format) == "2026-03-05T00:00:00Z")
        #expect(metadata.cacheDuration == 21_600)
    }

    @Test("rejects a validUntil or cacheDuration that does not parse", arguments: [
        " validUntil=\"next week\"", " validUntil=\"2026-03-10\"", " cacheDuration=\"-P1D\"", " cacheDuration=\"1 hour\"",
    ])
    func rejectsBadValidity(attributes: String) {
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(MetadataFixture.entity(attributes: attributes)) }
    }

    @Test("reads xs:duration values", arguments: [
        ("PT3600S", 3_600.0), ("PT1H", 3_600), ("P1D", 86_400), ("P1DT12H", 129_600), ("PT0.5S", 0.5), ("P1Y", 31_536_000), ("P1M", 2_592_000),
        ("PT1M", 60), ("P0D", 0),
    ])
    func parsesDurations(text: String, seconds: TimeInterval) {
        #expect(SAMLDuration.parse(text) == seconds)
    }

    @Test("refuses malformed xs:duration values", arguments: ["", "P", "PT", "P1DT", "1D", "-PT1H", "PT1H1H", "P1H", "PT1D", "P1.5D", "PT1S1M", "P1D2Y"])
    func rejectsDurations(text: String) {
        #expect(SAMLDuration.parse(text) == nil)
    }

    // MARK: Signatures

    @Test("verifies signed metadata with the configured metadata signing certificate")
    func verifiesSignature() throws {
        let metadata = try MetadataFixture.read(try MetadataFixture.signed(), policy: MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate]))
        #expect(metadata.verifiedSignatures == [SAMLMetadataSignature(element: "/EntityDescriptor", algorithm: .rsaSHA256, certificateIndex: 0)])
    }

    @Test("verifies with any of several metadata signing certificates")
    func verifiesWithSecondCertificate() throws {
        let policy = try MetadataFixture.policy(signers: [SAMLTestKeys.untrustedCertificate, SAMLTestKeys.idpCertificate])
        #expect(try MetadataFixture.read(try MetadataFixture.signed(), policy: policy).verifiedSignatures.first?.certificateIndex == 1)
    }

    @Test("reads signed metadata without checking it when no signing certificate is configured")
    func ignoresSignatureWithoutCertificate() throws {
        let metadata = try MetadataFixture.read(try MetadataFixture.signed(key: SAMLTestKeys.untrustedKey, certificate: SAMLTestKeys.untrustedCertificate))
        #expect(metadata.verifiedSignatures.isEmpty)
    }

    @Test("rejects unsigned metadata when a signing certificate is configured")
    func rejectsUnsigned() throws {
        let policy = try MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate])
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(try MetadataFixture.unsigned(), policy: policy) }
    }

    @Test("rejects metadata signed by another key")
    func rejectsUntrustedSigner() throws {
        let xml = try MetadataFixture.signed(key: SAMLTestKeys.untrustedKey, certificate: SAMLTestKeys.untrustedCertificate)
        let policy = try MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate])
        #expect(throws: FederationError(.untrustedKey, "")) { try MetadataFixture.read(xml, policy: policy) }
    }

    @Test("rejects signed metadata whose content changed: a swapped SSO URL or an added certificate")
    func rejectsTampering() throws {
        let policy = try MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate])
        let swapped = try MetadataFixture.signed().replacingOnce("Binding=\"\(SAMLBinding.httpRedirect.uri)\" Location=\"\(SAMLFixture.ssoURL)\"", with: "Binding=\"\(SAMLBinding.httpRedirect.uri)\" Location=\"https://evil.test/sso\"")
        #expect(throws: FederationError(.signatureInvalid, "")) { try MetadataFixture.read(swapped, policy: policy) }
        let extra = "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(MetadataFixture.base64(SAMLTestKeys.untrustedCertificate))</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        let added = try MetadataFixture.signed().replacingOnce("</md:IDPSSODescriptor>", with: extra + "</md:IDPSSODescriptor>")
        #expect(throws: FederationError(.signatureInvalid, "")) { try MetadataFixture.read(added, policy: policy) }
    }

    @Test("refuses RSA-SHA1 metadata signatures unless SHA-1 is allowed")
    func checksSHA1() throws {
        let xml = try MetadataFixture.signed(algorithm: .rsaSHA1)
        #expect(throws: FederationError(.weakAlgorithm, "")) { try MetadataFixture.read(xml, policy: MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate])) }
        let allowed = try MetadataFixture.read(xml, policy: MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate], allowSHA1: true))
        #expect(allowed.verifiedSignatures.first?.algorithm == .rsaSHA1)
    }

    @Test("accepts an aggregate signed at the top, and an unsigned aggregate around a signed entity")
    func verifiesAggregates() throws {
        let key = try SAMLSigningKey(privateKeyPEM: SAMLTestKeys.idpKey, certificatePEM: SAMLTestKeys.idpCertificate)
        let policy = try MetadataFixture.policy(entityID: SAMLFixture.idpEntityID, signers: [SAMLTestKeys.idpCertificate])
        let group = MetadataFixture.group([MetadataFixture.entity("https://other.test/idp"), MetadataFixture.entity()], attributes: " ID=\"_federation\"")
        let signedGroup = try SAMLMetadataXML.sign(group, with: key, algorithm: .rsaSHA256)
        #expect(try MetadataFixture.read(signedGroup, policy: policy).verifiedSignatures.map(\.element) == ["/EntitiesDescriptor"])

        let signedEntity = try MetadataFixture.signed()
        let body = signedEntity.components(separatedBy: "?>").dropFirst().joined(separator: "?>")
        let unsignedGroup = MetadataFixture.group([MetadataFixture.entity("https://other.test/idp"), body])
        #expect(try MetadataFixture.read(unsignedGroup, policy: policy).verifiedSignatures.map(\.element) == ["/EntitiesDescriptor/EntityDescriptor"])
    }

    @Test("rejects an unsigned entity placed in a group beside a signed copy (wrapping)")
    func rejectsUnsignedSibling() throws {
        let policy = try MetadataFixture.policy(entityID: SAMLFixture.idpEntityID, signers: [SAMLTestKeys.idpCertificate])
        let signed = try MetadataFixture.signed().components(separatedBy: "?>").dropFirst().joined(separator: "?>")
        let forged = MetadataFixture.entity(services: "<md:SingleSignOnService Binding=\"\(SAMLBinding.httpRedirect.uri)\" Location=\"https://evil.test/sso\"/>")
        // Same entityID twice: refused before any signature is looked at.
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(MetadataFixture.group([forged, signed]), policy: policy) }
        // The signed copy renamed away: the forged one is chosen, and it is not signed.
        let renamed = signed.replacingOnce("entityID=\"\(SAMLFixture.idpEntityID)\"", with: "entityID=\"https://renamed.test\"")
        #expect(throws: FederationError(.metadataInvalid, "")) { try MetadataFixture.read(MetadataFixture.group([forged, renamed]), policy: policy) }
    }

    @Test("rejects a signature moved onto a forged entity, and a forged entity reusing the signed ID")
    func rejectsMovedSignature() throws {
        let policy = try MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate])
        let signed = try MetadataFixture.signed()
        let signature = try #require(signed.range(of: "<ds:Signature").flatMap { start in signed.range(of: "</ds:Signature>").map { signed[start.lowerBound..<$0.upperBound] } })
        // The signature (over "#_metadata") inside an entity whose ID is something else.
        let forged = MetadataFixture.entity(id: "_forged").replacingOnce("<md:IDPSSODescriptor", with: signature + "<md:IDPSSODescriptor")
        #expect(throws: FederationError(.signatureWrapping, "")) { try MetadataFixture.read(forged, policy: policy) }
        // A forged entity with the same ID as the signed one, hidden in an extension of it.
        let hidden = signed.replacingOnce("<md:IDPSSODescriptor", with: "<md:Extensions>\(MetadataFixture.entity(id: "_metadata"))</md:Extensions><md:IDPSSODescriptor")
        #expect(throws: FederationError(.signatureWrapping, "")) { try MetadataFixture.read(hidden, policy: policy) }
    }

    @Test("reads Entra ID-shaped metadata signed by the xmlsec1 command-line tool (default namespace, WS-Fed roles, rollover)")
    func readsMetadataSignedElsewhere() throws {
        let xml = try MetadataFixture.sample("entra-shaped-signed-by-xmlsec1.xml")
        let metadata = try MetadataFixture.read(xml, policy: MetadataFixture.policy(signers: [SAMLTestKeys.idpCertificate]))
        #expect(metadata.entityID == "https://sts.windows.net/8f3c2a10-4b7e-4d5a-9c1e-2a6b7c8d9e0f/")
        #expect(metadata.verifiedSignatures.map(\.element) == ["/EntityDescriptor"])
        #expect(MetadataFixture.der(metadata.signingCertificates) == MetadataFixture.der([SAMLTestKeys.idpCertificate, SAMLTestKeys.idpNextCertificate]))
        let idp = try metadata.identityProvider()
        #expect(idp.singleSignOnURL == "https://login.microsoftonline.com/8f3c2a10-4b7e-4d5a-9c1e-2a6b7c8d9e0f/saml2")
        #expect(idp.singleSignOnBinding == .httpRedirect)
    }

    // MARK: End to end

    @Test("a connection built from imported metadata accepts the test IdP's Response")
    func endToEnd() async throws {
        let setup = SAMLDiagnosticSetup(
            idpMetadata: Array(try MetadataFixture.signed().utf8), metadataSigningCertificates: [SAMLTestKeys.idpCertificate],
            spEntityID: SAMLFixture.spEntityID, assertionConsumerServiceURL: SAMLFixture.acs, now: SAMLFixture.now
        )
        let validator = try setup.validator()
        let (request, issued) = try SAMLFixture.issue()
        #expect(await validator.validate(issued.base64, expectedRequestID: request.id, now: SAMLFixture.now).isAccepted)
    }
}

/// Compares `produced` with the committed sample `name`; with `GATEHOUSE_UPDATE_SAMPLES=1`, rewrites it.
func expectSample(_ name: String, equals produced: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    if ProcessInfo.processInfo.environment["GATEHOUSE_UPDATE_SAMPLES"] == "1" {
        try produced.write(to: MetadataFixture.directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    #expect(try MetadataFixture.sample(name) == produced, "\(name) is stale: run with GATEHOUSE_UPDATE_SAMPLES=1", sourceLocation: sourceLocation)
}
