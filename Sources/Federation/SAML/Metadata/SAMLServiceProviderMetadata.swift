import Foundation

/// Gatehouse's metadata for one SAML connection (SAML Metadata §2.4.4, `SPSSODescriptor`): what the
/// customer's IdP administrator imports, so that their IdP knows our entityID, where to post
/// Responses, which certificate signs our AuthnRequests and which one to encrypt assertions for.
///
/// ```swift
/// let metadata = SAMLServiceProviderMetadata(serviceProvider: sp, signingCertificates: [spCertificate],
///                                             encryptionCertificates: sp.decryptionKeyPEM == nil ? [] : [spCertificate])
/// response.body = try metadata.xml()        // Content-Type: application/samlmetadata+xml
/// ```
public struct SAMLServiceProviderMetadata: Sendable, Hashable {
    /// Our entityID for this connection.
    public var entityID: String
    /// Our AssertionConsumerService URL (HTTP-POST, index 0, the default).
    public var assertionConsumerServiceURL: String
    /// Certificates (PEM) of the keys that sign our AuthnRequests: one `KeyDescriptor use="signing"`
    /// each; two during a rollover.
    public var signingCertificates: [String]
    /// Certificates (PEM) the IdP may encrypt assertions for: one `KeyDescriptor use="encryption"`
    /// each. Empty when the connection has no decryption key (then the IdP must not encrypt).
    public var encryptionCertificates: [String]
    /// `AuthnRequestsSigned`: we sign our AuthnRequests.
    public var authnRequestsSigned: Bool
    /// `WantAssertionsSigned`: we require the Assertion itself to be signed.
    public var wantAssertionsSigned: Bool
    /// `NameIDFormat`s we accept, most preferred first.
    public var nameIDFormats: [String]
    /// `validUntil`, when the metadata should expire.
    public var validUntil: Date?

    /// The encryption algorithms we can decrypt, listed in each encryption `KeyDescriptor` as
    /// `EncryptionMethod` (strongest first) so the IdP picks one of them: AES-GCM, then AES-CBC, then the
    /// RSA-OAEP key transport (RSA PKCS#1 v1.5 is refused, so it is not listed).
    public static let encryptionMethods: [String] =
        [XMLEncryptionAlgorithm.aes256GCM, .aes128GCM, .aes256CBC, .aes128CBC].map(\.uri) + [XMLSecURI.rsaOAEPMGF1P]

    /// Creates metadata from its parts.
    public init(
        entityID: String, assertionConsumerServiceURL: String, signingCertificates: [String], encryptionCertificates: [String] = [],
        authnRequestsSigned: Bool = false, wantAssertionsSigned: Bool = true, nameIDFormats: [String] = [], validUntil: Date? = nil
    ) {
        self.entityID = entityID
        self.assertionConsumerServiceURL = assertionConsumerServiceURL
        self.signingCertificates = signingCertificates
        self.encryptionCertificates = encryptionCertificates
        self.authnRequestsSigned = authnRequestsSigned
        self.wantAssertionsSigned = wantAssertionsSigned
        self.nameIDFormats = nameIDFormats
        self.validUntil = validUntil
    }

    /// The metadata of a connection: its entityID, ACS URL, `signAuthnRequests`,
    /// `wantAssertionsSigned` and `nameIDFormat`, with our certificates.
    /// - Parameters:
    ///   - serviceProvider: The connection.
    ///   - signingCertificates: The certificates of our AuthnRequest signing key(s).
    ///   - encryptionCertificates: The certificates of our decryption key(s); pass none when the
    ///     connection has no ``SAMLServiceProvider/decryptionKeyPEM``.
    public init(serviceProvider: SAMLServiceProvider, signingCertificates: [String], encryptionCertificates: [String] = []) {
        self.init(
            entityID: serviceProvider.entityID, assertionConsumerServiceURL: serviceProvider.assertionConsumerServiceURL,
            signingCertificates: signingCertificates, encryptionCertificates: encryptionCertificates,
            authnRequestsSigned: serviceProvider.signAuthnRequests, wantAssertionsSigned: serviceProvider.wantAssertionsSigned,
            nameIDFormats: serviceProvider.nameIDFormat.map { [$0] } ?? []
        )
    }

    /// The metadata as an `md:EntityDescriptor`: elements in schema order (KeyDescriptor, NameIDFormat,
    /// AssertionConsumerService), indented, deterministic.
    /// - Throws: ``FederationError`` `configuration` when a certificate is not an RSA certificate of at
    ///   least 2048 bits.
    public func xml() throws(FederationError) -> String {
        let e = SAMLEncoding.xmlEscape
        let validity = validUntil.map { " validUntil=\"\(SAMLDateTime.format($0))\"" } ?? ""
        var lines = [
            "<md:EntityDescriptor xmlns:md=\"\(SAML.Namespace.metadata)\" xmlns:ds=\"\(SAML.Namespace.xmlDSig)\" entityID=\"\(e(entityID))\"\(validity)>",
            "  <md:SPSSODescriptor AuthnRequestsSigned=\"\(authnRequestsSigned)\" WantAssertionsSigned=\"\(wantAssertionsSigned)\" protocolSupportEnumeration=\"\(SAML.protocolSupport)\">",
        ]
        for certificate in signingCertificates {
            lines += try SAMLMetadataXML.keyDescriptor(use: "signing", certificatePEM: certificate)
        }
        for certificate in encryptionCertificates {
            lines += try SAMLMetadataXML.keyDescriptor(use: "encryption", certificatePEM: certificate, encryptionMethods: Self.encryptionMethods)
        }
        lines += nameIDFormats.map { "    <md:NameIDFormat>\(e($0))</md:NameIDFormat>" }
        lines.append(
            "    <md:AssertionConsumerService Binding=\"\(SAMLBinding.httpPOST.uri)\" Location=\"\(e(assertionConsumerServiceURL))\" index=\"0\" isDefault=\"true\"/>"
        )
        lines += ["  </md:SPSSODescriptor>", "</md:EntityDescriptor>"]
        return SAMLMetadataXML.document(lines)
    }
}

extension SAMLServiceProviderMetadata {
    /// Reads SP metadata back (ours, or another SP's for the test IdP): the entity's `SPSSODescriptor`
    /// and its default HTTP-POST AssertionConsumerService.
    /// - Parameters:
    ///   - bytes: The metadata XML.
    ///   - policy: Which entity and signer (see ``SAMLMetadataPolicy``).
    /// - Throws: ``FederationError`` `metadataInvalid` when there is no SAML 2.0 SPSSODescriptor or no
    ///   HTTP-POST AssertionConsumerService; the parser's and signature codes as for IdP metadata.
    public init(parsing bytes: some Collection<UInt8>, policy: SAMLMetadataPolicy) throws(FederationError) {
        let document = try SAMLMetadataDocument(parsing: bytes, role: "SPSSODescriptor", policy: policy)
        let role = try document.roleDescriptor("SPSSODescriptor")
        let services = try SAMLMetadataDocument.endpoints("AssertionConsumerService", of: role)
            .filter { $0.samlBinding == .httpPOST }
        // SAML Metadata §2.2.3: the default is the first with isDefault="true", else the first without
        // isDefault="false", else the first.
        guard let acs = services.first(where: { $0.isDefault == true }) ?? services.first(where: { $0.isDefault == nil }) ?? services.first else {
            throw FederationError(.metadataInvalid, "the SPSSODescriptor of '\(document.entityID)' has no HTTP-POST AssertionConsumerService")
        }
        self.init(
            entityID: document.entityID, assertionConsumerServiceURL: acs.location,
            signingCertificates: try SAMLMetadataDocument.certificates(of: role, use: "signing").map(PEM.certificate(der:)),
            encryptionCertificates: try SAMLMetadataDocument.certificates(of: role, use: "encryption").map(PEM.certificate(der:)),
            authnRequestsSigned: try SAMLMetadataDocument.flag("AuthnRequestsSigned", of: role),
            wantAssertionsSigned: try SAMLMetadataDocument.flag("WantAssertionsSigned", of: role),
            nameIDFormats: SAMLMetadataDocument.nameIDFormats(of: role),
            validUntil: try document.validity(including: role).validUntil
        )
    }
}
