import Authenticators
import Crypto
import Directory
import FlowEngine
import Federation
import Foundation
import Testing

/// Writes the federation fixtures, `fixtures/federation/*.json`: real SAML Responses from
/// ``SAMLTestIdP`` and real OIDC exchanges with ``TestOIDCProvider``, signed with the committed test
/// keys at the fixtures' clock, each with the outcome it must have. Runs only when asked:
///
/// ```
/// SWIFT_DETERMINISTIC_HASHING=1 GATEHOUSE_WRITE_FIXTURES=1 swift test --filter FederationFixtureGenerator
/// ```
///
/// The expectations are written here, by hand, not taken from a replay; `gatehouse replay` then checks them.
@Suite("Federation fixture generator")
struct FederationFixtureGenerator {
    static let enabled = ProcessInfo.processInfo.environment["GATEHOUSE_WRITE_FIXTURES"] == "1"

    @Test(.enabled(if: enabled)) func writesTheFederationFixtures() async throws {
        let folder = repositoryRoot.appendingPathComponent("fixtures/federation")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (file, fixture) in try SAMLFixtures().all() + (try await OIDCFixtures().all()) {
            try Data((fixture.rendered() + "\n").utf8).write(to: folder.appendingPathComponent(file + ".json"))
        }
    }
}

// MARK: - Common parts

let fixtureClock = Date(timeIntervalSince1970: 1_772_442_000)  // 2026-03-02T09:00:00Z

func fixtureKey(_ name: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/keys/\(name)"), encoding: .utf8)
}

/// A fixture with one transaction through a customer IdP.
func federationFixture(
    name: String, description: String, app: String, email: String, upstream: OrderedJSON, expect: [(String, OrderedJSON)],
    federation: [(String, OrderedJSON)] = []
) -> OrderedJSON {
    var members: [(String, OrderedJSON)] = [
        ("fixture", 1), ("name", .string(name)), ("description", .string(description)), ("config", "../directory.json"),
        ("clock", "2026-03-02T09:00:00Z"), ("seed", 1),
    ]
    if !federation.isEmpty { members.append(("federation", .object(federation))) }
    members += transaction(app: app, email: email, upstream: upstream, expect: expect)
    return .object(members)
}

func transaction(app: String, email: String, upstream: OrderedJSON, expect: [(String, OrderedJSON)]) -> [(String, OrderedJSON)] {
    [
        ("request", .object([("app", .string(app))])),
        ("events", .array([.object([("email", .string(email))]), upstream])),
        ("expect", .object(expect)),
    ]
}

/// What a login refused at the IdP step gives: the flow's `sso-failed` denial, and the check that failed.
func refused(_ code: String, connection: String, flowMessage: String) -> [(String, OrderedJSON)] {
    [
        ("outcome", "deny"), ("reason", "upstream_failed"), ("message", .string(flowMessage)),
        ("steps", ["identify", "discover", "route", "sso", "sso-failed"]), ("upstreams", .array([.string(connection)])),
        ("upstream_error", .string(code)), ("upstream_subject", .null),
    ]
}

// MARK: - SAML

/// Responses of Acme's IdP (`acme-saml`) to the AuthnRequests replay sends.
struct SAMLFixtures {
    static let connection = "acme-saml"
    static let spEntityID = "https://gatehouse.test/federation/saml/acme-saml"
    static let acs = spEntityID + "/acs"
    static let idpEntityID = "https://idp.acme.test/saml"
    static let emailAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
    static let nameAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
    static let consoleRefusal = "Your company's sign-in did not succeed. Try again or contact your IT team."

    let idp: SAMLTestIdP
    let untrusted: SAMLTestIdP
    let spCertificate: String
    let random = SeededRandom(seed: 7)

    init() throws {
        idp = SAMLTestIdP(
            entityID: Self.idpEntityID,
            signingKey: try SAMLSigningKey(privateKeyPEM: try fixtureKey("saml-idp.key.pem"), certificatePEM: try fixtureKey("saml-idp.crt.pem")))
        untrusted = SAMLTestIdP(
            entityID: Self.idpEntityID,
            signingKey: try SAMLSigningKey(
                privateKeyPEM: try fixtureKey("saml-untrusted.key.pem"), certificatePEM: try fixtureKey("saml-untrusted.crt.pem")))
        spCertificate = try fixtureKey("saml-sp.crt.pem")
    }

    static func user(_ email: String, name: String, context: String = SAML.AuthnContextClass.passwordProtectedTransport) -> SAMLTestIdP.User {
        SAMLTestIdP.User(nameID: email, attributes: [emailAttribute: [email], nameAttribute: [name]], authnContextClassRef: context)
    }

    static let zoe = user("zoe@acme.test", name: "Zoe Acme")

    /// An AuthnRequest ID, as the server would make one (`_` + 40 hex digits).
    func requestID() -> String {
        "_" + random.bytes(20).map { String(format: "%02x", $0) }.joined()
    }

    /// A Response to `requestID` (nil: unsolicited), issued at `at`.
    func issue(
        _ user: SAMLTestIdP.User = zoe, inResponseTo requestID: String?, options: SAMLTestIdP.Options = .init(), at time: Date = fixtureClock,
        by signer: SAMLTestIdP? = nil
    ) throws -> SAMLTestIdP.Issued {
        try (signer ?? idp).response(
            inResponseTo: requestID, audience: Self.spEntityID, assertionConsumerServiceURL: Self.acs, user: user, now: time,
            options: options, randomBytes: { random.bytes($0) })
    }

    /// A Response to `requestID` (base64) with some options changed.
    func issue(answering requestID: String, _ change: (inout SAMLTestIdP.Options) -> Void) throws -> String {
        var options = SAMLTestIdP.Options()
        change(&options)
        return try issue(inResponseTo: requestID, options: options).base64
    }

    static func event(requestID: String, response: String) -> OrderedJSON {
        .object([
            ("saml_response", .object([("connection", .string(connection)), ("request_id", .string(requestID)), ("response", .string(response))]))
        ])
    }

    /// A console login by `email` whose IdP answer is refused with `code`.
    func attack(_ name: String, _ description: String, code: String, email: String = "zoe@acme.test", response: (String) throws -> String)
        rethrows -> OrderedJSON
    {
        let id = requestID()
        return federationFixture(
            name: name, description: description, app: "console", email: email, upstream: Self.event(requestID: id, response: try response(id)),
            expect: refused(code, connection: Self.connection, flowMessage: Self.consoleRefusal))
    }

    /// A Response with only the Assertion signed (the usual target of signature wrapping), and the Assertion.
    func assertionSignedOnly(_ id: String) throws -> (xml: String, assertion: String) {
        var options = SAMLTestIdP.Options()
        options.signResponse = false
        let xml = try issue(inResponseTo: id, options: options).xml
        guard let start = xml.range(of: "<saml:Assertion "), let end = xml.range(of: "</saml:Assertion>") else {
            throw FederationError(.malformedMessage, "no Assertion")
        }
        return (xml, String(xml[start.lowerBound..<end.upperBound]))
    }

    /// The attacker's Assertion: the genuine one for another subject, unsigned, with a new ID.
    static func forged(from assertion: String, id: String = "_evil") -> String {
        assertion.replacingOccurrences(of: #"<ds:Signature[\s\S]*</ds:Signature>"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: "zoe@acme.test", with: "ada@acme.test")
            .replacingOccurrences(of: #"ID="_[0-9a-f]+""#, with: "ID=\"\(id)\"", options: .regularExpression)
    }

    func all() throws -> [(String, OrderedJSON)] {
        var fixtures: [(String, OrderedJSON)] = []
        let admin: [(String, OrderedJSON)] = [
            ("outcome", "allow"), ("subject", "u-ada"), ("acr", "loa3"), ("amr", ["fed"]), ("roles", ["admin"]),
            ("steps", ["identify", "discover", "route", "sso", "link", "level", "allow"]), ("upstreams", ["acme-saml"]),
            ("upstream_subject", "ada@acme.test"), ("upstream_error", .null),
        ]

        // Happy paths.
        var id = requestID()
        fixtures.append(
            (
                "saml-signed",
                federationFixture(
                    name: "SAML: signed Response and Assertion",
                    description: "Zoe's first login through Acme's IdP: the SAMLResponse posted to the ACS (base64, Response and Assertion signed with RSA-SHA256) is verified and her account is created.",
                    app: "console", email: "zoe@acme.test",
                    upstream: Self.event(requestID: id, response: try issue(inResponseTo: id).base64),
                    expect: [
                        ("outcome", "allow"), ("org", "acme"), ("email", "zoe@acme.test"), ("roles", ["member"]), ("acr", "loa1"),
                        ("amr", ["fed"]), ("claims", .object([("email", "zoe@acme.test"), ("name", "Zoe Acme")])),
                        ("steps", ["identify", "discover", "route", "sso", "provision", "allow"]), ("upstreams", ["acme-saml"]),
                        ("upstream_subject", "zoe@acme.test"), ("upstream_error", .null),
                    ])
            ))

        id = requestID()
        var encrypted = SAMLTestIdP.Options()
        encrypted.encryption = (spCertificate, .aes256GCM)
        fixtures.append(
            (
                "saml-encrypted-assertion",
                federationFixture(
                    name: "SAML: encrypted Assertion",
                    description: "The IdP encrypts the signed Assertion for Gatehouse's SP certificate (RSA-OAEP + AES-256-GCM); replay decrypts it with fixtures/keys/saml-sp.key.pem.",
                    app: "console", email: "yuki@acme.test",
                    upstream: Self.event(
                        requestID: id, response: try issue(Self.user("yuki@acme.test", name: "Yuki Acme"), inResponseTo: id, options: encrypted).base64),
                    expect: [
                        ("outcome", "allow"), ("org", "acme"), ("email", "yuki@acme.test"), ("acr", "loa1"),
                        ("steps", ["identify", "discover", "route", "sso", "provision", "allow"]),
                        ("upstream_subject", "yuki@acme.test"), ("upstream_error", .null),
                    ],
                    federation: [("saml_decryption_key", "../keys/saml-sp.key.pem")])
            ))

        id = requestID()
        fixtures.append(
            (
                "saml-mfa-admin",
                federationFixture(
                    name: "SAML: MFA AuthnContext reaches loa3 on the admin console",
                    description: "Acme's IdP asserts AuthnContextClassRef multipleauthn, which the connection maps to loa3: Ada needs no step-up.",
                    app: "admin", email: "ada@acme.test",
                    upstream: Self.event(
                        requestID: id,
                        response: try issue(
                            Self.user("ada@acme.test", name: "Ada Admin", context: SAML.AuthnContextClass.microsoftMultipleAuthn), inResponseTo: id
                        ).base64),
                    expect: admin)
            ))

        // Attacks on the signature.
        fixtures.append(
            (
                "saml-unsigned",
                try attack("SAML: unsigned Response", "Neither the Response nor the Assertion is signed.", code: "signatureMissing") { id in
                    var options = SAMLTestIdP.Options()
                    options.signResponse = false
                    options.signAssertion = false
                    return try issue(inResponseTo: id, options: options).xml
                }
            ))
        fixtures.append(
            (
                "saml-xsw-moved",
                try attack(
                    "SAML: signature wrapping, forged Assertion next to the signed one",
                    "XSW: an unsigned Assertion for ada@acme.test is placed before the genuine signed Assertion.", code: "signatureWrapping"
                ) { id in
                    let (xml, assertion) = try assertionSignedOnly(id)
                    return xml.replacingOccurrences(of: assertion, with: Self.forged(from: assertion) + assertion)
                }
            ))
        fixtures.append(
            (
                "saml-xsw-cloned",
                try attack(
                    "SAML: signature wrapping, cloned Assertion with the genuine ID",
                    "XSW: the signed Assertion is changed to ada@acme.test, and an element with its ID is hidden in Extensions for the signature to find.",
                    code: "signatureWrapping"
                ) { id in
                    let (xml, assertion) = try assertionSignedOnly(id)
                    let assertionID = try Self.id(of: assertion)
                    let clone = assertion.replacingOccurrences(of: ">zoe@acme.test</saml:NameID>", with: ">ada@acme.test</saml:NameID>")
                    return xml.replacingOccurrences(of: assertion, with: clone).replacingOccurrences(
                        of: "<samlp:Status>",
                        with: "<samlp:Extensions><x:Keep xmlns:x=\"urn:x\" ID=\"\(assertionID)\"/></samlp:Extensions><samlp:Status>")
                }
            ))
        fixtures.append(
            (
                "saml-xsw-nested",
                try attack(
                    "SAML: signature wrapping, signed Assertion nested in a forged one",
                    "XSW: a forged Assertion for ada@acme.test carries the genuine signed Assertion inside it.", code: "signatureWrapping"
                ) { id in
                    let (xml, assertion) = try assertionSignedOnly(id)
                    let evil = Self.forged(from: assertion).replacingOccurrences(of: "</saml:Subject>", with: "</saml:Subject>" + assertion)
                    return xml.replacingOccurrences(of: assertion, with: evil)
                }
            ))
        fixtures.append(
            (
                "saml-content-changed",
                try attack(
                    "SAML: content changed after signing", "The NameID of the signed Assertion is changed to ada@acme.test.",
                    code: "signatureInvalid"
                ) { id in
                    try assertionSignedOnly(id).xml.replacingOccurrences(
                        of: ">zoe@acme.test</saml:NameID>", with: ">ada@acme.test</saml:NameID>")
                }
            ))
        fixtures.append(
            (
                "saml-wrong-certificate",
                try attack(
                    "SAML: signed by an untrusted certificate", "A well-formed Response signed with fixtures/keys/saml-untrusted.key.pem.",
                    code: "untrustedKey"
                ) { id in try issue(inResponseTo: id, by: untrusted).base64 }
            ))
        fixtures.append(
            (
                "saml-sha1",
                try attack(
                    "SAML: RSA-SHA1 refused by default", "The connection does not set allow_sha1, so an RSA-SHA1 signature is refused.",
                    code: "weakAlgorithm"
                ) { id in try issue(answering: id) { $0.signatureAlgorithm = .rsaSHA1 } }
            ))

        // Attacks on the conditions and bindings.
        fixtures.append(
            (
                "saml-expired",
                try attack("SAML: expired assertion", "Issued ten minutes before the clock, valid five minutes (plus 120 s skew).", code: "expired") {
                    id in try issue(inResponseTo: id, at: fixtureClock - 600).base64
                }
            ))
        fixtures.append(
            (
                "saml-not-yet-valid",
                try attack("SAML: assertion not yet valid", "NotBefore is ten minutes after the clock.", code: "notYetValid") { id in
                    try issue(inResponseTo: id, at: fixtureClock + 600).base64
                }
            ))
        fixtures.append(
            (
                "saml-wrong-audience",
                try attack("SAML: assertion for another SP", "The AudienceRestriction names another service provider.", code: "audienceMismatch") {
                    id in try issue(answering: id) { $0.audience = "https://other-sp.test/saml" }
                }
            ))
        fixtures.append(
            (
                "saml-wrong-destination",
                try attack("SAML: Response sent to another ACS", "The signed Response's Destination is another ACS URL.", code: "destinationMismatch") {
                    id in try issue(answering: id) { $0.destination = "https://evil.test/acs" }
                }
            ))
        fixtures.append(
            (
                "saml-wrong-recipient",
                try attack(
                    "SAML: bearer confirmation for another recipient", "The SubjectConfirmationData Recipient is another ACS URL.",
                    code: "recipientMismatch"
                ) { id in try issue(answering: id) { $0.recipient = "https://evil.test/acs" } }
            ))
        fixtures.append(
            (
                "saml-in-response-to-other",
                try attack(
                    "SAML: Response to another login's AuthnRequest", "A genuine Response that answers another transaction's AuthnRequest.",
                    code: "inResponseToMismatch"
                ) { _ in try issue(inResponseTo: requestID()).base64 }
            ))
        fixtures.append(
            (
                "saml-idp-authn-failed",
                try attack(
                    "SAML: the IdP refuses the user",
                    "The IdP answers with status Responder / AuthnFailed (the user failed to authenticate there): the flow's failure path, with the status kind as the reason.",
                    code: "authn_failed"
                ) { id in
                    try issue(answering: id) {
                        $0.status = SAMLStatus(code: SAML.StatusCode.responder, subcode: SAML.StatusCode.authnFailed, message: "Wrong password")
                    }
                }
            ))
        fixtures.append(
            (
                "saml-unsolicited",
                try attack(
                    "SAML: unsolicited Response refused", "An IdP-initiated Response (no InResponseTo); the connection does not set allow_unsolicited.",
                    code: "unsolicitedResponse"
                ) { _ in try issue(inResponseTo: nil).base64 }
            ))

        // Replay: the same Response posted in two transactions, each answering the same recorded AuthnRequest.
        id = requestID()
        let posted = Self.event(requestID: id, response: try issue(inResponseTo: id).base64)
        fixtures.append(
            (
                "saml-replayed",
                .object([
                    ("fixture", 1), ("name", "SAML: replayed assertion"),
                    ("description", "The same Response is posted twice: the first login succeeds, the second is refused by the replay cache in the fixture's store."),
                    ("config", "../directory.json"), ("clock", "2026-03-02T09:00:00Z"), ("seed", 1),
                    (
                        "transactions",
                        .array([
                            .object(
                                transaction(
                                    app: "console", email: "zoe@acme.test", upstream: posted,
                                    expect: [("outcome", "allow"), ("upstream_subject", "zoe@acme.test"), ("upstream_error", .null)])),
                            .object(
                                transaction(
                                    app: "console", email: "zoe@acme.test", upstream: posted,
                                    expect: refused("replayed", connection: Self.connection, flowMessage: Self.consoleRefusal))),
                        ])
                    ),
                ])
            ))

        // Attacks on the XML parser.
        id = requestID()
        let commented = try issue(SAMLTestIdP.User(nameID: "ada@acme.test.evil.test"), inResponseTo: id).xml.replacingOccurrences(
            of: ">ada@acme.test.evil.test<", with: ">ada@acme.test<!---->.evil.test<")
        fixtures.append(
            (
                "saml-comment-in-nameid",
                federationFixture(
                    name: "SAML: comment injected into NameID",
                    description: "The IdP signed NameID ada@acme.test.evil.test; a comment inserted after signing (C14N drops it, so the signature holds) must not truncate the subject to ada@acme.test.",
                    app: "admin", email: "ada@acme.test", upstream: Self.event(requestID: id, response: commented),
                    expect: [
                        ("outcome", "deny"), ("reason", "no_account"), ("steps", ["identify", "discover", "route", "sso", "link", "no-account"]),
                        ("upstream_subject", "ada@acme.test.evil.test"), ("upstream_error", .null),
                    ])
            ))
        fixtures.append(
            (
                "saml-xxe",
                try attack("SAML: external entity (XXE)", "A DOCTYPE declares an external entity that reads /etc/passwd into the NameID.", code: "malformedMessage") {
                    id in
                    let xml = try issue(inResponseTo: id).xml.replacingOccurrences(of: ">zoe@acme.test</saml:NameID>", with: ">&xxe;</saml:NameID>")
                    return "<?xml version=\"1.0\"?><!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" + xml
                }
            ))
        fixtures.append(
            (
                "saml-entity-expansion",
                try attack("SAML: entity expansion (billion laughs)", "A DOCTYPE with nested entities that expand to gigabytes.", code: "malformedMessage") {
                    id in
                    var dtd = "<!ENTITY l0 \"lol\">"
                    for level in 1...9 { dtd += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">" }
                    let xml = try issue(inResponseTo: id).xml.replacingOccurrences(of: ">zoe@acme.test</saml:NameID>", with: ">&l9;</saml:NameID>")
                    return "<?xml version=\"1.0\"?><!DOCTYPE samlp:Response [\(dtd)]>" + xml
                }
            ))
        fixtures.append(
            (
                "saml-oversized",
                try attack("SAML: oversized message", "A Response over the connection's max_message_bytes (65536).", code: "messageTooLarge") { id in
                    try issue(inResponseTo: id).xml.replacingOccurrences(
                        of: "<samlp:Status>", with: "<!--" + String(repeating: "A", count: 70_000) + "--><samlp:Status>")
                }
            ))
        return fixtures
    }

    static func id(of assertion: String) throws -> String {
        guard let match = assertion.range(of: #"ID="_[0-9a-f]+""#, options: .regularExpression) else {
            throw FederationError(.malformedMessage, "no ID")
        }
        return String(assertion[match].dropFirst(4).dropLast())
    }
}

// MARK: - OIDC

/// Logins at Northwind's OIDC provider (`northwind-oidc`), recorded as the relying party saw them.
struct OIDCFixtures {
    static let connection = "northwind-oidc"
    static let issuer = "https://login.northwind.test"
    static let clientID = "gatehouse-fixtures"
    static let clientSecret = "northwind-fixture-client-secret (test value)"
    static let redirectURI = URL(string: "https://gatehouse.test/federation/oidc/northwind-oidc/callback")!
    static let resellerRefusal = "The sign-in at your identity provider did not succeed."

    /// How to spoil one login.
    struct Attack {
        var misbehaviour = TestOIDCProvider.Misbehaviour()
        var algorithm: IDTokenAlgorithm = .rs256
        /// Replaces the ID token in the token response.
        var idToken: (@Sendable (String) throws -> String)?
        /// Changes what arrives at the redirect URI.
        var response: (@Sendable (inout [String: String]) -> Void)?
        /// Redeem the code without a PKCE verifier.
        var withoutVerifier = false
    }

    let connection: Connection
    let keys: (rs256: TestSigningKey, es256: TestSigningKey, nextRS256: TestSigningKey)
    let rsaPublicKeyPEM: String

    init() throws {
        let config = try DirectoryConfig.load(path: directoryConfig)
        guard let connection = Directory(config: config).connection(ConnectionID(Self.connection)) else {
            throw FederationError(.configuration, "no \(Self.connection) in fixtures/directory.json")
        }
        self.connection = connection
        keys = try TestSigningKey.fixtureKeys(in: repositoryRoot.appendingPathComponent("fixtures/keys"))
        rsaPublicKeyPEM = try fixtureKey("oidc-provider-rs256.pub.pem")
    }

    /// One login by `user`, spoilt by `attack`, as an `oidc_response` event.
    func event(_ user: TestOIDCProvider.User, _ attack: Attack = Attack()) async throws -> OrderedJSON {
        let random = SeededRandom(seed: 11)
        let randomBytes = RandomBytes { random.bytes($0) }
        let provider = TestOIDCProvider(
            configuration: .init(issuer: Self.issuer), keys: [keys.rs256, keys.es256, keys.nextRS256], now: { fixtureClock }, random: randomBytes)
        await provider.register(
            .init(clientID: Self.clientID, redirectURIs: [Self.redirectURI], authentication: .clientSecretBasic(Self.clientSecret), idTokenAlgorithm: attack.algorithm))
        await provider.add(user)
        await provider.misbehave(attack.misbehaviour)
        let request = UpstreamRequest(step: "sso", connection: ConnectionID(Self.connection), kind: .oidc, loginHint: user.email, requiredLevel: nil)
        let login = try FederatedLogins.make(for: connection, http: provider, defaultRedirectURI: Self.redirectURI, random: randomBytes)
        let redirect = try await login.startLogin(request, now: fixtureClock)
        var parameters = try await provider.authorize(redirect.url, as: user.subject).parameters
        attack.response?(&parameters)
        var transaction = redirect.transaction
        if attack.withoutVerifier { transaction.codeVerifier = "" }

        // Finish with a fresh relying party, as replay does, and record every exchange.
        let recorder = RecordingHTTP(provider: provider, idToken: attack.idToken, withoutVerifier: attack.withoutVerifier)
        let fresh = try FederatedLogins.make(for: connection, http: recorder, defaultRedirectURI: Self.redirectURI, random: randomBytes)
        _ = try? await fresh.finishLogin(AuthorizationResponse(parameters: parameters), transaction: transaction, now: fixtureClock)

        var recorded: [(String, OrderedJSON)] = [("state", .string(transaction.state)), ("nonce", .string(transaction.nonce))]
        if !attack.withoutVerifier { recorded.append(("code_verifier", .string(transaction.codeVerifier))) }
        return .object([
            (
                "oidc_response",
                .object([
                    ("connection", .string(Self.connection)), ("transaction", .object(recorded)),
                    ("response", .object(parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    ("http", .array(await recorder.exchanges)),
                ])
            )
        ])
    }

    static let hans = TestOIDCProvider.User(subject: "00u-hans", email: "hans@emea.example", name: "Hans EMEA", amr: ["pwd"])

    func attack(_ file: String, _ name: String, _ description: String, code: String, _ attack: Attack) async throws -> (String, OrderedJSON) {
        (
            file,
            federationFixture(
                name: name, description: description, app: "reseller", email: "hans@emea.example", upstream: try await event(Self.hans, attack),
                expect: refused(code, connection: Self.connection, flowMessage: Self.resellerRefusal))
        )
    }

    func all() async throws -> [(String, OrderedJSON)] {
        let now = fixtureClock.timeIntervalSince1970
        func claims(_ values: [String: PlainJSON]) -> Attack {
            var attack = Attack()
            attack.misbehaviour.idTokenClaims = values
            return attack
        }
        func happy(_ user: TestOIDCProvider.User, org: String) -> [(String, OrderedJSON)] {
            [
                ("outcome", "allow"), ("org", .string(org)), ("email", .string(user.email ?? "")), ("roles", ["viewer"]), ("acr", "loa1"),
                ("amr", ["fed", "pwd"]), ("steps", ["identify", "discover", "route", "sso", "provision", "allow"]),
                ("upstreams", ["northwind-oidc"]), ("upstream_subject", .string(user.subject)), ("upstream_error", .null),
            ]
        }
        var fixtures: [(String, OrderedJSON)] = []
        fixtures.append(
            (
                "oidc-rs256",
                federationFixture(
                    name: "OIDC: RS256 ID token",
                    description: "Hans (Northwind EMEA) signs in at Northwind's OIDC provider: discovery, JWKS, the token endpoint's RS256 ID token and userinfo are replayed from the recording.",
                    app: "reseller", email: "hans@emea.example", upstream: try await event(Self.hans),
                    expect: happy(Self.hans, org: "northwind-emea"))
            ))
        let hilde = TestOIDCProvider.User(subject: "00u-hilde", email: "hilde@emea.example", name: "Hilde EMEA", amr: ["pwd"])
        var es256 = Attack()
        es256.algorithm = .es256
        fixtures.append(
            (
                "oidc-es256",
                federationFixture(
                    name: "OIDC: ES256 ID token", description: "The provider signs Hilde's ID token with its P-256 key (kid es256-1).",
                    app: "reseller", email: "hilde@emea.example", upstream: try await event(hilde, es256),
                    expect: happy(hilde, org: "northwind-emea"))
            ))

        let rsaPublicKeyPEM = self.rsaPublicKeyPEM
        var none = Attack()
        none.idToken = { token in try JWTForgery.resign(token, header: ["alg": "none", "typ": "JWT"], key: nil) }
        fixtures.append(try await attack("oidc-alg-none", "OIDC: alg none", "The ID token's signature is stripped and its alg set to none.", code: "weakAlgorithm", none))
        var hmac = Attack()
        hmac.idToken = { token in
            try JWTForgery.resign(token, header: ["alg": "HS256", "kid": "rs256-1", "typ": "JWT"], key: Array(rsaPublicKeyPEM.utf8))
        }
        fixtures.append(
            try await attack(
                "oidc-hs256-public-key", "OIDC: HS256 keyed with the RSA public key",
                "Algorithm confusion: the ID token is re-signed with HMAC-SHA256 using the provider's public RSA key (PEM) as the secret.",
                code: "weakAlgorithm", hmac))
        var unknownKey = Attack()
        unknownKey.misbehaviour.signingKeyID = "rs256-2"
        unknownKey.misbehaviour.publishedKeyIDs = ["rs256-1", "es256-1"]
        fixtures.append(
            try await attack(
                "oidc-unknown-kid", "OIDC: unknown kid", "The ID token is signed with kid rs256-2, which the JWKS does not publish.", code: "unknownKey",
                unknownKey))
        fixtures.append(
            try await attack(
                "oidc-wrong-issuer", "OIDC: wrong iss", "The ID token names another issuer.", code: "issuerMismatch",
                claims(["iss": .string("https://login.evil.test")])))
        fixtures.append(
            try await attack(
                "oidc-wrong-audience", "OIDC: wrong aud", "The ID token was issued to another client.", code: "audienceMismatch",
                claims(["aud": .string("another-client")])))
        fixtures.append(
            try await attack(
                "oidc-azp-mismatch", "OIDC: azp names another client",
                "The ID token has two audiences and azp names the other client.", code: "audienceMismatch",
                claims(["aud": .array([.string(Self.clientID), .string("another-client")]), "azp": .string("another-client")])))
        fixtures.append(
            try await attack(
                "oidc-wrong-nonce", "OIDC: wrong nonce", "The ID token carries a nonce this login did not send.", code: "nonceMismatch",
                claims(["nonce": .string("not-the-nonce-that-was-sent")])))
        var noNonce = Attack()
        noNonce.misbehaviour.removedIDTokenClaims = ["nonce"]
        fixtures.append(try await attack("oidc-missing-nonce", "OIDC: missing nonce", "The ID token has no nonce.", code: "nonceMismatch", noNonce))
        fixtures.append(
            try await attack(
                "oidc-expired", "OIDC: expired ID token", "exp is ten minutes before the clock (skew 120 s).", code: "expired",
                claims(["iat": .number(now - 1_200), "auth_time": .number(now - 1_200), "exp": .number(now - 600)])))
        fixtures.append(
            try await attack(
                "oidc-iat-in-future", "OIDC: iat in the future", "iat is ten minutes after the clock (skew 120 s).", code: "notYetValid",
                claims(["iat": .number(now + 600), "auth_time": .number(now + 600), "exp": .number(now + 1_200)])))
        var state = Attack()
        state.response = { $0["state"] = "a-state-from-another-login" }
        fixtures.append(
            try await attack(
                "oidc-state-mismatch", "OIDC: state mismatch", "The answer at the redirect URI carries another login's state.", code: "stateMismatch",
                state))
        var pkce = Attack()
        pkce.withoutVerifier = true
        fixtures.append(
            try await attack(
                "oidc-missing-pkce-verifier", "OIDC: no PKCE verifier at the token endpoint",
                "The login kept no code_verifier; the recorded token endpoint answers invalid_grant.", code: "statusNotSuccess", pkce))
        return fixtures
    }
}

/// Forwards the relying party's requests to the test provider and records each exchange as a fixture's
/// `http` entry: the URL, the token request's form (client credentials travel in the header and are
/// not recorded), the status and the body.
actor RecordingHTTP: UpstreamHTTP {
    let provider: TestOIDCProvider
    let idToken: (@Sendable (String) throws -> String)?
    let withoutVerifier: Bool
    private(set) var exchanges: [OrderedJSON] = []

    init(provider: TestOIDCProvider, idToken: (@Sendable (String) throws -> String)?, withoutVerifier: Bool) {
        self.provider = provider
        self.idToken = idToken
        self.withoutVerifier = withoutVerifier
    }

    func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        var request = request
        var form = request.formParameters
        if request.method == .post, withoutVerifier {
            form["code_verifier"] = nil
            request = .postForm(request.url, form: form.sorted { $0.key < $1.key }, headers: request.headers)
        }
        var response = await provider.handle(request)
        var body = try? JSONDecoder().decode(PlainJSON.self, from: Data(response.body))
        if request.method == .post, let idToken, case .object(var tokens)? = body, case .string(let token)? = tokens["id_token"] {
            tokens["id_token"] = .string(try idToken(token))
            body = .object(tokens)
            response = .json(PlainJSON.object(tokens))
        }
        var exchange: [(String, OrderedJSON)] = [("method", .string(request.method.rawValue)), ("url", .string(request.url.absoluteString))]
        if request.method == .post { exchange.append(("form", .object(form.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))) }
        if response.status != 200 { exchange.append(("status", .number(Double(response.status)))) }
        exchange.append(("body", body.map { OrderedJSON($0) } ?? .string(String(decoding: response.body, as: UTF8.self))))
        exchanges.append(.object(exchange))
        return response
    }
}

/// Hand-made ID tokens for algorithm attacks.
enum JWTForgery {
    /// `token`'s claims under a new header, signed with HMAC-SHA256 under `key`, or unsigned without one.
    static func resign(_ token: String, header: [String: String], key: [UInt8]?) throws -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw FederationError(.malformedMessage, "not a JWS") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let input = base64URL(Array(try encoder.encode(header))) + "." + parts[1]
        guard let key else { return input + "." }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: key))
        return input + "." + base64URL(Array(mac))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

// MARK: - Writing JSON in a fixed member order

/// JSON whose objects keep their members in the order written, pretty-printed like the committed fixtures.
enum OrderedJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .number(Double(value)) }
    init(arrayLiteral elements: OrderedJSON...) { self = .array(elements) }

    /// Objects with their keys sorted.
    init(_ plain: PlainJSON) {
        switch plain {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(OrderedJSON.init))
        case .object(let members): self = .object(members.sorted { $0.key < $1.key }.map { ($0.key, OrderedJSON($0.value)) })
        }
    }

    func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): return Self.quoted(value)
        case .array(let values):
            if values.isEmpty { return "[]" }
            if values.allSatisfy(\.isScalar) { return "[" + values.map { $0.rendered() }.joined(separator: ", ") + "]" }
            return "[\n" + values.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { inner + Self.quoted($0.0) + ": " + $0.1.rendered(indent: inner) }.joined(separator: ",\n") + "\n"
                + indent + "}"
        }
    }

    var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
