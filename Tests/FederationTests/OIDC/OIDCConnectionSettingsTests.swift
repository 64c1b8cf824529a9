import Directory
import FlowEngine
import Foundation
import Testing

@testable import Federation

/// Reading a connection's `settings` object: defaults, and clear errors for what is wrong.
@Suite("OIDC connection settings")
struct OIDCConnectionSettingsTests {
    static let callback = URL(string: "https://gatehouse.test/federation/callback")!

    func connection(_ settings: [String: PlainJSON], levels: [String: LevelName] = [:]) -> Connection {
        Connection(id: "acme-oidc", kind: .oidc, displayName: "Acme", levelMapping: levels, settings: .object(settings))
    }

    func expectConfigurationError(_ settings: [String: PlainJSON], mentioning text: String) {
        do {
            let parsed = try OIDCConnectionSettings(connection: connection(settings), defaultRedirectURI: Self.callback)
            try parsed.validate()
            Issue.record("settings were accepted: \(settings)")
        } catch let error as FederationError {
            #expect(error.code == .configuration)
            #expect(error.reason.contains(text), "\(error.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("fills in the defaults")
    func defaults() throws {
        let settings = try OIDCConnectionSettings(
            connection: connection(["issuer": "https://idp.test", "client_id": "c1", "client_secret": "s1"], levels: ["urn:mfa": "loa2"]),
            defaultRedirectURI: Self.callback)
        try settings.validate()
        #expect(settings.discoveryURL.absoluteString == "https://idp.test/.well-known/openid-configuration")
        #expect(settings.tokenEndpointAuthMethod == .clientSecretBasic)
        #expect(settings.scopes == ["openid", "email", "profile"])
        #expect(settings.allowedAlgorithms == [.rs256, .es256])
        #expect(settings.clockSkew == 120)
        #expect(settings.redirectURI == Self.callback)
        #expect(settings.levels.acr == ["urn:mfa": "loa2"])
        #expect(settings.expectedIssuer == .exactly("https://idp.test"))
        #expect(settings.clientSecret?.description == "<redacted>")
    }

    @Test("reads every documented key")
    func readsEveryKey() throws {
        let settings = try OIDCConnectionSettings(
            connection: connection([
                "issuer": "https://login.example/{tenantid}/v2.0", "discovery_url": "https://login.example/common/.well-known/openid-configuration",
                "client_id": "c1", "private_key": .string(try OIDCFixtures.clientPrivateKey), "private_key_id": "k1",
                "scopes": .array([.string("email")]), "allowed_algorithms": .array([.string("PS256")]), "clock_skew_seconds": 30,
                "acr_levels": .object(["urn:a": "loa3"]), "amr_levels": .array([.object(["amr": .array([.string("hwk")]), "level": "loa3"])]),
                "redirect_uri": "https://gatehouse.test/cb", "response_mode": "form_post", "userinfo": false, "trust_unverified_email": true,
                "email_verified_claims": .array([.string("xms_edov")]), "allowed_tenants": .array([.string("t1")]),
                "required_claims": .object(["hd": .array([.string("acme.test")])]), "jwks_refetch_interval_seconds": 300,
            ]), defaultRedirectURI: nil)
        try settings.validate()
        #expect(settings.tokenEndpointAuthMethod == .privateKeyJWT)
        #expect(settings.scopes == ["openid", "email"])
        #expect(settings.allowedAlgorithms == [.ps256])
        #expect(settings.responseMode == .formPost)
        #expect(settings.expectedIssuer == .tenantTemplate("https://login.example/{tenantid}/v2.0", allowedTenants: ["t1"]))
        #expect(settings.levels.level(acr: nil, amr: ["hwk"]) == "loa3")
        #expect(settings.requiredClaims == ["hd": ["acme.test"]])
        #expect(settings.jwksRefetchInterval == 300)
    }

    @Test("refuses unknown keys, naming them")
    func refusesUnknownKey() {
        expectConfigurationError(["issuer": "https://idp.test", "client_id": "c1", "client_secert": "s1"], mentioning: "client_secert")
    }

    @Test("refuses alg none in the allow-list")
    func refusesNone() {
        expectConfigurationError(
            ["issuer": "https://idp.test", "client_id": "c1", "client_secret": "s", "allowed_algorithms": .array([.string("none")])],
            mentioning: "'none' is never allowed")
    }

    @Test("refuses HS256 without a client secret to verify it with")
    func refusesHS256WithoutSecret() throws {
        expectConfigurationError(
            [
                "issuer": "https://idp.test", "client_id": "c1", "private_key": .string(try OIDCFixtures.clientPrivateKey),
                "allowed_algorithms": .array([.string("HS256")]),
            ], mentioning: "HS256")
        expectConfigurationError(
            ["issuer": "https://idp.test", "client_id": "c1", "client_secret": "short", "allowed_algorithms": .array([.string("HS256")])],
            mentioning: "32 bytes")
    }

    @Test("refuses a method without its credential, and a key that is not a key")
    func refusesMissingCredential() {
        expectConfigurationError(["issuer": "https://idp.test", "client_id": "c1"], mentioning: "needs client_secret")
        expectConfigurationError(
            ["issuer": "https://idp.test", "client_id": "c1", "token_endpoint_auth_method": "private_key_jwt"], mentioning: "needs private_key")
        expectConfigurationError(["issuer": "https://idp.test", "client_id": "c1", "private_key": "not a key"], mentioning: "PEM")
    }

    @Test("refuses plain http endpoints, except loopback when allowed")
    func refusesPlainHTTP() throws {
        expectConfigurationError(["issuer": "http://idp.test", "client_id": "c1", "client_secret": "s"], mentioning: "https")
        let loopback = try OIDCConnectionSettings(
            connection: connection(["issuer": "http://127.0.0.1:8081", "client_id": "c1", "client_secret": "s"]),
            defaultRedirectURI: Self.callback)
        #expect(throws: FederationError(.configuration, "")) { try loopback.validate() }
        try loopback.validate(allowsPlainHTTPOnLoopback: true)
    }

    @Test("requires issuer, client_id and a redirect URI")
    func requiresEssentials() {
        expectConfigurationError(["client_id": "c1"], mentioning: "issuer")
        expectConfigurationError(["issuer": "https://idp.test"], mentioning: "client_id")
        #expect(throws: FederationError(.configuration, "")) {
            _ = try OIDCConnectionSettings(
                connection: connection(["issuer": "https://idp.test", "client_id": "c1", "client_secret": "s"]), defaultRedirectURI: nil)
        }
    }

    @Test("refuses a setting that belongs to another kind of connection")
    func refusesOtherKindsKeys() throws {
        expectConfigurationError(
            ["issuer": "https://idp.test", "client_id": "c1", "client_secret": "s", "tenant": "common"], mentioning: "microsoft")
        let github = Connection(
            id: "gh", kind: .github, displayName: "GitHub",
            settings: .object(["client_id": "c", "client_secret": "s", "issuer": "https://github.com"]))
        #expect(throws: FederationError(.configuration, "")) {
            _ = try FederatedLogins.make(for: github, http: FakeNetwork(), defaultRedirectURI: Self.callback)
        }
        let google = Connection(
            id: "g", kind: .google, displayName: "Google", settings: .object(["client_id": "c", "client_secret": "s", "team_id": "T"]))
        #expect(throws: FederationError(.configuration, "")) {
            _ = try FederatedLogins.make(for: google, http: FakeNetwork(), defaultRedirectURI: Self.callback)
        }
    }
}
