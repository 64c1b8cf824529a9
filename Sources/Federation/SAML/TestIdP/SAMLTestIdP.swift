import Foundation

/// A SAML identity provider for tests, recorded fixtures and the demo: it answers AuthnRequests (or
/// sends unsolicited Responses) with Responses signed by libxmlsec1 exactly like a real IdP's
/// (enveloped, exclusive C14N, RSA-SHA256 by default), optionally with the Assertion encrypted for
/// the SP (XML-Enc, RSA-OAEP + AES).
///
/// It signs with whatever key it is given; the committed test keys are in `fixtures/keys/saml-idp.*`.
/// Never trust its certificate outside tests.
///
/// ```swift
/// let idp = SAMLTestIdP(entityID: "https://idp.test", signingKey: try SAMLSigningKey(privateKeyPEM: key, certificatePEM: cert))
/// let issued = try idp.response(to: request, user: .init(nameID: "zoe@acme.test"), now: now, randomBytes: random)
/// let verdict = await validator.validate(issued.base64, expectedRequestID: request.id, now: now)
/// ```
public struct SAMLTestIdP: Sendable {
    /// The IdP's entityID (Issuer of everything it signs).
    public var entityID: String
    /// The key it signs with.
    public var signingKey: SAMLSigningKey

    /// Creates the IdP.
    public init(entityID: String, signingKey: SAMLSigningKey) {
        self.entityID = entityID
        self.signingKey = signingKey
    }

    /// Who the IdP says logged in.
    public struct User: Sendable, Hashable {
        /// The NameID value.
        public var nameID: String
        /// The NameID format.
        public var nameIDFormat: String
        /// Attributes by Name (written sorted by name, values in order).
        public var attributes: [String: [String]]
        /// The AuthnContextClassRef.
        public var authnContextClassRef: String
        /// The SessionIndex.
        public var sessionIndex: String

        /// Creates a user.
        public init(
            nameID: String, nameIDFormat: String = SAML.NameIDFormat.emailAddress, attributes: [String: [String]] = [:],
            authnContextClassRef: String = SAML.AuthnContextClass.passwordProtectedTransport, sessionIndex: String = "session-1"
        ) {
            self.nameID = nameID
            self.nameIDFormat = nameIDFormat
            self.attributes = attributes
            self.authnContextClassRef = authnContextClassRef
            self.sessionIndex = sessionIndex
        }
    }

    /// How to build the Response: what to sign, encrypt, and which values to override (to make bad
    /// Responses on purpose in tests).
    public struct Options: Sendable {
        /// Sign the Response.
        public var signResponse = true
        /// Sign the Assertion.
        public var signAssertion = true
        /// The signature method for both.
        public var signatureAlgorithm: XMLSignatureAlgorithm = .rsaSHA256
        /// Encrypt the Assertion for this SP certificate (PEM) with this cipher.
        public var encryption: (certificatePEM: String, cipher: XMLEncryptionAlgorithm)?
        /// The status; anything but Success produces a Response without Assertion.
        public var status: SAMLStatus = .success
        /// How long the Assertion and its bearer confirmation are valid from `now`.
        public var lifetime: TimeInterval = 300
        /// Conditions/@NotBefore relative to `now` (nil: omitted).
        public var notBeforeOffset: TimeInterval? = 0
        /// Overrides the Audience (default: the SP entityID).
        public var audience: String?
        /// Overrides the bearer Recipient (default: the ACS URL).
        public var recipient: String?
        /// Overrides the Response Destination (default: the ACS URL).
        public var destination: String?
        /// Leave Destination out.
        public var omitDestination = false
        /// Overrides the Issuer of both Response and Assertion (default: ``SAMLTestIdP/entityID``).
        public var issuer: String?

        /// The defaults: Response and Assertion signed with RSA-SHA256, not encrypted, Success, 5 minutes.
        public init() {}
    }

    /// A Response the IdP made.
    public struct Issued: Sendable, Hashable {
        /// The Response XML as signed (byte-exact: do not reformat).
        public var xml: String
        /// The `ID` of the Response.
        public var responseID: String
        /// The `ID` of the Assertion (nil for an error Response).
        public var assertionID: String?
        /// Where the SP receives it (the ACS URL).
        public var assertionConsumerServiceURL: String

        /// The `SAMLResponse` form value: base64 of ``xml``.
        public var base64: String { Data(xml.utf8).base64EncodedString() }

        /// The HTTP-POST form that delivers it.
        public func postForm(relayState: String?) -> SAMLPostForm {
            var fields = [SAMLPostForm.Field(name: "SAMLResponse", value: base64)]
            if let relayState { fields.append(SAMLPostForm.Field(name: "RelayState", value: relayState)) }
            return SAMLPostForm(action: assertionConsumerServiceURL, fields: fields)
        }
    }

    /// Answers `request` (InResponseTo its ID, to its ACS URL, for its Issuer as audience).
    public func response(
        to request: AuthnRequest, user: User, now: Date, options: Options = Options(), randomBytes: (Int) -> [UInt8]
    ) throws(FederationError) -> Issued {
        try response(
            inResponseTo: request.id, audience: request.issuer, assertionConsumerServiceURL: request.assertionConsumerServiceURL,
            user: user, now: now, options: options, randomBytes: randomBytes
        )
    }

    /// Makes a Response for an SP: solicited when `inResponseTo` is given, unsolicited (IdP-initiated) otherwise.
    /// - Throws: ``FederationError`` when signing or encryption fails (a bad key, say).
    public func response(
        inResponseTo: String?, audience: String, assertionConsumerServiceURL acs: String, user: User, now: Date,
        options: Options = Options(), randomBytes: (Int) -> [UInt8]
    ) throws(FederationError) -> Issued {
        let e = SAMLEncoding.xmlEscape
        let responseID = SAMLEncoding.messageID(randomBytes: randomBytes)
        let issuer = options.issuer ?? entityID
        let instant = SAMLDateTime.format(now)
        let inResponseToAttribute = inResponseTo.map { " InResponseTo=\"\(e($0))\"" } ?? ""
        let destination = options.omitDestination ? "" : " Destination=\"\(e(options.destination ?? acs))\""

        var status = "<samlp:StatusCode Value=\"\(e(options.status.code))\""
        status += options.status.subcode.map { "><samlp:StatusCode Value=\"\(e($0))\"/></samlp:StatusCode>" } ?? "/>"
        status += options.status.message.map { "<samlp:StatusMessage>\(e($0))</samlp:StatusMessage>" } ?? ""

        var assertionID: String?
        var assertionXML = ""
        if options.status.isSuccess {
            let id = SAMLEncoding.messageID(randomBytes: randomBytes)
            assertionID = id
            let until = SAMLDateTime.format(now + options.lifetime)
            let notBefore = options.notBeforeOffset.map { " NotBefore=\"\(SAMLDateTime.format(now + $0))\"" } ?? ""
            let attributes = user.attributes.keys.sorted().map { name in
                "<saml:Attribute Name=\"\(e(name))\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\">"
                    + user.attributes[name, default: []].map { "<saml:AttributeValue>\(e($0))</saml:AttributeValue>" }.joined()
                    + "</saml:Attribute>"
            }.joined()
            assertionXML =
                "<saml:Assertion xmlns:saml=\"\(SAML.Namespace.assertion)\" ID=\"\(id)\" Version=\"2.0\" IssueInstant=\"\(instant)\">"
                + "<saml:Issuer>\(e(issuer))</saml:Issuer>"
                + "<saml:Subject><saml:NameID Format=\"\(e(user.nameIDFormat))\">\(e(user.nameID))</saml:NameID>"
                + "<saml:SubjectConfirmation Method=\"\(SAML.bearerMethod)\"><saml:SubjectConfirmationData NotOnOrAfter=\"\(until)\""
                + " Recipient=\"\(e(options.recipient ?? acs))\"\(inResponseToAttribute)/></saml:SubjectConfirmation></saml:Subject>"
                + "<saml:Conditions\(notBefore) NotOnOrAfter=\"\(until)\"><saml:AudienceRestriction>"
                + "<saml:Audience>\(e(options.audience ?? audience))</saml:Audience></saml:AudienceRestriction></saml:Conditions>"
                + "<saml:AuthnStatement AuthnInstant=\"\(instant)\" SessionIndex=\"\(e(user.sessionIndex))\"><saml:AuthnContext>"
                + "<saml:AuthnContextClassRef>\(e(user.authnContextClassRef))</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
                + (attributes.isEmpty ? "" : "<saml:AttributeStatement>\(attributes)</saml:AttributeStatement>")
                + "</saml:Assertion>"
            if options.encryption != nil { assertionXML = "<saml:EncryptedAssertion>\(assertionXML)</saml:EncryptedAssertion>" }
        }

        let xml =
            "<samlp:Response xmlns:samlp=\"\(SAML.Namespace.protocol)\" xmlns:saml=\"\(SAML.Namespace.assertion)\""
            + " ID=\"\(responseID)\" Version=\"2.0\" IssueInstant=\"\(instant)\"\(destination)\(inResponseToAttribute)>"
            + "<saml:Issuer>\(e(issuer))</saml:Issuer><samlp:Status>\(status)</samlp:Status>\(assertionXML)</samlp:Response>"

        let document = try XMLSecDocument(parsing: Array(xml.utf8), maximumSize: .max)
        let root = document.root
        let saml = SAML.Namespace.assertion
        if let assertion = (root.child("EncryptedAssertion", in: saml) ?? root).child("Assertion", in: saml) {
            if options.signAssertion {
                try sign(assertion, algorithm: options.signatureAlgorithm)
            }
            if let encryption = options.encryption {
                let recipient = try XMLSecKey.certificate(der: PEM.decode(encryption.certificatePEM, label: "CERTIFICATE")[0])
                try ElementEncryption.encrypt(
                    assertion, for: recipient, cipher: encryption.cipher, sessionKey: randomBytes(encryption.cipher.keyByteCount)
                )
            }
        }
        if options.signResponse {
            try sign(root, algorithm: options.signatureAlgorithm)
        }
        return Issued(
            xml: String(decoding: document.serialized(), as: UTF8.self), responseID: responseID, assertionID: assertionID,
            assertionConsumerServiceURL: acs
        )
    }

    /// Signs `element` after its Issuer, as SAML requires.
    private func sign(_ element: XMLSecElement, algorithm: XMLSignatureAlgorithm) throws(FederationError) {
        try EnvelopedSignature.sign(
            element, idAttribute: "ID", key: signingKey.xmlSecKey, algorithm: algorithm,
            after: element.child("Issuer", in: SAML.Namespace.assertion)
        )
    }
}
