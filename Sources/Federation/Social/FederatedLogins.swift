import Directory
import FlowEngine
import Foundation
import Logging

/// Builds the ``FederatedLogin`` for a configured connection: a generic OIDC relying party, or one
/// of the social presets (``GooglePreset``, ``MicrosoftPreset``, ``GitHubLogin``, ``ApplePreset``).
///
/// Build one per connection when configuration is loaded and keep it: it caches the provider's
/// discovery document and keys.
public enum FederatedLogins {
    /// The login for `connection`.
    ///
    /// - Parameters:
    ///   - connection: A connection of kind `oidc`, `google`, `microsoft`, `github` or `apple`.
    ///   - http: The network edge, shared by all connections.
    ///   - defaultRedirectURI: The callback URL for connections whose settings name none.
    ///   - random: Where `state`, `nonce`, PKCE verifiers and `jti` come from.
    ///   - allowsPlainHTTPOnLoopback: Accept `http://` loopback endpoints (tests, the local demo).
    ///   - logger: Where failures are logged. No-op by default.
    /// - Throws: ``FederationError/Code/configuration`` for a SAML connection or wrong settings.
    public static func make(
        for connection: Connection, http: any UpstreamHTTP, defaultRedirectURI: URL?, random: RandomBytes = .system,
        allowsPlainHTTPOnLoopback: Bool = false,
        logger: Logger = Logger(label: "gatehouse.federation", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> any FederatedLogin {
        func relyingParty(_ settings: OIDCConnectionSettings, secret: ClientSecretSource? = nil) throws -> OIDCRelyingParty {
            try OIDCRelyingParty(
                connection: connection.id, settings: settings, http: http, random: random, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback,
                logger: logger, secretSource: secret ?? settings.clientSecret.map(ClientSecretSource.fixed))
        }
        switch connection.kind {
        case .oidc:
            return try relyingParty(OIDCConnectionSettings(connection: connection, defaultRedirectURI: defaultRedirectURI))
        case .google:
            return try relyingParty(GooglePreset.settings(for: connection, defaultRedirectURI: defaultRedirectURI))
        case .microsoft:
            return try relyingParty(MicrosoftPreset.settings(for: connection, defaultRedirectURI: defaultRedirectURI))
        case .apple:
            let (settings, secret) = try ApplePreset.settings(for: connection, defaultRedirectURI: defaultRedirectURI)
            return try relyingParty(settings, secret: .appleSigned(secret))
        case .github:
            return try GitHubLogin(
                connection: connection.id, settings: GitHubLogin.Settings(connection: connection, defaultRedirectURI: defaultRedirectURI),
                http: http, random: random, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback, logger: logger)
        case .saml:
            throw FederationError(.configuration, "connection '\(connection.id)' is SAML; it has no OAuth login")
        }
    }
}

/// Checks shared by the social presets.
enum SocialPreset {
    /// A preset's issuer and discovery URL are the provider's; configuration may not move them.
    static func refuseFixedKeys(_ raw: RawSettings, connection: Connection, kind: String) throws {
        if raw.issuer != nil || raw.discoveryURL != nil {
            throw FederationError(
                .configuration, "connection '\(connection.id)': issuer and discovery_url are fixed for \(kind); use kind 'oidc' to set them")
        }
    }
}
