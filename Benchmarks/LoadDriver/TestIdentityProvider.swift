import Federation
import Foundation

/// The customer IdP of a brokered login, played by the driver: the `acme-saml` connection of
/// `fixtures/directory.json`, answering each AuthnRequest with a Response that `SAMLTestIdP` signs
/// (RSA-SHA256; the Assertion, the Response or both) with the committed key `fixtures/keys/saml-idp.key.pem`.
struct TestIdentityProvider: Sendable {
    /// What the IdP signs in each Response.
    enum Signed: String, CaseIterable, Sendable {
        /// The Assertion, as most IdPs do by default and as docs/performance.md §4's reference Response.
        case assertion
        /// The Response, which covers the Assertion it holds.
        case response
        /// Both: two signatures to make and to check.
        case both
    }

    /// The connection's `sso_url`: where the server redirects the browser with the AuthnRequest.
    static let ssoURL = "https://idp.acme.test/sso"
    /// The connection's `idp_entity_id`.
    static let entityID = "https://idp.acme.test/saml"
    /// The attribute the connection maps to the user's email (`attribute_mapping`).
    static let emailAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
    static let nameAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"

    private let idp: SAMLTestIdP
    private let options: SAMLTestIdP.Options

    init(signing signed: Signed) throws {
        var options = SAMLTestIdP.Options()
        options.signAssertion = signed != .response
        options.signResponse = signed != .assertion
        self.options = options
        let keys = BenchmarkDirectory.repository.appendingPathComponent("fixtures/keys")
        let key = try String(contentsOf: keys.appendingPathComponent("saml-idp.key.pem"), encoding: .utf8)
        let certificate = try String(contentsOf: keys.appendingPathComponent("saml-idp.crt.pem"), encoding: .utf8)
        idp = SAMLTestIdP(entityID: Self.entityID, signingKey: try SAMLSigningKey(privateKeyPEM: key, certificatePEM: certificate))
    }

    /// The user `index` of the brokered scenario: `load-N@acme.test`, provisioned on first login (JIT).
    static func user(_ index: Int) -> LoadUser {
        LoadUser(email: "load-\(index)@acme.test", password: "", totpSecret: "")
    }

    /// Answers the HTTP-Redirect AuthnRequest in `location` for `email`: the HTTP-POST form (ACS URL,
    /// `SAMLResponse`, `RelayState`) the browser then posts.
    func answer(_ location: String, email: String) throws -> (action: String, fields: [(String, String)]) {
        let query = FormEncoding.query(of: location)
        guard let message = query["SAMLRequest"] else { throw LoginFailure("the IdP redirect has no SAMLRequest: \(location)") }
        let request = try AuthnRequest(received: message, binding: .httpRedirect)
        let user = SAMLTestIdP.User(
            nameID: email, attributes: [Self.emailAttribute: [email], Self.nameAttribute: ["Load \(email)"]],
            sessionIndex: randomURLSafe(8))
        let issued = try idp.response(to: request, user: user, now: Date(), options: options) { count in randomBytes(count) }
        let form = issued.postForm(relayState: query["RelayState"])
        return (form.action, form.fields.map { ($0.name, $0.value) })
    }
}
