import Directory
import Federation
import FlowEngine
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OIDCProvider
import Synchronization
import Testing

/// Customer IdP logins through the server: the `federate` step sends the browser to a SAML or OIDC
/// test IdP signing with the committed keys, and the ACS / callback brings the verified answer back.
@Suite("Federation endpoints: SAML ACS, OIDC callback, SP metadata")
struct FederationEndpointsTests {
    static let keys = repositoryRoot.appendingPathComponent("fixtures/keys")
    static func pem(_ name: String) throws -> String { try String(contentsOf: keys.appendingPathComponent(name), encoding: .utf8) }

    static let issuer = ServerConfiguration().issuer
    static let idpEntityID = "https://idp.acme.test/saml"
    static let ssoURL = "https://idp.acme.test/sso"
    static let oidcIssuer = "https://login.northwind.test"
    static let acs = "/federation/saml/acme-saml/acs"

    /// The SAML test IdP of the `acme-saml` connection.
    static func samlIdP() throws -> SAMLTestIdP {
        SAMLTestIdP(entityID: idpEntityID, signingKey: try SAMLSigningKey(privateKeyPEM: pem("saml-idp.key.pem"), certificatePEM: pem("saml-idp.crt.pem")))
    }

    /// The OIDC test provider of the `northwind-oidc` connection, reached in-process.
    static func oidcProvider(clock: TestClock) async throws -> TestOIDCProvider {
        let provider = TestOIDCProvider(
            configuration: .init(issuer: oidcIssuer), keys: [try TestSigningKey.fixtureKeys(in: keys).rs256], now: { clock.now })
        await provider.register(
            .init(
                clientID: "gatehouse", redirectURIs: [URL(string: "\(issuer)/federation/oidc/northwind-oidc/callback")!],
                authentication: .clientSecretBasic("northwind-secret")))
        await provider.add(.init(subject: "nw-42", email: "nina@northwind.test", name: "Nina"))
        return provider
    }

    static func endpoints(http: any UpstreamHTTP) throws -> FederationEndpoints {
        FederationEndpoints(
            http: http,
            settings: [
                "acme-saml": .object([
                    "idp_entity_id": .string(idpEntityID), "sso_url": .string(ssoURL),
                    "signing_certificates": .array([.string(try pem("saml-idp.crt.pem"))]),
                    "attribute_mapping": .object(["email": .string("email")]),
                ]),
                "northwind-oidc": .object([
                    "issuer": .string(oidcIssuer), "client_id": .string("gatehouse"), "client_secret": .string("northwind-secret"),
                ]),
            ])
    }

    /// Runs `body` against a server with the stub OAuth endpoints and the federation endpoints.
    static func withFederation(
        change: (inout DirectoryConfig) -> Void = { _ in }, configure: (inout ServerConfiguration) -> Void = { _ in },
        oauth: any GatehouseExtension = StubOAuth(), endpoints makeEndpoints: ((any UpstreamHTTP) throws -> FederationEndpoints)? = nil,
        logger: Logger? = nil, _ body: @escaping @Sendable (TestServer, any TestClientProtocol, TestOIDCProvider) async throws -> Void
    ) async throws {
        try await withServer(change: change, configure: configure) { server in
            let provider = try await oidcProvider(clock: server.clock)
            let runtime = try await server.runtime(logger: logger)
            let federation = try makeEndpoints?(provider) ?? endpoints(http: provider)
            let app = try await buildApplication(runtime: runtime, extensions: [oauth, federation])
            try await app.test(.router) { client in try await body(server, client, provider) }
        }
    }

    /// Starts a login for `email` and returns the redirect to the SAML IdP.
    static func startSAML(_ browser: inout Browser, email: String = "ada@acme.test", query: String = "client_id=console") async throws
        -> (AuthnRequest, relayState: String)
    {
        let page = try await browser.authorize(query)
        let redirect = try await browser.submit(page, [("email", email)])
        #expect(redirect.status == .seeOther)
        return try authnRequest(in: redirect)
    }

    /// The AuthnRequest and RelayState of a redirect to the SAML IdP (HTTP-Redirect binding).
    static func authnRequest(in redirect: TestResponse) throws -> (AuthnRequest, relayState: String) {
        let location = try #require(redirect.headers[.location])
        #expect(location.hasPrefix(ssoURL + "?SAMLRequest="))
        let parameters = try #require(URLComponents(string: location)?.queryItems)
        let samlRequest = try #require(parameters.first { $0.name == "SAMLRequest" }?.value)
        let relayState = try #require(parameters.first { $0.name == "RelayState" }?.value)
        return (try AuthnRequest(received: samlRequest, binding: .httpRedirect), relayState)
    }

    static func post(_ browser: inout Browser, _ response: SAMLTestIdP.Issued, relayState: String?) async throws -> TestResponse {
        var fields = [("SAMLResponse", response.base64)]
        if let relayState { fields.append(("RelayState", relayState)) }
        return try await browser.post(acs, fields, crossSite: true)
    }

    /// Where the browser lands after the IdP's answer: the callback's own response when it ended the
    /// login, or the login page it sent the browser to.
    static func landing(_ browser: inout Browser, _ back: TestResponse) async throws -> TestResponse {
        guard back.status == .seeOther, let location = back.headers[.location], location.hasPrefix("/login/") else { return back }
        return try await browser.get(location)
    }

    /// The login page an IdP's answer was sent on to (the callback did not end the login itself).
    static func loginPage(after back: TestResponse) throws -> String {
        #expect(back.status == .seeOther)
        let location = try #require(back.headers[.location])
        #expect(location.hasPrefix("/login/"))
        return location
    }

    /// Random bytes for message IDs (the tests read what the IdP made, never predict it).
    static func bytes(_: Int) -> (Int) -> [UInt8] { { count in (0..<count).map { _ in UInt8.random(in: .min ... .max) } } }

    static func user(_ email: String = "ada@acme.test", mfa: Bool = false) -> SAMLTestIdP.User {
        SAMLTestIdP.User(
            nameID: email, attributes: ["email": [email]],
            authnContextClassRef: mfa ? "http://schemas.microsoft.com/claims/multipleauthn" : SAML.AuthnContextClass.passwordProtectedTransport)
    }

    // MARK: SAML

    @Test("a SAML login ends at the ACS: the browser's cookie for the callbacks binds the Response to it")
    func aSAMLLoginEndsAuthenticatedThroughTheACS() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            let page = try await browser.authorize()
            let redirect = try await browser.submit(page, [("email", "ada@acme.test")])
            // SameSite=None; Secure (the issuer, http://127.0.0.1, is a secure context for browsers): a
            // browser sends it with the IdP's cross-site POST.
            let upstreamCookie = try #require(redirect.headers[values: .setCookie].first { $0.hasPrefix("gatehouse_upstream=") })
            for attribute in ["Path=/federation/", "SameSite=None", "Secure", "HttpOnly"] { #expect(upstreamCookie.contains(attribute)) }
            let (request, relayState) = try Self.authnRequest(in: redirect)
            #expect(request.issuer == "\(Self.issuer)/federation/saml/acme-saml")
            #expect(request.assertionConsumerServiceURL == "\(Self.issuer)\(Self.acs)")
            #expect(request.destination == Self.ssoURL)
            let issued = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(7))
            let done = try await Self.post(&browser, issued, relayState: relayState)
            #expect(done.text.contains("authenticated app=console sub=u-ada"))
            #expect(done.text.contains("org=acme"))
            #expect(done.text.contains("amr=fed"))
            #expect(browser.cookie(SessionStore.cookieName) != nil)
            #expect(browser.cookie("gatehouse_upstream") == nil)  // cleared by the ACS
        }
    }

    @Test("without the callbacks' cookie (a browser that does not send SameSite=None cookies) the ACS sends the browser to its login page")
    func withoutTheUpstreamCookieTheLoginPageEndsTheLogin() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            let (request, relayState) = try await Self.startSAML(&browser)
            browser.cookies["gatehouse_upstream|/federation/"]?.sameSite = "lax"
            let issued = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(7))
            let done = try await browser.get(try Self.loginPage(after: try await Self.post(&browser, issued, relayState: relayState)))
            #expect(done.text.contains("authenticated app=console sub=u-ada"))
        }
    }

    @Test("with a page still due (consent for a third-party app) the ACS sends the browser to it, cookie or not")
    func aPageStillDueIsShownOnTheLoginPage() async throws {
        try await Self.withFederation(oauth: StubOAuth(thirdParty: ["console"])) { server, client, _ in
            var browser = Browser(client)
            let (request, relayState) = try await Self.startSAML(&browser)
            #expect(browser.cookie("gatehouse_upstream") != nil)
            let issued = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(7))
            let consent = try await browser.get(try Self.loginPage(after: try await Self.post(&browser, issued, relayState: relayState)))
            #expect(consent.text.contains("<h1>Allow access?</h1>"))
            let done = try await browser.submit(consent, [("decision", "allow")])
            #expect(done.text.contains("authenticated app=console sub=u-ada"))
        }
    }

    @Test("a browser with an SSO session gets no cookie for the callbacks: its login ends on its page, which sees the session")
    func aBrowserWithASessionEndsTheLoginOnItsPage() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            let (first, firstRelay) = try await Self.startSAML(&browser)
            let issued = try Self.samlIdP().response(to: first, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(7))
            let signedIn = try await Self.post(&browser, issued, relayState: firstRelay).text
            let sidMatch = signedIn.firstMatch(of: /sid=(\S+)/)
            let sid = try #require(sidMatch?.1)

            // prompt=login: the session cannot stand in, so the user goes to the IdP again.
            let page = try await browser.authorize("client_id=console&prompt=login")
            let redirect = try await browser.submit(page, [("email", "ada@acme.test")])
            #expect(!redirect.headers[values: .setCookie].contains { $0.hasPrefix("gatehouse_upstream=") })
            let (request, relayState) = try Self.authnRequest(in: redirect)
            let again = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(8))
            let done = try await browser.get(try Self.loginPage(after: try await Self.post(&browser, again, relayState: relayState)))
            // The same user keeps the session it had (the same sid): its cookie was read on the page.
            #expect(done.text.contains("authenticated app=console sub=u-ada sid=\(sid) "))
        }
    }

    @Test("a login hint that the flow sends to the customer's IdP goes there from /authorize, and the login stays bound to the browser")
    func aLoginHintGoesStraightToTheIdP() async throws {
        let log = RecordingLog()
        try await Self.withFederation(logger: log.logger) { server, client, _ in
            var browser = Browser(client)
            browser.extraHeaders = [.requestID: "trace-7"]
            let redirect = try await browser.get("/authorize?client_id=console&login_hint=ada%40acme.test")
            #expect(redirect.status == .seeOther)
            // Logged with the request's id, as every line of the request is.
            let sent = try #require(log.all.first { $0.message == "sent the user to the SAML IdP" })
            #expect(sent.metadata["request_id"] == "trace-7")
            #expect(sent.metadata["connection"] == "acme-saml")
            let bindingCookie = try #require(redirect.headers[values: .setCookie].first { $0.hasPrefix("gatehouse_login=") })
            #expect(bindingCookie.contains("Path=/login/"))
            #expect(bindingCookie.contains("HttpOnly"))
            let (request, relayState) = try Self.authnRequest(in: redirect)
            let issued = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(7))

            // The answer posted from another browser, even one with a callback cookie of its own, goes no
            // further than the login's page.
            var attacker = Browser(client)
            _ = try await attacker.get("/authorize?client_id=console&login_hint=ada%40acme.test")
            #expect(attacker.cookie("gatehouse_upstream") != nil)
            let stolen = try await Self.post(&attacker, issued, relayState: relayState)
            let refused = try await attacker.get(try #require(stolen.headers[.location]))
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("This sign-in belongs to another browser"))

            let done = try await browser.get(try #require(stolen.headers[.location]))
            #expect(done.text.contains("authenticated app=console sub=u-ada"))
        }
    }

    @Test func anMFAAuthnContextReachesLoa3ForTheAdminConsole() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            let (request, relayState) = try await Self.startSAML(&browser, query: "client_id=admin")
            // The admin app needs loa3: the AuthnRequest asks for the class mapped to it.
            #expect(request.requestedAuthnContextClassRefs == ["http://schemas.microsoft.com/claims/multipleauthn"])
            let issued = try Self.samlIdP().response(to: request, user: Self.user(mfa: true), now: server.clock.now, randomBytes: Self.bytes(8))
            let done = try await Self.landing(&browser, try await Self.post(&browser, issued, relayState: relayState))
            #expect(done.text.contains("authenticated app=admin sub=u-ada"))
            #expect(done.text.contains("acr=loa3"))
        }
    }

    @Test func aResponseThatFailsVerificationEndsTheLoginWithTheFlowsRefusal() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            let (request, relayState) = try await Self.startSAML(&browser)
            // Signed by a key the connection does not trust.
            let untrusted = SAMLTestIdP(
                entityID: Self.idpEntityID,
                signingKey: try SAMLSigningKey(privateKeyPEM: Self.pem("saml-untrusted.key.pem"), certificatePEM: Self.pem("saml-untrusted.crt.pem")))
            let issued = try untrusted.response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(9))
            let back = try await Self.post(&browser, issued, relayState: relayState)
            let refused = try await browser.get(try #require(back.headers[.location]))
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("Your company&#39;s sign-in did not succeed") || refused.text.contains("Your company's sign-in did not succeed"))
            #expect(!refused.text.contains("authenticated"))
        }
    }

    @Test func theRelayStateIsUsableOnceSoAPostedResponseCannotBeReplayed() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            let (request, relayState) = try await Self.startSAML(&browser)
            let issued = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(10))
            let first = try await Self.post(&browser, issued, relayState: relayState)
            #expect(first.text.contains("authenticated app=console"))
            let again = try await Self.post(&browser, issued, relayState: relayState)
            #expect(again.status == .badRequest)
            #expect(again.text.contains("does not match a sign-in"))
        }
    }

    @Test func theSameResponseForAnotherLoginIsRefusedByInResponseTo() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            let (request, relayState) = try await Self.startSAML(&browser)
            let issued = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(11))
            _ = try await Self.post(&browser, issued, relayState: relayState)
            // A second login in another browser; the attacker posts the first login's Response to it.
            var other = Browser(client)
            let (_, otherRelayState) = try await Self.startSAML(&other)
            let back = try await Self.post(&other, issued, relayState: otherRelayState)
            let refused = try await other.get(try #require(back.headers[.location]))
            #expect(refused.status == .forbidden)
            #expect(!refused.text.contains("authenticated"))
        }
    }

    @Test func anAnswerDeliveredToAnotherBrowserGoesNoFurther() async throws {
        try await Self.withFederation { server, client, _ in
            var victim = Browser(client)
            let (request, relayState) = try await Self.startSAML(&victim)
            let issued = try Self.samlIdP().response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(12))
            // Posted from a browser without the login's binding cookie (login CSRF).
            var attacker = Browser(client)
            let back = try await Self.post(&attacker, issued, relayState: relayState)
            let page = try await attacker.get(try #require(back.headers[.location]))
            #expect(page.status == .forbidden)
            #expect(page.text.contains("This sign-in belongs to another browser"))
        }
    }

    @Test func theACSRefusesUnsolicitedMissingAndRepeatedFieldsAndUnknownConnections() async throws {
        try await Self.withFederation { server, client, _ in
            var browser = Browser(client)
            // IdP-initiated: no RelayState, so no login waits for it.
            let unsolicited = try Self.samlIdP().response(
                inResponseTo: nil, audience: "\(Self.issuer)/federation/saml/acme-saml", assertionConsumerServiceURL: "\(Self.issuer)\(Self.acs)",
                user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(13))
            #expect(try await Self.post(&browser, unsolicited, relayState: nil).status == .badRequest)
            #expect(try await Self.post(&browser, unsolicited, relayState: "made-up").status == .badRequest)
            #expect(try await browser.post(Self.acs, [("RelayState", "x")]).status == .badRequest)
            #expect(try await browser.post(Self.acs, [("SAMLResponse", "a"), ("SAMLResponse", "b")]).status == .badRequest)
            // A broken percent escape or bytes that are not UTF-8.
            #expect(try await browser.send(Self.acs, method: .post, body: "SAMLResponse=%4&RelayState=x", contentType: "application/x-www-form-urlencoded").status == .badRequest)
            #expect(try await browser.send(Self.acs, method: .post, body: "SAMLResponse=%FF%FE&RelayState=x", contentType: "application/x-www-form-urlencoded").status == .badRequest)
            #expect(try await browser.post("/federation/saml/nope/acs", [("SAMLResponse", "a")]).status == .notFound)
            // Larger than the body limit (64 KiB): refused before anything is parsed.
            #expect(try await browser.post(Self.acs, [("SAMLResponse", String(repeating: "A", count: 70_000))]).status == .contentTooLarge)
            // An OIDC connection has no ACS.
            #expect(try await browser.post("/federation/saml/northwind-oidc/acs", [("SAMLResponse", "a")]).status == .notFound)
        }
    }

    @Test func anIdPInitiatedResponseLandsInTheAppsInitiateLoginURIWhenTheConnectionAcceptsThem() async throws {
        let initiate = "https://console.example/login"
        try await Self.withFederation(
            change: { directory in
                if let console = directory.apps.firstIndex(where: { $0.id == "console" }) {
                    directory.apps[console].client?.initiateLoginURI = initiate
                }
            },
            configure: { $0.keyEncryptionKey = ProviderTest.kek },
            oauth: OIDCEndpoints(keyGenerator: TestSigningKeys.generator),
            endpoints: { http in
                FederationEndpoints(
                    http: http,
                    settings: [
                        "acme-saml": .object([
                            "idp_entity_id": .string(Self.idpEntityID), "sso_url": .string(Self.ssoURL),
                            "signing_certificates": .array([.string(try Self.pem("saml-idp.crt.pem"))]),
                            "attribute_mapping": .object(["email": .string("email")]),
                            "allow_unsolicited": .bool(true), "unsolicited_app": .string("console"),
                        ])
                    ])
            }
        ) { server, client, _ in
            func unsolicited(_ idp: SAMLTestIdP) throws -> SAMLTestIdP.Issued {
                try idp.response(
                    inResponseTo: nil, audience: "\(Self.issuer)/federation/saml/acme-saml",
                    assertionConsumerServiceURL: "\(Self.issuer)\(Self.acs)", user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(0))
            }
            var browser = Browser(client)
            let back = try await Self.post(&browser, try unsolicited(Self.samlIdP()), relayState: nil)
            #expect(back.status == .seeOther)
            let landed = try await browser.get(try #require(back.headers[.location]))
            #expect(landed.status == .seeOther)
            let location = try #require(landed.headers[.location])
            #expect(location.hasPrefix(initiate + "?"))
            #expect(queryItems(of: location) == ["iss": Self.issuer, "login_hint": "ada@acme.test"])

            // The app starts its own request, which the new SSO session answers without a page.
            let pending = PendingAuthorization(app: .console)
            let answer = try await browser.get("/authorize?" + pending.query(extra: [("prompt", "none")]))
            #expect(try redirectItems(answer)["code"] != nil)
            #expect(try redirectItems(answer)["state"] == pending.state)

            // An unsolicited Response that fails verification changes nothing.
            let untrusted = SAMLTestIdP(
                entityID: Self.idpEntityID,
                signingKey: try SAMLSigningKey(privateKeyPEM: Self.pem("saml-untrusted.key.pem"), certificatePEM: Self.pem("saml-untrusted.crt.pem")))
            var other = Browser(client)
            #expect(try await Self.post(&other, try unsolicited(untrusted), relayState: nil).status == .badRequest)
        }
    }

    @Test func publishesSPMetadataPerConnection() async throws {
        let spKey = Self.keys.appendingPathComponent("saml-sp.key.pem").path
        let spCertificate = Self.keys.appendingPathComponent("saml-sp.crt.pem").path
        try await Self.withFederation(configure: {
            $0.samlKeyPath = spKey
            $0.samlCertificatePath = spCertificate
        }) { _, client, _ in
            let response = try await client.execute(uri: "/federation/saml/acme-saml/metadata", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/samlmetadata+xml") == true)
            let xml = response.text
            #expect(xml.contains(#"entityID="\#(Self.issuer)/federation/saml/acme-saml""#))
            #expect(xml.contains(#"Location="\#(Self.issuer)\#(Self.acs)""#))
            #expect(xml.contains(#"use="encryption""#))
            #expect(try await client.execute(uri: "/federation/saml/google/metadata", method: .get).status == .notFound)
        }
    }

    @Test func decryptsAnEncryptedAssertionWithTheConfiguredSPKey() async throws {
        let spKey = Self.keys.appendingPathComponent("saml-sp.key.pem").path
        let spCertificate = Self.keys.appendingPathComponent("saml-sp.crt.pem").path
        try await Self.withFederation(configure: {
            $0.samlKeyPath = spKey
            $0.samlCertificatePath = spCertificate
        }) { server, client, _ in
            var browser = Browser(client)
            let (request, relayState) = try await Self.startSAML(&browser)
            var options = SAMLTestIdP.Options()
            options.encryption = (certificatePEM: try Self.pem("saml-sp.crt.pem"), cipher: .aes256GCM)
            let issued = try Self.samlIdP().response(
                to: request, user: Self.user(), now: server.clock.now, options: options, randomBytes: Self.bytes(14))
            #expect(issued.xml.contains("EncryptedAssertion"))
            let done = try await Self.landing(&browser, try await Self.post(&browser, issued, relayState: relayState))
            #expect(done.text.contains("authenticated app=console sub=u-ada"))
        }
    }

    @Test func aConnectionWithoutUsableSettingsShowsThatCompanySignInIsUnavailable() async throws {
        try await Self.withFederation { _, client, _ in
            var browser = Browser(client)
            // The partner portal sends unknown domains to Google, whose connection has no client_id here.
            let page = try await browser.authorize("client_id=partners")
            let unavailable = try await browser.submit(page, [("email", "someone@unknown.example")])
            #expect(unavailable.status == .serviceUnavailable)
            #expect(unavailable.text.contains("Company sign-in is not available right now"))
        }
    }

    @Test func aConnectionFromMetadataPicksUpACertificateRolloverAtTheNextRefresh() async throws {
        let metadataURL = "https://idp.acme.test/metadata"
        let current = try Self.samlIdP()
        let next = SAMLTestIdP(
            entityID: Self.idpEntityID,
            signingKey: try SAMLSigningKey(privateKeyPEM: Self.pem("saml-idp-next.key.pem"), certificatePEM: Self.pem("saml-idp-next.crt.pem")))
        let host = MetadataHost(url: metadataURL, xml: try current.metadata(singleSignOnURL: Self.ssoURL).xml())
        try await Self.withFederation(endpoints: { _ in
            FederationEndpoints(
                http: host,
                settings: [
                    "acme-saml": .object([
                        "idp_entity_id": .string(Self.idpEntityID), "metadata_url": .string(metadataURL),
                        "attribute_mapping": .object(["email": .string("email")]),
                    ])
                ])
        }) { server, client, _ in
            func logIn(signedBy idp: SAMLTestIdP) async throws -> TestResponse {
                var browser = Browser(client)
                let (request, relayState) = try await Self.startSAML(&browser)
                let issued = try idp.response(to: request, user: Self.user(), now: server.clock.now, randomBytes: Self.bytes(0))
                return try await Self.landing(&browser, try await Self.post(&browser, issued, relayState: relayState))
            }
            #expect(try await logIn(signedBy: current).text.contains("authenticated app=console sub=u-ada"))
            #expect(host.fetches == 1)

            // The IdP rolls its key over and publishes only the new certificate.
            host.xml = try next.metadata(singleSignOnURL: Self.ssoURL).xml()
            #expect(try await logIn(signedBy: next).status == .forbidden)  // not fetched again yet
            server.clock.advance(7 * 3600)
            #expect(try await logIn(signedBy: next).text.contains("authenticated app=console sub=u-ada"))
            #expect(host.fetches == 2)
            #expect(try await logIn(signedBy: current).status == .forbidden)
        }
    }

    @Test func aConnectionWhoseMetadataCannotBeFetchedIsUnavailable() async throws {
        let host = MetadataHost(url: "https://idp.acme.test/other", xml: "")
        try await Self.withFederation(endpoints: { _ in
            FederationEndpoints(
                http: host,
                settings: [
                    "acme-saml": .object([
                        "idp_entity_id": .string(Self.idpEntityID), "metadata_url": .string("https://idp.acme.test/metadata"),
                    ])
                ])
        }) { _, client, _ in
            var browser = Browser(client)
            let page = try await browser.authorize()
            let unavailable = try await browser.submit(page, [("email", "ada@acme.test")])
            #expect(unavailable.status == .serviceUnavailable)
        }
    }

    // MARK: OIDC

    static func startOIDC(_ browser: inout Browser) async throws -> URL {
        let page = try await browser.authorize()
        let redirect = try await browser.submit(page, [("email", "nina@northwind.test")])
        #expect(redirect.status == .seeOther)
        let location = try #require(redirect.headers[.location])
        #expect(location.hasPrefix(oidcIssuer + "/authorize?"))
        return try #require(URL(string: location))
    }

    static func callbackURI(_ answer: Federation.AuthorizationResponse) -> String {
        var components = URLComponents()
        components.queryItems = answer.parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return "/federation/oidc/northwind-oidc/callback?" + (components.percentEncodedQuery ?? "")
    }

    @Test func anOIDCLoginEndsAuthenticatedThroughTheCallback() async throws {
        try await Self.withFederation { _, client, provider in
            var browser = Browser(client)
            let authorization = try await Self.startOIDC(&browser)
            let answer = try await provider.authorize(authorization, as: "nw-42")
            // A redirect from the IdP is a top-level GET: the callback cookie comes with it, and the login ends there.
            let done = try await browser.get(Self.callbackURI(answer))
            #expect(done.text.contains("authenticated app=console"))
            #expect(done.text.contains("org=northwind"))
            #expect(done.text.contains("amr=fed"))
        }
    }

    @Test func anOIDCCallbackWithAnUnknownStateChangesNothing() async throws {
        try await Self.withFederation { _, client, provider in
            var browser = Browser(client)
            let authorization = try await Self.startOIDC(&browser)
            var answer = try await provider.authorize(authorization, as: "nw-42")
            answer.parameters["state"] = "forged-state"
            let refused = try await browser.get(Self.callbackURI(answer))
            #expect(refused.status == .badRequest)
            #expect(try await browser.get("/federation/oidc/northwind-oidc/callback?code=x").status == .badRequest)
            #expect(try await browser.get("/federation/oidc/acme-saml/callback?state=x").status == .notFound)
        }
    }

    @Test func anIdPErrorAtTheCallbackEndsTheLoginWithTheFlowsRefusal() async throws {
        try await Self.withFederation { _, client, provider in
            var browser = Browser(client)
            let authorization = try await Self.startOIDC(&browser)
            let state = try #require(URLComponents(url: authorization, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "state" }?.value)
            let back = try await browser.get(
                Self.callbackURI(Federation.AuthorizationResponse(parameters: ["error": "access_denied", "state": state, "iss": Self.oidcIssuer])))
            let refused = try await browser.get(try #require(back.headers[.location]))
            #expect(refused.status == .forbidden)
            #expect(!refused.text.contains("authenticated"))
            _ = provider
        }
    }
}

/// Serves one IdP metadata document at one URL (404 elsewhere) and counts the fetches.
final class MetadataHost: UpstreamHTTP, Sendable {
    let url: String
    private let state: Mutex<(xml: String, fetches: Int)>

    init(url: String, xml: String) {
        self.url = url
        state = Mutex((xml, 0))
    }

    var xml: String {
        get { state.withLock { $0.xml } }
        set { state.withLock { $0.xml = newValue } }
    }

    var fetches: Int { state.withLock { $0.fetches } }

    func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        guard request.url.absoluteString == url else { return UpstreamHTTPResponse(status: 404) }
        let xml = state.withLock { state in
            state.fetches += 1
            return state.xml
        }
        return UpstreamHTTPResponse(status: 200, headers: ["content-type": "application/samlmetadata+xml"], body: Array(xml.utf8))
    }
}
