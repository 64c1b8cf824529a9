import Authenticators
import Directory
import FlowEngine
import Foundation
import Logging
import OIDCProvider

/// The OpenID provider's parts, assembled once from the server's runtime: its configuration, clients,
/// signing keys, token service and request validators.
///
/// ```swift
/// let provider = try await OpenIDProvider.make(runtime: runtime)
/// let code = try await provider.tokens.issueCode(request: authorization, session: session, now: runtime.clock())
/// ```
struct OpenIDProvider: Sendable {
    /// The server's parts (store, clock, pages, metrics).
    let runtime: GatehouseRuntime
    /// Issuer, lifetimes, pairwise salt, levels.
    let configuration: ProviderConfiguration
    /// Every app, as a client.
    let registry: ClientRegistry
    /// The signing keys, sealed in the store under the key-encryption key.
    let keys: SigningKeyStore
    /// Codes, tokens, userinfo, introspection, revocation.
    let tokens: TokenService
    /// `/authorize` requests.
    let authorizationValidator: AuthorizationRequestValidator
    /// `/logout` requests.
    let endSessionValidator: EndSessionValidator

    /// Where a generated pairwise salt is kept when the configuration gives none.
    static let saltNamespace = "oidc.pairwise-salt"

    /// Builds the provider: reads the key-encryption key, finds or makes the pairwise salt, resolves
    /// every app's client registration, opens (or creates) the signing keys and rotates them when due.
    /// - Parameters:
    ///   - keyOverlap: How long retired signing keys stay published.
    ///   - limits: Authorization request parameter limits.
    ///   - keyGenerator: Where new signing keys come from.
    /// - Throws: ``ServerConfigurationError`` without a key-encryption key; `OIDCProviderError` for an
    ///   unusable issuer, client registration or key ring (a wrong key-encryption key among them).
    static func make(
        runtime: GatehouseRuntime, keyOverlap: Duration, limits: ParameterLimits, keyGenerator: SigningKeyGenerator
    ) async throws -> OpenIDProvider {
        let settings = runtime.configuration
        guard let kekBytes = settings.keyEncryptionKey else {
            throw ServerConfigurationError(
                "the OIDC provider needs a key-encryption key for its signing keys: set \(KeyEncryptionKey.environmentVariable) "
                    + "to 32 random bytes in base64 (openssl rand -base64 32), or key_encryption_key in the configuration file")
        }
        let kek = try KeyEncryptionKey(base64: Data(kekBytes).base64EncodedString())
        let now = runtime.clock()
        let configuration = try ProviderConfiguration(
            issuer: settings.issuer, pairwiseSalt: try await pairwiseSalt(runtime, now: now),
            levels: runtime.directory.config.levels.map(\.name))
        let registry = try ClientRegistry(applications: applications(runtime))
        let keys = try await SigningKeyStore.open(
            store: runtime.store, kek: kek, now: now, overlap: keyOverlap, random: runtime.random, generator: keyGenerator)
        try await SigningKeyMaintenance(runtime: runtime, keys: keys).check()
        let kids = await keys.jwks(now: now).keys.map(\.kid).joined(separator: ",")
        runtime.logger.info(
            "OIDC provider ready",
            metadata: [
                "issuer": .string(configuration.issuer), "clients": .stringConvertible(registry.all.count), "kids": .string(kids),
            ])
        return OpenIDProvider(
            runtime: runtime, configuration: configuration, registry: registry, keys: keys,
            tokens: TokenService(configuration: configuration, registry: registry, keys: keys, store: runtime.store, random: runtime.random),
            authorizationValidator: AuthorizationRequestValidator(registry: registry, configuration: configuration, limits: limits),
            endSessionValidator: EndSessionValidator(keys: keys, registry: registry, configuration: configuration))
    }

    /// The directory's apps; with the `/demo` app on, `console` also accepts the demo's own callback
    /// and sign-out return on whatever address the server runs, so `serve --demo --port 9000` works too.
    static func applications(_ runtime: GatehouseRuntime) -> [Application] {
        runtime.directory.config.apps.map { application in
            guard runtime.configuration.demo, application.id.rawValue == DemoRoutes.clientID else { return application }
            var demo = application
            let callback = runtime.configuration.issuer + DemoRoutes.callbackPath
            if !demo.redirectURIs.contains(callback) { demo.redirectURIs.append(callback) }
            var client = demo.client ?? OIDCClientSettings()
            let home = runtime.configuration.issuer + DemoRoutes.homePath
            if !client.postLogoutRedirectURIs.contains(home) { client.postLogoutRedirectURIs.append(home) }
            demo.client = client
            return demo
        }
    }

    /// The configured pairwise salt; else the one kept in the store, made on the first start of the
    /// first node (insert-if-absent, so every node ends up with the same one).
    static func pairwiseSalt(_ runtime: GatehouseRuntime, now: Date) async throws -> [UInt8] {
        if let configured = runtime.configuration.pairwiseSalt { return configured }
        let never = Date(timeIntervalSince1970: 253_402_300_799)
        if try await runtime.store.insertEphemeralIfAbsent(
            namespace: saltNamespace, key: "salt", value: Data(runtime.random.bytes(32)), expiresAt: never, now: now)
        {
            runtime.logger.notice("generated the pairwise subject salt and stored it in the database")
        }
        guard let stored = try await runtime.store.ephemeral(namespace: saltNamespace, key: "salt", now: now) else {
            throw ServerConfigurationError("the pairwise subject salt could not be stored")
        }
        return Array(stored)
    }
}
