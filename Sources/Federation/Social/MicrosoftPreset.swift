import Directory
import FlowEngine
import Foundation

/// Microsoft Entra ID (Azure AD) sign-in over OpenID Connect, multi-tenant by default.
///
/// Settings (`kind: "microsoft"`):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `client_id` | required | The application (client) id of the app registration. |
/// | `client_secret` or `private_key` + `private_key_id` | required | A client secret, or a certificate's key for `private_key_jwt`. |
/// | `tenant` | `organizations` | `organizations` (any work or school account), `common` (also personal accounts), `consumers` (personal only), or one tenant id (a GUID). |
/// | `allowed_tenants` | any | For `organizations`/`common`: the tenant ids (`tid`) accepted. |
/// | `redirect_uri` | the server's default | Registered on the app registration. |
/// | `scopes` | `["openid", "email", "profile"]` | |
///
/// For `organizations` and `common` the issuer is Microsoft's template
/// `https://login.microsoftonline.com/{tenantid}/v2.0`: each ID token's `iss` must equal it with the
/// token's own `tid` put in (and `tid` must be allowed). `email` is not verified by Entra ID and is
/// passed on only when the `xms_edov` optional claim (email domain owner verified) is `true` — add it
/// to the app registration's token configuration. Userinfo is not called (it needs a Graph token).
public enum MicrosoftPreset {
    /// The tenant template Microsoft publishes for its multi-tenant endpoints.
    public static let issuerTemplate = "https://login.microsoftonline.com/{tenantid}/v2.0"
    /// The tenant id of personal Microsoft accounts.
    public static let consumersTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

    /// The OIDC settings of a Microsoft connection.
    ///
    /// - Throws: ``FederationError/Code/configuration`` naming the wrong setting.
    public static func settings(for connection: Connection, defaultRedirectURI: URL?) throws -> OIDCConnectionSettings {
        let raw = try RawSettings.decode(for: connection)
        try SocialPreset.refuseFixedKeys(raw, connection: connection, kind: "microsoft")
        let tenant = raw.tenant ?? "organizations"
        let issuer: String
        switch tenant {
        case "organizations", "common": issuer = issuerTemplate
        case "consumers": issuer = issuerTemplate.replacingOccurrences(of: ExpectedIssuer.tenantPlaceholder, with: consumersTenantID)
        default:
            guard UUID(uuidString: tenant) != nil else {
                throw FederationError(
                    .configuration,
                    "connection '\(connection.id)': tenant '\(tenant)' must be organizations, common, consumers or a tenant id (GUID)")
            }
            issuer = issuerTemplate.replacingOccurrences(of: ExpectedIssuer.tenantPlaceholder, with: tenant.lowercased())
        }
        let discovery = URL(string: "https://login.microsoftonline.com/\(tenant)/v2.0/.well-known/openid-configuration")
        return try OIDCConnectionSettings(
            raw: raw, issuer: issuer, connection: connection, defaultRedirectURI: defaultRedirectURI,
            defaults: PresetDefaults(discoveryURL: discovery, fetchUserInfo: false, emailVerifiedClaims: ["email_verified", "xms_edov"]))
    }
}
