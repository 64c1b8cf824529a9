import Directory
import FlowEngine
import Foundation

/// The customer IdP's side of a SAML connection, as its metadata describes it.
public struct SAMLIdentityProvider: Sendable, Hashable, Codable {
    /// The IdP's entityID: the expected `Issuer` of its Responses and Assertions.
    public var entityID: String
    /// Where AuthnRequests go (`SingleSignOnService/@Location`).
    public var singleSignOnURL: String
    /// How AuthnRequests travel there (`SingleSignOnService/@Binding`).
    public var singleSignOnBinding: SAMLBinding
    /// The IdP's signing certificates in PEM. Several during a certificate rollover: a signature by any
    /// of them is accepted.
    public var signingCertificates: [String]

    /// Creates the IdP description.
    public init(entityID: String, singleSignOnURL: String, singleSignOnBinding: SAMLBinding = .httpRedirect, signingCertificates: [String]) {
        self.entityID = entityID
        self.singleSignOnURL = singleSignOnURL
        self.singleSignOnBinding = singleSignOnBinding
        self.signingCertificates = signingCertificates
    }
}

/// One SAML connection seen from Gatehouse, the service provider (SP): who we are to this IdP, whom we
/// trust, and how strict we are. Built from a ``Connection`` (``init(connection:entityID:assertionConsumerServiceURL:decryptionKeyPEM:)``)
/// or directly.
///
/// The defaults are the safe ones: RSA-SHA256 or stronger, no SHA-1, 120 s clock skew, no unsolicited
/// (IdP-initiated) responses, 256 KiB messages.
public struct SAMLServiceProvider: Sendable, Hashable {
    /// The connection this configuration belongs to.
    public var connection: ConnectionID
    /// Our entityID for this IdP: the `Issuer` of our AuthnRequests and the `Audience` we require.
    public var entityID: String
    /// Our AssertionConsumerService URL (HTTP-POST): the required `Destination` and `Recipient`.
    public var assertionConsumerServiceURL: String
    /// The IdP.
    public var identityProvider: SAMLIdentityProvider
    /// Signature methods accepted on Responses and Assertions (RSA-SHA1 is also refused unless
    /// ``allowSHA1`` is set, whatever this set says).
    public var allowedSignatureAlgorithms: Set<XMLSignatureAlgorithm>
    /// Accept RSA-SHA1 signatures and SHA-1 digests, for IdPs that cannot do better. Off by default.
    public var allowSHA1: Bool
    /// Tolerance for clock differences when checking `NotBefore`/`NotOnOrAfter`.
    public var clockSkew: TimeInterval
    /// Require the Assertion itself to be signed (a signed Response alone is not enough).
    public var wantAssertionsSigned: Bool
    /// Accept IdP-initiated (unsolicited) Responses, those without `InResponseTo`. Off by default: they
    /// cannot be bound to a login transaction, so they are open to login CSRF.
    public var allowUnsolicited: Bool
    /// Our private key (PEM) for encrypted assertions; without it an `EncryptedAssertion` is refused.
    public var decryptionKeyPEM: String?
    /// Block ciphers accepted for encrypted assertions.
    public var allowedEncryptionAlgorithms: Set<XMLEncryptionAlgorithm>
    /// The NameID format to ask for in `NameIDPolicy` (nil: let the IdP choose).
    public var nameIDFormat: String?
    /// SAML attribute `Name` → claim name (e.g. `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress` → `email`).
    public var attributeMapping: [String: String]
    /// `AuthnContextClassRef` → level (DESIGN.md §5), usually ``Connection/levelMapping``.
    public var levelMapping: [String: LevelName]
    /// Sign AuthnRequests (needs a ``SAMLSigningKey`` when building them).
    public var signAuthnRequests: Bool
    /// The signature method for AuthnRequests.
    public var authnRequestSignatureAlgorithm: XMLSignatureAlgorithm
    /// The largest SAML message accepted, decoded, in bytes (default 256 KiB).
    public var maximumMessageSize: Int

    /// The default clock skew: 120 seconds.
    public static let defaultClockSkew: TimeInterval = 120
    /// The default message size limit: 256 KiB.
    public static let defaultMaximumMessageSize = 256 * 1024

    /// Creates a configuration with the safe defaults for everything not given.
    public init(
        connection: ConnectionID, entityID: String, assertionConsumerServiceURL: String, identityProvider: SAMLIdentityProvider,
        allowedSignatureAlgorithms: Set<XMLSignatureAlgorithm> = XMLSignatureAlgorithm.defaultAllowed, allowSHA1: Bool = false,
        clockSkew: TimeInterval = SAMLServiceProvider.defaultClockSkew, wantAssertionsSigned: Bool = false,
        allowUnsolicited: Bool = false, decryptionKeyPEM: String? = nil,
        allowedEncryptionAlgorithms: Set<XMLEncryptionAlgorithm> = Set(XMLEncryptionAlgorithm.allCases),
        nameIDFormat: String? = nil, attributeMapping: [String: String] = [:], levelMapping: [String: LevelName] = [:],
        signAuthnRequests: Bool = false, authnRequestSignatureAlgorithm: XMLSignatureAlgorithm = .rsaSHA256,
        maximumMessageSize: Int = SAMLServiceProvider.defaultMaximumMessageSize
    ) {
        self.connection = connection
        self.entityID = entityID
        self.assertionConsumerServiceURL = assertionConsumerServiceURL
        self.identityProvider = identityProvider
        self.allowedSignatureAlgorithms = allowedSignatureAlgorithms
        self.allowSHA1 = allowSHA1
        self.clockSkew = clockSkew
        self.wantAssertionsSigned = wantAssertionsSigned
        self.allowUnsolicited = allowUnsolicited
        self.decryptionKeyPEM = decryptionKeyPEM
        self.allowedEncryptionAlgorithms = allowedEncryptionAlgorithms
        self.nameIDFormat = nameIDFormat
        self.attributeMapping = attributeMapping
        self.levelMapping = levelMapping
        self.signAuthnRequests = signAuthnRequests
        self.authnRequestSignatureAlgorithm = authnRequestSignatureAlgorithm
        self.maximumMessageSize = maximumMessageSize
    }

    /// The signature methods actually accepted: ``allowedSignatureAlgorithms``, with RSA-SHA1 added when
    /// ``allowSHA1`` is set and removed otherwise.
    public var acceptedSignatureAlgorithms: Set<XMLSignatureAlgorithm> {
        var accepted = allowedSignatureAlgorithms
        if allowSHA1 { accepted.insert(.rsaSHA1) } else { accepted.remove(.rsaSHA1) }
        return accepted
    }

    /// The `AuthnContextClassRef` values that map to `level`, sorted (for `RequestedAuthnContext`).
    public func authnContextClassRefs(for level: LevelName) -> [String] {
        levelMapping.filter { $0.value == level }.keys.sorted()
    }
}

extension SAMLServiceProvider: CustomStringConvertible {
    /// The connection and both entityIDs; never the decryption key.
    public var description: String {
        "SAMLServiceProvider(\(connection.rawValue): SP \(entityID) ⇄ IdP \(identityProvider.entityID))"
    }
}

extension SAMLServiceProvider {
    /// The keys of a SAML connection's `settings` object in the configuration file.
    ///
    /// ```json
    /// "settings": {
    ///   "idp_entity_id": "http://www.okta.com/exk1",
    ///   "sso_url": "https://acme.okta.com/app/exk1/sso/saml",
    ///   "sso_binding": "redirect",
    ///   "signing_certificates": ["-----BEGIN CERTIFICATE-----\n…"],
    ///   "want_assertions_signed": true,
    ///   "allow_unsolicited": false,
    ///   "allow_sha1": false,
    ///   "clock_skew_seconds": 120,
    ///   "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    ///   "attribute_mapping": { "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "email" },
    ///   "sign_authn_requests": false,
    ///   "max_message_bytes": 262144
    /// }
    /// ```
    public struct Settings: Sendable, Hashable, Codable {
        /// The IdP's entityID.
        public var idpEntityID: String
        /// The IdP's SingleSignOnService URL.
        public var ssoURL: String
        /// `redirect` (default) or `post`, or a binding URI.
        public var ssoBinding: String?
        /// IdP signing certificates, PEM.
        public var signingCertificates: [String]
        /// See ``SAMLServiceProvider/wantAssertionsSigned``.
        public var wantAssertionsSigned: Bool?
        /// See ``SAMLServiceProvider/allowUnsolicited``.
        public var allowUnsolicited: Bool?
        /// See ``SAMLServiceProvider/allowSHA1``.
        public var allowSHA1: Bool?
        /// See ``SAMLServiceProvider/clockSkew``.
        public var clockSkewSeconds: Double?
        /// See ``SAMLServiceProvider/nameIDFormat``.
        public var nameIDFormat: String?
        /// See ``SAMLServiceProvider/attributeMapping``.
        public var attributeMapping: [String: String]?
        /// See ``SAMLServiceProvider/signAuthnRequests``.
        public var signAuthnRequests: Bool?
        /// See ``SAMLServiceProvider/maximumMessageSize``.
        public var maxMessageBytes: Int?

        enum CodingKeys: String, CodingKey {
            case idpEntityID = "idp_entity_id", ssoURL = "sso_url", ssoBinding = "sso_binding"
            case signingCertificates = "signing_certificates", wantAssertionsSigned = "want_assertions_signed"
            case allowUnsolicited = "allow_unsolicited", allowSHA1 = "allow_sha1", clockSkewSeconds = "clock_skew_seconds"
            case nameIDFormat = "name_id_format", attributeMapping = "attribute_mapping"
            case signAuthnRequests = "sign_authn_requests", maxMessageBytes = "max_message_bytes"
        }
    }

    /// Reads a SAML connection from the directory: the IdP and policy from `connection.settings`
    /// (``Settings``), the level mapping from `connection.levelMapping`; our own identity and keys
    /// are Gatehouse's and passed in.
    /// - Parameters:
    ///   - connection: A connection of kind `saml`.
    ///   - entityID: Our SP entityID for it.
    ///   - assertionConsumerServiceURL: Our ACS URL for it.
    ///   - decryptionKeyPEM: Our private key for encrypted assertions, if we publish an encryption certificate.
    /// - Throws: ``FederationError`` `configuration` naming the missing or invalid setting.
    public init(
        connection: Connection, entityID: String, assertionConsumerServiceURL: String, decryptionKeyPEM: String? = nil
    ) throws(FederationError) {
        guard connection.kind == .saml else {
            throw FederationError(.configuration, "connection '\(connection.id)' is not a SAML connection")
        }
        guard let plain = connection.settings else {
            throw FederationError(.configuration, "connection '\(connection.id)' has no settings (idp_entity_id, sso_url, signing_certificates)")
        }
        let settings: Settings
        do {
            settings = try JSONDecoder().decode(Settings.self, from: JSONEncoder().encode(plain))
        } catch {
            throw FederationError(.configuration, "connection '\(connection.id)': invalid SAML settings: \(error)")
        }
        let binding: SAMLBinding
        switch settings.ssoBinding?.lowercased() {
        case nil, "redirect", SAMLBinding.httpRedirect.uri.lowercased(): binding = .httpRedirect
        case "post", SAMLBinding.httpPOST.uri.lowercased(): binding = .httpPOST
        case let other?: throw FederationError(.configuration, "connection '\(connection.id)': unknown sso_binding '\(other)' (redirect or post)")
        }
        guard !settings.signingCertificates.isEmpty else {
            throw FederationError(.configuration, "connection '\(connection.id)': signing_certificates is empty")
        }
        self.init(
            connection: connection.id, entityID: entityID, assertionConsumerServiceURL: assertionConsumerServiceURL,
            identityProvider: SAMLIdentityProvider(
                entityID: settings.idpEntityID, singleSignOnURL: settings.ssoURL, singleSignOnBinding: binding,
                signingCertificates: settings.signingCertificates
            ),
            allowSHA1: settings.allowSHA1 ?? false,
            clockSkew: settings.clockSkewSeconds ?? Self.defaultClockSkew,
            wantAssertionsSigned: settings.wantAssertionsSigned ?? false,
            allowUnsolicited: settings.allowUnsolicited ?? false,
            decryptionKeyPEM: decryptionKeyPEM,
            nameIDFormat: settings.nameIDFormat,
            attributeMapping: settings.attributeMapping ?? [:],
            levelMapping: connection.levelMapping,
            signAuthnRequests: settings.signAuthnRequests ?? false,
            maximumMessageSize: settings.maxMessageBytes ?? Self.defaultMaximumMessageSize
        )
    }
}
