import Directory
import FlowEngine
import Foundation
import Testing

@testable import Federation

/// The committed SAML test keys (fixtures/keys/saml-*), read once.
enum SAMLTestKeys {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/keys")

    static func pem(_ name: String) -> String {
        // Test keys are committed; a missing file is a broken checkout, so crashing the test run is right.
        try! String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static let idpKey = pem("saml-idp.key.pem")
    static let idpCertificate = pem("saml-idp.crt.pem")
    static let idpNextKey = pem("saml-idp-next.key.pem")
    static let idpNextCertificate = pem("saml-idp-next.crt.pem")
    static let spKey = pem("saml-sp.key.pem")
    static let spCertificate = pem("saml-sp.crt.pem")
    static let untrustedKey = pem("saml-untrusted.key.pem")
    static let untrustedCertificate = pem("saml-untrusted.crt.pem")
}

/// A connection "acme-saml" between Gatehouse (SP) and a test IdP, at a fixed time.
enum SAMLFixture {
    static let now = Date(timeIntervalSince1970: 1_772_442_000)  // 2026-03-02T09:00:00Z
    static let spEntityID = "https://gatehouse.test/saml/acme-saml"
    static let acs = "https://gatehouse.test/saml/acs"
    static let idpEntityID = "https://idp.acme.test/saml"
    static let ssoURL = "https://idp.acme.test/sso"
    static let emailAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
    static let nameAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
    static let groupsAttribute = "groups"

    static func serviceProvider(
        allowSHA1: Bool = false, wantAssertionsSigned: Bool = false, allowUnsolicited: Bool = false,
        certificates: [String] = [SAMLTestKeys.idpCertificate], decryptionKey: String? = SAMLTestKeys.spKey,
        maximumMessageSize: Int = SAMLServiceProvider.defaultMaximumMessageSize
    ) -> SAMLServiceProvider {
        SAMLServiceProvider(
            connection: "acme-saml", entityID: spEntityID, assertionConsumerServiceURL: acs,
            identityProvider: SAMLIdentityProvider(entityID: idpEntityID, singleSignOnURL: ssoURL, signingCertificates: certificates),
            allowSHA1: allowSHA1, wantAssertionsSigned: wantAssertionsSigned, allowUnsolicited: allowUnsolicited,
            decryptionKeyPEM: decryptionKey, nameIDFormat: SAML.NameIDFormat.emailAddress,
            attributeMapping: [emailAttribute: "email", nameAttribute: "name", groupsAttribute: "groups"],
            levelMapping: [
                SAML.AuthnContextClass.passwordProtectedTransport: "loa1", SAML.AuthnContextClass.microsoftMultipleAuthn: "loa3",
            ],
            maximumMessageSize: maximumMessageSize
        )
    }

    static func idp(key: String = SAMLTestKeys.idpKey, certificate: String = SAMLTestKeys.idpCertificate) throws -> SAMLTestIdP {
        SAMLTestIdP(entityID: idpEntityID, signingKey: try SAMLSigningKey(privateKeyPEM: key, certificatePEM: certificate))
    }

    static let user = SAMLTestIdP.User(
        nameID: "zoe@acme.test", attributes: [emailAttribute: ["zoe@acme.test"], nameAttribute: ["Zoe Acme"], groupsAttribute: ["staff", "r&d"]]
    )

    static func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max) }
    }

    static func request(_ sp: SAMLServiceProvider = serviceProvider()) -> AuthnRequest {
        AuthnRequest(serviceProvider: sp, now: now, randomBytes: randomBytes)
    }

    /// A validator with its own in-memory replay cache.
    static func validator(_ sp: SAMLServiceProvider = serviceProvider(), store: MemoryStore = MemoryStore()) throws -> SAMLResponseValidator {
        try SAMLResponseValidator(serviceProvider: sp, replayCache: DirectoryAssertionReplayCache(store: store))
    }

    /// A Response from the test IdP to a fresh AuthnRequest.
    static func issue(
        options: SAMLTestIdP.Options = SAMLTestIdP.Options(), user: SAMLTestIdP.User = user, idp: SAMLTestIdP? = nil,
        at time: Date = now
    ) throws -> (request: AuthnRequest, issued: SAMLTestIdP.Issued) {
        let request = request()
        let issued = try (idp ?? self.idp()).response(to: request, user: user, now: time, options: options, randomBytes: randomBytes)
        return (request, issued)
    }

    static func base64(_ xml: String) -> String { Data(xml.utf8).base64EncodedString() }
}

extension SAMLVerdict {
    /// The code of the failure, if any.
    var failureCode: FederationError.Code? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    /// The check that failed first.
    var failedCheck: SAMLCheck? { failures.first?.check }
}

extension String {
    /// The string with the only occurrence of `target` replaced; records an issue when it is not there exactly once.
    func replacingOnce(_ target: String, with replacement: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
        let parts = components(separatedBy: target)
        #expect(parts.count == 2, "expected exactly one '\(target)'", sourceLocation: sourceLocation)
        return parts.joined(separator: replacement)
    }
}
