import Directory
import FlowEngine
import Foundation
import Testing

@testable import Federation

/// A social connection wired to an in-process provider standing in for Google, Microsoft or Apple.
struct SocialHarness {
    static let redirectURI = URL(string: "https://gatehouse.test/federation/callback")!

    let clock = TestClock()
    let provider: TestOIDCProvider
    let login: any FederatedLogin

    init(
        kind: ConnectionKind, provider configuration: TestOIDCProvider.Configuration, client: TestOIDCProvider.Client,
        users: [TestOIDCProvider.User], settings: [String: PlainJSON]
    ) async throws {
        let keys = try OIDCFixtures.providerKeys()
        provider = TestOIDCProvider(configuration: configuration, keys: [keys.rs256, keys.es256], now: clock.closure)
        await provider.register(client)
        for user in users { await provider.add(user) }
        let connection = Connection(id: ConnectionID(kind.rawValue), kind: kind, displayName: kind.rawValue, settings: .object(settings))
        login = try FederatedLogins.make(
            for: connection, http: FakeNetwork(provider: provider, prefix: configuration.baseURL.absoluteString),
            defaultRedirectURI: Self.redirectURI)
    }

    func run(as subject: String) async throws -> (identity: UpstreamIdentity, redirect: LoginRedirect) {
        let redirect = try await login.startLogin(
            UpstreamRequest(step: "social", connection: login.connection, kind: nil, loginHint: nil, requiredLevel: nil), now: clock.now)
        let answer = try await provider.authorize(redirect.url, as: subject)
        return (try await login.finishLogin(answer, transaction: redirect.transaction, now: clock.now), redirect)
    }
}

@Suite("Social presets: Google")
struct GooglePresetTests {
    static let clientID = "1234-gatehouse.apps.googleusercontent.com"

    func harness(_ extra: [String: PlainJSON] = [:]) async throws -> SocialHarness {
        try await SocialHarness(
            kind: .google, provider: .init(issuer: GooglePreset.issuer),
            client: .init(clientID: Self.clientID, redirectURIs: [SocialHarness.redirectURI], authentication: .clientSecretBasic("g-secret")),
            users: [
                .init(subject: "110169484474386276334", email: "alice@acme.test", name: "Alice", amr: [], claims: ["hd": "acme.test"]),
                .init(subject: "110169484474386276999", email: "bob@gmail.test", amr: []),
            ],
            settings: ["client_id": .string(Self.clientID), "client_secret": "g-secret"].merging(extra) { $1 })
    }

    @Test("logs in against Google's issuer with a verified email")
    func logsIn() async throws {
        let (identity, redirect) = try await harness().run(as: "110169484474386276334")
        #expect(identity.connection == "google")
        #expect(identity.subject == "110169484474386276334")
        #expect(identity.email == "alice@acme.test")
        #expect(identity.claims["hd"] == "acme.test")
        #expect(redirect.url.absoluteString.hasPrefix("https://accounts.google.com/authorize?"))
    }

    @Test("allowed_hosted_domains refuses other Workspace domains and personal accounts")
    func restrictsHostedDomain() async throws {
        let harness = try await harness(["allowed_hosted_domains": .array(["acme.test"])])
        #expect(try await harness.run(as: "110169484474386276334").identity.email == "alice@acme.test")
        await #expect(throws: FederationError(.tokenInvalid, "")) { _ = try await harness.run(as: "110169484474386276999") }
    }

    @Test("the issuer of a preset cannot be moved by configuration")
    func refusesIssuerOverride() async throws {
        await #expect(throws: FederationError(.configuration, "")) { _ = try await harness(["issuer": "https://evil.test"]) }
    }
}

@Suite("Social presets: Microsoft")
struct MicrosoftPresetTests {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let clientID = "6731de76-14a6-49ae-97bc-6eba6914391e"

    func harness(
        _ extra: [String: PlainJSON] = [:], tenant: String = tenant, misbehave: TestOIDCProvider.Misbehaviour = .init()
    ) async throws -> SocialHarness {
        let harness = try await SocialHarness(
            kind: .microsoft,
            provider: .init(
                issuer: MicrosoftPreset.issuerTemplate, baseURL: URL(string: "https://login.microsoftonline.com/organizations/v2.0")!,
                tenantID: tenant, supportsIssuerParameter: false),
            client: .init(clientID: Self.clientID, redirectURIs: [SocialHarness.redirectURI], authentication: .clientSecretBasic("m-secret")),
            users: [
                .init(
                    subject: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", email: "alice@contoso.test", emailVerified: nil, amr: [],
                    claims: ["xms_edov": true]),
                .init(subject: "AAAAAAAAAAAAAAAAAAAAAMallory0000000000000000", email: "ceo@contoso.test", emailVerified: nil, amr: []),
            ],
            settings: ["client_id": .string(Self.clientID), "client_secret": "m-secret"].merging(extra) { $1 })
        await harness.provider.misbehave(misbehave)
        return harness
    }

    @Test("accepts the tenant's own issuer, filled into the template from tid")
    func logsInWithTenantIssuer() async throws {
        let (identity, _) = try await harness().run(as: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ")
        #expect(identity.claims["iss"] == "https://login.microsoftonline.com/\(Self.tenant)/v2.0")
        #expect(identity.claims["tid"] == Self.tenant)
        #expect(identity.email == "alice@contoso.test")
    }

    @Test("an email without xms_edov (domain owner verified) is not passed on")
    func dropsUnverifiedEmail() async throws {
        let (identity, _) = try await harness().run(as: "AAAAAAAAAAAAAAAAAAAAAMallory0000000000000000")
        #expect(identity.email == nil)
    }

    @Test("rejects a tenant outside allowed_tenants")
    func rejectsTenantNotAllowed() async throws {
        let harness = try await harness(["allowed_tenants": .array(["00000000-0000-0000-0000-000000000001"])])
        await #expect(throws: FederationError(.issuerMismatch, "")) {
            _ = try await harness.run(as: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ")
        }
    }

    @Test("rejects a token whose tid does not match its iss")
    func rejectsTenantIssuerMismatch() async throws {
        let harness = try await harness(misbehave: misbehaviour { $0.idTokenClaims = ["tid": "00000000-0000-0000-0000-000000000001"] })
        await #expect(throws: FederationError(.issuerMismatch, "")) {
            _ = try await harness.run(as: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ")
        }
    }

    @Test("refuses a discovery document that names a concrete tenant instead of the template")
    func rejectsDiscoveryWithoutTemplate() async throws {
        let harness = try await harness(
            misbehave: misbehaviour {
                $0.discoveryIssuer = "https://login.microsoftonline.com/\(Self.tenant)/v2.0"
            })
        await #expect(throws: FederationError(.issuerMismatch, "")) {
            _ = try await harness.run(as: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ")
        }
    }

    @Test("refuses a tenant setting that is neither a keyword nor a GUID")
    func refusesBadTenant() async throws {
        await #expect(throws: FederationError(.configuration, "")) { _ = try await harness(["tenant": "contoso.onmicrosoft.com"]) }
    }
}

@Suite("Social presets: Apple")
struct ApplePresetTests {
    static let clientID = "com.acme.gatehouse"
    static let teamID = "TEAM123456"
    static let keyID = "KEY1234567"

    func harness(registeredKey: String? = nil) async throws -> SocialHarness {
        try await SocialHarness(
            kind: .apple, provider: .init(issuer: ApplePreset.issuer, hasUserInfo: false),
            client: .init(
                clientID: Self.clientID, redirectURIs: [SocialHarness.redirectURI],
                authentication: .appleClientSecret(
                    teamID: Self.teamID, keyID: Self.keyID, publicKeyPEM: try registeredKey ?? OIDCFixtures.applePublicKey),
                defaultResponseMode: .formPost),
            users: [
                .init(
                    subject: "001234.abcdef0123456789.1234", email: "x7k2@privaterelay.appleid.com", emailVerified: nil, amr: [],
                    claims: ["email_verified": "true", "is_private_email": "true"])
            ],
            settings: [
                "client_id": .string(Self.clientID), "team_id": .string(Self.teamID), "key_id": .string(Self.keyID),
                "private_key": .string(try OIDCFixtures.applePrivateKey),
            ])
    }

    @Test("logs in with form_post and an ES256 client secret made from team id, key id and key")
    func logsIn() async throws {
        let harness = try await harness()
        let (identity, redirect) = try await harness.run(as: "001234.abcdef0123456789.1234")
        let query = UpstreamHTTPRequest.get(redirect.url).queryParameters
        #expect(query["response_mode"] == "form_post")
        #expect(query["scope"] == "openid email name")
        #expect(redirect.responseMode == .formPost)
        #expect(identity.subject == "001234.abcdef0123456789.1234")
        #expect(identity.email == "x7k2@privaterelay.appleid.com")
        #expect(await harness.provider.requestCount(path: "/userinfo") == 0)
    }

    @Test("the answer comes back as an auto-submitted form that parses as the callback")
    func answersWithFormPost() async throws {
        let harness = try await harness()
        let redirect = try await harness.login.startLogin(
            UpstreamRequest(step: "social", connection: "apple", kind: .apple, loginHint: nil, requiredLevel: nil), now: harness.clock.now)
        let page = await harness.provider.handle(.get(redirect.url))
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(page.status == 200)
        #expect(html.contains("method=\"post\" action=\"\(SocialHarness.redirectURI.absoluteString)\""))
        #expect(html.contains("name=\"state\" value=\"\(redirect.transaction.state)\""))
        let answer = try await harness.provider.authorize(redirect.url, as: "001234.abcdef0123456789.1234")
        let posted = AuthorizationResponse(formBody: FormURLEncoding.encode(answer.parameters.sorted { $0.key < $1.key }))
        let identity = try await harness.login.finishLogin(posted, transaction: redirect.transaction, now: harness.clock.now)
        #expect(identity.email == "x7k2@privaterelay.appleid.com")
    }

    @Test("a client secret signed with another key is refused by the provider")
    func refusesClientSecretFromAnotherKey() async throws {
        let harness = try await harness(registeredKey: try OIDCFixtures.pem("oidc-provider-es256.pub.pem"))
        await #expect(throws: FederationError(.statusNotSuccess, "")) { _ = try await harness.run(as: "001234.abcdef0123456789.1234") }
    }

    @Test("requires team_id, key_id and a P-256 private_key")
    func requiresKeySettings() async throws {
        let connection = Connection(
            id: "apple", kind: .apple, displayName: "Apple",
            settings: .object(["client_id": "com.acme", "team_id": "T", "key_id": "K", "private_key": .string(try OIDCFixtures.clientPrivateKey)]))
        #expect(throws: FederationError(.configuration, "")) {
            _ = try FederatedLogins.make(for: connection, http: FakeNetwork(), defaultRedirectURI: SocialHarness.redirectURI)
        }
    }
}
