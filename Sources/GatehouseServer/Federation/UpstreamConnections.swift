import Directory
import Federation
import FlowEngine
import Foundation
import Logging

/// The upstream IdPs of the directory, each made ready once when the server starts: a SAML
/// connection's service-provider settings and response validator (IdP certificates parsed once), an
/// OAuth connection's relying party (discovery document and keys cached).
///
/// Our URLs for connection `C`, under the issuer:
///
/// | | |
/// |---|---|
/// | SAML SP entityID | `{issuer}/federation/saml/C` |
/// | SAML AssertionConsumerService (HTTP-POST) | `{issuer}/federation/saml/C/acs` |
/// | SAML SP metadata | `{issuer}/federation/saml/C/metadata` |
/// | OIDC / OAuth redirect URI | `{issuer}/federation/oidc/C/callback` |
struct UpstreamConnections: Sendable {
    /// One connection, ready to use or not.
    enum Upstream: Sendable {
        /// A SAML IdP.
        case saml(SAMLConnectionSource)
        /// An OIDC provider or OAuth social login.
        case oauth(any FederatedLogin)
        /// Configured in the directory but not usable (missing or invalid settings); the reason is for
        /// the operator's log, never for the user.
        case unavailable(reason: String)
    }

    /// The connections by id.
    let upstreams: [ConnectionID: Upstream]
    /// For SAML connections that accept IdP-initiated Responses (`allow_unsolicited`): the app such a
    /// login lands in (`unsolicited_app`).
    let unsolicitedApps: [ConnectionID: AppID]
    /// Our SAML key: signs AuthnRequests when a connection asks, decrypts encrypted assertions.
    let serviceProviderKey: ServiceProviderKey?

    /// Our SAML key pair, PEM.
    struct ServiceProviderKey: Sendable {
        /// The private key.
        var privateKeyPEM: String
        /// Its certificate, published in our SP metadata.
        var certificatePEM: String
        /// The key loaded for signing.
        var signingKey: SAMLSigningKey
    }

    /// The SP entityID for `connection`.
    static func entityID(issuer: String, connection: ConnectionID) -> String { "\(issuer)/federation/saml/\(connection.rawValue)" }
    /// The ACS URL for `connection`.
    static func assertionConsumerServiceURL(issuer: String, connection: ConnectionID) -> String {
        "\(entityID(issuer: issuer, connection: connection))/acs"
    }
    /// The OAuth redirect URI for `connection`.
    static func redirectURI(issuer: String, connection: ConnectionID) -> String {
        "\(issuer)/federation/oidc/\(connection.rawValue)/callback"
    }

    /// Prepares every connection of the directory.
    /// - Parameters:
    ///   - connections: The directory's connections.
    ///   - settings: Settings that replace a connection's own (the demo's built-in test IdPs).
    ///   - issuer: Our public base URL.
    ///   - key: Our SAML key pair, if configured.
    ///   - http: The network edge of OAuth connections.
    ///   - replayCache: Where SAML assertion IDs are claimed (shared by every node through the store).
    ///   - random: Where `state`, `nonce` and PKCE verifiers come from.
    ///   - allowsPlainHTTPOnLoopback: Accept `http://` loopback IdPs (the demo, tests).
    ///   - now: The clock of metadata refreshes.
    ///   - logger: Where unusable connections are reported.
    static func make(
        connections: [Connection], settings: [ConnectionID: PlainJSON] = [:], issuer: String, key: ServiceProviderKey?,
        http: any UpstreamHTTP, replayCache: any AssertionReplayCache, random: RandomBytes, allowsPlainHTTPOnLoopback: Bool,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) -> UpstreamConnections {
        var upstreams: [ConnectionID: Upstream] = [:]
        var unsolicitedApps: [ConnectionID: AppID] = [:]
        for var connection in connections {
            if let replacement = settings[connection.id] { connection.settings = replacement }
            do {
                if connection.kind == .saml {
                    upstreams[connection.id] = .saml(
                        try samlSource(connection, issuer: issuer, key: key, http: http, replayCache: replayCache, now: now))
                    unsolicitedApps[connection.id] = unsolicitedApp(of: connection)
                } else {
                    upstreams[connection.id] = .oauth(
                        try FederatedLogins.make(
                            for: connection, http: http,
                            defaultRedirectURI: URL(string: redirectURI(issuer: issuer, connection: connection.id)), random: random,
                            allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback, logger: logger))
                }
            } catch {
                // The type only for other errors: their descriptions may quote settings.
                let reason = (error as? FederationError)?.reason ?? String(reflecting: type(of: error))
                upstreams[connection.id] = .unavailable(reason: reason)
                logger.warning(
                    "connection is not usable; logins through it will fail",
                    metadata: ["connection": .string(connection.id.rawValue), "reason": .string(reason)])
            }
        }
        return UpstreamConnections(upstreams: upstreams, unsolicitedApps: unsolicitedApps, serviceProviderKey: key)
    }

    /// A SAML connection from its settings: fixed, or completed by its metadata URL.
    private static func samlSource(
        _ connection: Connection, issuer: String, key: ServiceProviderKey?, http: any UpstreamHTTP, replayCache: any AssertionReplayCache,
        now: @escaping @Sendable () -> Date
    ) throws -> SAMLConnectionSource {
        let build: @Sendable (Connection) throws -> (SAMLServiceProvider, SAMLResponseValidator) = { connection in
            let serviceProvider = try SAMLServiceProvider(
                connection: connection, entityID: entityID(issuer: issuer, connection: connection.id),
                assertionConsumerServiceURL: assertionConsumerServiceURL(issuer: issuer, connection: connection.id),
                decryptionKeyPEM: key?.privateKeyPEM)
            if serviceProvider.signAuthnRequests, key == nil {
                throw FederationError(.configuration, "connection '\(connection.id)' signs AuthnRequests but the server has no saml_sp_key")
            }
            return (serviceProvider, try SAMLResponseValidator(serviceProvider: serviceProvider, replayCache: replayCache))
        }
        if case .object(let raw)? = connection.settings, case .string(let url)? = raw["metadata_url"] {
            return .metadata(try MetadataBackedSAMLConnection(connection: connection, url: url, http: http, now: now, build: build))
        }
        let (serviceProvider, validator) = try build(connection)
        return .fixed(serviceProvider, validator)
    }

    /// The app IdP-initiated logins of a SAML connection land in: `unsolicited_app`, when `allow_unsolicited` is set.
    private static func unsolicitedApp(of connection: Connection) -> AppID? {
        guard case .object(let raw)? = connection.settings, raw["allow_unsolicited"] == .bool(true),
            case .string(let app)? = raw["unsolicited_app"]
        else { return nil }
        return AppID(app)
    }

    /// The connection `id`.
    subscript(id: ConnectionID) -> Upstream? { upstreams[id] }
}
