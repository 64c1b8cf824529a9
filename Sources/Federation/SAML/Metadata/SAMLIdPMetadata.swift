import Foundation

/// A customer IdP as its SAML metadata describes it (SAML Metadata §2.4.3, `IDPSSODescriptor`): what
/// Gatehouse imports to configure a connection, or publishes for the test IdP.
///
/// ```swift
/// let policy = try SAMLMetadataPolicy(entityID: settings.idpEntityID)
/// let metadata = try SAMLIdPMetadata(parsing: bytes, policy: policy, now: now)
/// let idp = try metadata.identityProvider()          // entityID, SSO URL and binding, certificates
/// ```
public struct SAMLIdPMetadata: Sendable, Hashable {
    /// `EntityDescriptor/@entityID`: the Issuer of the IdP's Responses.
    public var entityID: String
    /// The certificates (PEM) of every `KeyDescriptor` for signing or without `use`, in document order:
    /// several during a rollover. Only RSA certificates of at least 2048 bits are kept.
    public var signingCertificates: [String]
    /// `SingleSignOnService` endpoints, in document order (every binding, also those Gatehouse does not speak).
    public var singleSignOnServices: [SAMLMetadataEndpoint]
    /// `NameIDFormat` values the IdP supports.
    public var nameIDFormats: [String]
    /// `WantAuthnRequestsSigned`: the IdP requires signed AuthnRequests.
    public var wantAuthnRequestsSigned: Bool
    /// The earliest `validUntil` of the entity, its enclosing groups and its IDPSSODescriptor.
    public var validUntil: Date?
    /// The shortest `cacheDuration` among the same elements, in seconds.
    public var cacheDuration: TimeInterval?
    /// The metadata signatures that verified; empty when no metadata signing certificate was configured.
    public var verifiedSignatures: [SAMLMetadataSignature]
    /// What was skipped while reading (a certificate Gatehouse cannot use, say), for administrators.
    public var warnings: [String]

    /// Creates metadata from its parts (to publish, e.g. for the test IdP).
    public init(
        entityID: String, signingCertificates: [String], singleSignOnServices: [SAMLMetadataEndpoint], nameIDFormats: [String] = [],
        wantAuthnRequestsSigned: Bool = false, validUntil: Date? = nil, cacheDuration: TimeInterval? = nil
    ) {
        self.entityID = entityID
        self.signingCertificates = signingCertificates
        self.singleSignOnServices = singleSignOnServices
        self.nameIDFormats = nameIDFormats
        self.wantAuthnRequestsSigned = wantAuthnRequestsSigned
        self.validUntil = validUntil
        self.cacheDuration = cacheDuration
        self.verifiedSignatures = []
        self.warnings = []
    }

    /// Reads IdP metadata: an `EntityDescriptor`, or one entity of an `EntitiesDescriptor`.
    /// - Parameters:
    ///   - bytes: The metadata XML.
    ///   - policy: Which entity, whose signature, how large (see ``SAMLMetadataPolicy``).
    ///   - now: The time `validUntil` is checked against.
    /// - Throws: ``FederationError``: `metadataInvalid` for metadata that is not usable IdP metadata
    ///   (the reason says what is missing) or unsigned when a signature is required; `expired` past
    ///   `validUntil`; the signature codes when a signature does not verify; `malformedMessage` /
    ///   `messageTooLarge` for XML the safe parser refuses.
    public init(parsing bytes: some Collection<UInt8>, policy: SAMLMetadataPolicy, now: Date) throws(FederationError) {
        let document = try SAMLMetadataDocument(parsing: bytes, role: "IDPSSODescriptor", policy: policy)
        let role = try document.roleDescriptor("IDPSSODescriptor")
        let (validUntil, cacheDuration) = try document.validity(including: role)
        if let validUntil, validUntil <= now {
            throw FederationError(.expired, "the metadata of '\(document.entityID)' expired at \(SAMLDateTime.format(validUntil)) (validUntil; now \(SAMLDateTime.format(now)))")
        }

        var certificates: [String] = []
        var warnings: [String] = []
        for (index, der) in try SAMLMetadataDocument.certificates(of: role, use: "signing").enumerated() {
            do {
                let key = try XMLSecKey.certificate(der: der)
                guard let bits = key.rsaKeySizeInBits else {
                    warnings.append("signing certificate \(index + 1) is skipped: it does not hold an RSA key")
                    continue
                }
                guard bits >= IdPKeys.minimumRSAKeySize else {
                    warnings.append("signing certificate \(index + 1) is skipped: its RSA key has \(bits) bits, fewer than \(IdPKeys.minimumRSAKeySize)")
                    continue
                }
                certificates.append(PEM.certificate(der: der))
            } catch {
                warnings.append("signing certificate \(index + 1) is skipped: \(error.reason)")
            }
        }
        guard !certificates.isEmpty else {
            let why = warnings.isEmpty ? "" : " (" + warnings.joined(separator: "; ") + ")"
            throw FederationError(.metadataInvalid, "the IDPSSODescriptor of '\(document.entityID)' has no usable signing certificate\(why)")
        }
        let services = try SAMLMetadataDocument.endpoints("SingleSignOnService", of: role)
        guard !services.isEmpty else {
            throw FederationError(.metadataInvalid, "the IDPSSODescriptor of '\(document.entityID)' has no SingleSignOnService")
        }

        self.entityID = document.entityID
        self.signingCertificates = certificates
        self.singleSignOnServices = services
        self.nameIDFormats = SAMLMetadataDocument.nameIDFormats(of: role)
        self.wantAuthnRequestsSigned = try SAMLMetadataDocument.flag("WantAuthnRequestsSigned", of: role)
        self.validUntil = validUntil
        self.cacheDuration = cacheDuration
        self.verifiedSignatures = document.verifiedSignatures
        self.warnings = warnings
    }

    /// The `SingleSignOnService` Gatehouse sends AuthnRequests to: the first with `preferred`, else
    /// the first with the other binding Gatehouse speaks.
    /// - Throws: ``FederationError`` `metadataInvalid` when there is no HTTP-Redirect or HTTP-POST endpoint,
    ///   or its Location is not an `https` URL (`http` only to a loopback address, for local test IdPs).
    public func singleSignOnService(preferring preferred: SAMLBinding = .httpRedirect) throws(FederationError) -> (binding: SAMLBinding, location: String) {
        let usable = singleSignOnServices.compactMap { endpoint in endpoint.samlBinding.map { (binding: $0, location: endpoint.location) } }
        guard let chosen = usable.first(where: { $0.binding == preferred }) ?? usable.first else {
            let bindings = singleSignOnServices.map(\.binding).joined(separator: ", ")
            throw FederationError(.metadataInvalid, "'\(entityID)' has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding (only \(bindings))")
        }
        guard let url = URL(string: chosen.location), url.host != nil,
            url.scheme?.lowercased() == "https" || (url.scheme?.lowercased() == "http" && UpstreamHTTPClient.isLoopback(url))
        else {
            throw FederationError(.metadataInvalid, "the SingleSignOnService Location '\(chosen.location)' is not an https URL")
        }
        return chosen
    }

    /// The IdP as a connection uses it.
    /// - Parameter preferred: The binding to send AuthnRequests with, when the IdP offers it.
    /// - Throws: As ``singleSignOnService(preferring:)``.
    public func identityProvider(preferring preferred: SAMLBinding = .httpRedirect) throws(FederationError) -> SAMLIdentityProvider {
        let service = try singleSignOnService(preferring: preferred)
        return SAMLIdentityProvider(
            entityID: entityID, singleSignOnURL: service.location, singleSignOnBinding: service.binding, signingCertificates: signingCertificates
        )
    }

    /// The connection `settings` this metadata fills in (`idp_entity_id`, `sso_url`, `sso_binding`,
    /// `signing_certificates`, and `name_id_format` when the IdP lists exactly one format), for
    /// `gatehouse saml import-metadata`.
    /// - Throws: As ``singleSignOnService(preferring:)``.
    public func settings(preferring preferred: SAMLBinding = .httpRedirect) throws(FederationError) -> SAMLServiceProvider.Settings {
        let service = try singleSignOnService(preferring: preferred)
        return SAMLServiceProvider.Settings(
            idpEntityID: entityID, ssoURL: service.location, ssoBinding: service.binding == .httpRedirect ? "redirect" : "post",
            signingCertificates: signingCertificates, nameIDFormat: nameIDFormats.count == 1 ? nameIDFormats[0] : nil
        )
    }
}

extension SAMLIdPMetadata {
    /// The metadata as an `md:EntityDescriptor`, indented and deterministic (the same values give the
    /// same bytes). `documentID` becomes the `ID` attribute, which a signature refers to.
    public func xml(documentID: String? = nil) throws(FederationError) -> String {
        let e = SAMLEncoding.xmlEscape
        var attributes = documentID.map { " ID=\"\(e($0))\"" } ?? ""
        attributes += " entityID=\"\(e(entityID))\""
        if let validUntil { attributes += " validUntil=\"\(SAMLDateTime.format(validUntil))\"" }
        if let cacheDuration { attributes += " cacheDuration=\"\(SAMLDuration.format(cacheDuration))\"" }
        var lines = [
            "<md:EntityDescriptor xmlns:md=\"\(SAML.Namespace.metadata)\" xmlns:ds=\"\(SAML.Namespace.xmlDSig)\"\(attributes)>",
            "  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"\(wantAuthnRequestsSigned)\" protocolSupportEnumeration=\"\(SAML.protocolSupport)\">",
        ]
        for certificate in signingCertificates {
            lines += try SAMLMetadataXML.keyDescriptor(use: "signing", certificatePEM: certificate)
        }
        lines += nameIDFormats.map { "    <md:NameIDFormat>\(e($0))</md:NameIDFormat>" }
        lines += singleSignOnServices.map { "    <md:SingleSignOnService Binding=\"\(e($0.binding))\" Location=\"\(e($0.location))\"/>" }
        lines += ["  </md:IDPSSODescriptor>", "</md:EntityDescriptor>"]
        return SAMLMetadataXML.document(lines)
    }

    /// The metadata signed with `key`: an enveloped signature over the `EntityDescriptor` (exclusive
    /// C14N, `algorithm`), its first child as the schema requires, with the certificate in KeyInfo.
    /// RSA PKCS#1 v1.5 signatures are deterministic, so the same values and key give the same bytes.
    /// - Throws: ``FederationError`` when a certificate cannot be read or signing fails.
    public func signedXML(
        with key: SAMLSigningKey, documentID: String = "_metadata", algorithm: XMLSignatureAlgorithm = .rsaSHA256
    ) throws(FederationError) -> String {
        try SAMLMetadataXML.sign(xml(documentID: documentID), with: key, algorithm: algorithm)
    }
}

extension SAMLTestIdP {
    /// The test IdP's metadata: its entityID and certificate, `singleSignOnURL` with both bindings, and
    /// the NameID formats it can issue.
    public func metadata(singleSignOnURL: String, validUntil: Date? = nil, cacheDuration: TimeInterval? = nil) -> SAMLIdPMetadata {
        SAMLIdPMetadata(
            entityID: entityID, signingCertificates: [signingKey.certificatePEM],
            singleSignOnServices: [
                SAMLMetadataEndpoint(binding: SAMLBinding.httpRedirect.uri, location: singleSignOnURL),
                SAMLMetadataEndpoint(binding: SAMLBinding.httpPOST.uri, location: singleSignOnURL),
            ],
            nameIDFormats: [SAML.NameIDFormat.emailAddress, SAML.NameIDFormat.persistent],
            validUntil: validUntil, cacheDuration: cacheDuration
        )
    }
}
