import Directory
import FlowEngine
import Testing
@testable import OIDCProvider

struct OIDCClientTests {
    let app = Application(id: "app", name: "App", flow: "f", requiredLevel: "loa2", redirectURIs: ["https://app.example/cb"])

    @Test("an app without settings is a confidential client_secret_basic client without a secret")
    func defaults() throws {
        let client = try OIDCClient(application: app, settings: nil)
        #expect(client.type == .confidential)
        #expect(client.authMethod == .clientSecretBasic)
        #expect(client.secretHash == nil)
        #expect(client.idTokenAlgorithm == .rs256)
        #expect(client.subjectType == .public)
        #expect(client.requiredLevel == "loa2")
        #expect(!client.requiresPKCE)
    }

    @Test("a public client always uses method none and requires PKCE")
    func publicClient() throws {
        let client = try OIDCClient(application: app, settings: OIDCClientSettings(type: .public))
        #expect(client.authMethod == .none)
        #expect(client.requiresPKCE)
    }

    @Test("registrations that are refused", arguments: [
        ("unknown alg", OIDCClientSettings(idTokenSignedResponseAlg: "HS256"), ["https://app.example/cb"]),
        ("alg none", OIDCClientSettings(idTokenSignedResponseAlg: "none"), ["https://app.example/cb"]),
        ("unknown subject type", OIDCClientSettings(subjectType: "random"), ["https://app.example/cb"]),
        ("pairwise across hosts", OIDCClientSettings(subjectType: "pairwise"), ["https://a.example/cb", "https://b.example/cb"]),
        ("bad secret hash", OIDCClientSettings(secretHash: "abc"), ["https://app.example/cb"]),
        ("bad JWKS", OIDCClientSettings(tokenEndpointAuthMethod: .privateKeyJWT, jwks: .object(["keys": .array([])])), ["https://app.example/cb"]),
        ("confidential with none", OIDCClientSettings(tokenEndpointAuthMethod: .none), ["https://app.example/cb"]),
        ("redirect URI with fragment", OIDCClientSettings(), ["https://app.example/cb#x"]),
        ("relative redirect URI", OIDCClientSettings(), ["/cb"]),
    ])
    func rejectsRegistration(name: String, settings: OIDCClientSettings, redirectURIs: [String]) {
        var app = app
        app.redirectURIs = redirectURIs
        #expect(throws: OIDCProviderError.invalidClientRegistration(""), "\(name)") {
            try OIDCClient(application: app, settings: settings)
        }
    }

    @Test("the registry reads each app's own client settings from the directory")
    func registryFromDirectory() throws {
        var spa = Application(id: "spa", name: "SPA", flow: "f", redirectURIs: ["https://spa.example/cb"])
        spa.client = OIDCClientSettings(type: .public)
        let registry = try ClientRegistry(directory: DirectoryConfig(apps: [app, spa]))
        #expect(registry.client(id: "spa")?.requiresPKCE == true)
        #expect(registry.client(id: "app")?.authMethod == .clientSecretBasic)
    }

    @Test("the registry is built from the directory's apps and a settings lookup")
    func registryFromApplications() throws {
        let other = Application(id: "other", name: "Other", flow: "f", redirectURIs: ["https://other.example/cb"])
        let registry = try ClientRegistry(applications: [app, other]) { $0.id == "other" ? OIDCClientSettings(type: .public) : nil }
        #expect(registry.client(id: "app")?.type == .confidential)
        #expect(registry.client(id: "other")?.type == .public)
        #expect(registry.client(id: "missing") == nil)
        #expect(registry.all.map(\.id) == ["app", "other"])
    }
}
