import Directory
import FlowEngine
import Foundation

/// Sign in with Apple over OpenID Connect (issuer `https://appleid.apple.com`).
///
/// Settings (`kind: "apple"`):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `client_id` | required | The Services ID (e.g. `com.example.gatehouse`). |
/// | `team_id` | required | The Apple developer team id. |
/// | `key_id` | required | The id of the Sign in with Apple key. |
/// | `private_key` | required | That key's `.p8` contents (a P-256 private key in PEM). |
/// | `redirect_uri` | the server's default | A return URL registered for the Services ID; Apple POSTs to it. |
/// | `scopes` | `["openid", "email", "name"]` | |
///
/// Apple has no static client secret: each token request carries a fresh ES256 JWT
/// (`iss` = team id, `sub` = client id, `aud` = `https://appleid.apple.com`, five minutes) signed
/// with the key, sent as `client_secret` in the body. Answers come back with
/// `response_mode=form_post`. Apple has no userinfo endpoint; `email_verified` arrives as a string.
public enum ApplePreset {
    /// Apple's issuer.
    public static let issuer = "https://appleid.apple.com"

    /// The OIDC settings of an Apple connection, and the signer of its client secret.
    ///
    /// - Throws: ``FederationError/Code/configuration`` naming the wrong setting.
    static func settings(for connection: Connection, defaultRedirectURI: URL?) throws -> (OIDCConnectionSettings, AppleClientSecret) {
        let raw = try RawSettings.decode(for: connection)
        try SocialPreset.refuseFixedKeys(raw, connection: connection, kind: "apple")
        guard raw.clientSecret == nil, raw.tokenEndpointAuthMethod == nil, raw.privateKeyID == nil else {
            throw FederationError(
                .configuration,
                "connection '\(connection.id)': Apple's client secret is made from team_id, key_id and private_key; "
                    + "client_secret, token_endpoint_auth_method and private_key_id are not used")
        }
        guard let teamID = raw.teamID, let keyID = raw.keyID, let pem = raw.privateKey, let clientID = raw.clientID else {
            throw FederationError(.configuration, "connection '\(connection.id)': client_id, team_id, key_id and private_key are required")
        }
        var withoutKey = raw
        withoutKey.privateKey = nil
        let settings = try OIDCConnectionSettings(
            raw: withoutKey, issuer: issuer, connection: connection, defaultRedirectURI: defaultRedirectURI,
            defaults: PresetDefaults(
                tokenEndpointAuthMethod: .clientSecretPost, scopes: ["openid", "email", "name"], responseMode: .formPost,
                fetchUserInfo: false))
        let secret = try AppleClientSecret(teamID: teamID, keyID: keyID, clientID: clientID, privateKey: Secret(pem))
        return (settings, secret)
    }
}

/// Apple's client secret: an ES256 JWT signed with the developer's Sign in with Apple key.
struct AppleClientSecret: Sendable {
    /// Apple's audience for client secrets.
    static let audience = "https://appleid.apple.com"
    /// How long each secret is valid; it is made fresh for every token request.
    static let lifetime: TimeInterval = 300

    let teamID: String
    let clientID: String
    private let key: ClientSigningKey

    init(teamID: String, keyID: String, clientID: String, privateKey: Secret) throws {
        let key = try ClientSigningKey(pem: privateKey, keyID: keyID)
        guard key.algorithm == .es256 else {
            throw FederationError(.configuration, "Apple's private_key must be a P-256 key (ES256)")
        }
        self.teamID = teamID
        self.clientID = clientID
        self.key = key
    }

    /// A client secret valid from `now` for ``lifetime``.
    func make(now: Date) async throws -> Secret {
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        return Secret(
            try await key.sign([
                "iss": .string(teamID), "sub": .string(clientID), "aud": .string(Self.audience),
                "iat": .number(issuedAt), "exp": .number(issuedAt + Self.lifetime),
            ]))
    }
}
