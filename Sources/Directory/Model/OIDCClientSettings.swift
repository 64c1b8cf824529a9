import FlowEngine

/// How an application talks OpenID Connect to Gatehouse (its client registration).
///
/// Config key `client` of an app; every field has a safe default: a confidential client must
/// authenticate, a public client must use PKCE, nothing is third-party unless it says so.
public struct OIDCClientSettings: Sendable, Hashable, Codable {
    /// `confidential` (has a secret or keys) or `public` (a browser or mobile app: PKCE required).
    public enum ClientType: String, Sendable, Hashable, Codable, CaseIterable {
        case confidential
        case `public`
    }

    /// How the client authenticates at the token endpoint (OIDC Core §9).
    public enum AuthMethod: String, Sendable, Hashable, Codable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        case privateKeyJWT = "private_key_jwt"
        case none
    }

    /// Confidential or public.
    public var type: ClientType
    /// The token endpoint authentication method.
    public var tokenEndpointAuthMethod: AuthMethod
    /// SHA-256 (hex) of the client secret, for the `client_secret_*` methods; the secret itself is never stored.
    public var secretHash: String?
    /// The client's public keys (a JWKS document), for `private_key_jwt`.
    public var jwks: PlainJSON?
    /// `RS256` (default) or `ES256`: how ID tokens for this client are signed.
    public var idTokenSignedResponseAlg: String
    /// `public` (default: the user id) or `pairwise` (a per-client pseudonym, OIDC Core §8.1).
    public var subjectType: String
    /// Where RP-initiated logout may send the user back to (exact match).
    public var postLogoutRedirectURIs: [String]
    /// First-party apps skip the consent page.
    public var firstParty: Bool
    /// Where a login this app did not start (IdP-initiated) sends the browser once the user is signed
    /// in, so the app starts its own request, which the SSO session answers (`initiate_login_uri`,
    /// OIDC Core §4). Without it, IdP-initiated logins cannot land in this app.
    public var initiateLoginURI: String?

    /// Creates client settings.
    public init(
        type: ClientType = .confidential, tokenEndpointAuthMethod: AuthMethod = .clientSecretBasic, secretHash: String? = nil,
        jwks: PlainJSON? = nil, idTokenSignedResponseAlg: String = "RS256", subjectType: String = "public",
        postLogoutRedirectURIs: [String] = [], firstParty: Bool = true, initiateLoginURI: String? = nil
    ) {
        self.type = type
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.secretHash = secretHash
        self.jwks = jwks
        self.idTokenSignedResponseAlg = idTokenSignedResponseAlg
        self.subjectType = subjectType
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.firstParty = firstParty
        self.initiateLoginURI = initiateLoginURI
    }
}
