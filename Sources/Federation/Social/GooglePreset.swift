import Directory
import FlowEngine
import Foundation

/// Google sign-in over OpenID Connect (issuer `https://accounts.google.com`).
///
/// Settings (`kind: "google"`):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `client_id` | required | The OAuth client id from the Google Cloud console. |
/// | `client_secret` | required | Its secret (sent with `client_secret_basic`). |
/// | `redirect_uri` | the server's default | Must be listed as an authorised redirect URI at Google. |
/// | `scopes` | `["openid", "email", "profile"]` | |
/// | `allowed_hosted_domains` | any | Google Workspace domains accepted (the `hd` claim); personal accounts have none and are refused when set. |
///
/// Any other OIDC setting (``OIDCConnectionSettings``) may be given, except `issuer` and
/// `discovery_url`, which are Google's. Keys are from Google's JWKS; ID tokens are RS256. `email`
/// is passed on only with `email_verified: true`.
public enum GooglePreset {
    /// Google's issuer, exactly as it writes `iss` for the authorization code flow.
    public static let issuer = "https://accounts.google.com"

    /// The OIDC settings of a Google connection.
    ///
    /// - Throws: ``FederationError/Code/configuration`` naming the wrong setting.
    public static func settings(for connection: Connection, defaultRedirectURI: URL?) throws -> OIDCConnectionSettings {
        let raw = try RawSettings.decode(for: connection)
        try SocialPreset.refuseFixedKeys(raw, connection: connection, kind: "google")
        var settings = try OIDCConnectionSettings(
            raw: raw, issuer: issuer, connection: connection, defaultRedirectURI: defaultRedirectURI,
            defaults: PresetDefaults(tokenEndpointAuthMethod: .clientSecretBasic))
        if let domains = raw.allowedHostedDomains {
            settings.requiredClaims["hd"] = Set(domains.map { $0.lowercased() })
        }
        return settings
    }
}
