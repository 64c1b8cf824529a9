import Directory
import FlowEngine
import Foundation

/// An application as the OpenID provider sees it: its registration (OIDC Core §2 of Dynamic Client
/// Registration names these fields) resolved from the app and its ``OIDCClientSettings``, with every
/// setting checked once so the endpoints never meet an impossible value.
///
/// An app without settings is a confidential client using `client_secret_basic` with no secret: it is
/// known (its `/authorize` requests are validated) but can never authenticate at the token endpoint.
public struct OIDCClient: Sendable, Hashable {
    /// How a pairwise client's subjects are derived.
    public enum SubjectType: String, Sendable, Hashable, Codable, CaseIterable {
        /// `sub` is the user id.
        case `public`
        /// `sub` is a per-sector pseudonym (OIDC Core §8.1).
        case pairwise
    }

    /// The `client_id` (the application id).
    public let id: AppID
    /// The application's display name.
    public let name: String
    /// The registered redirect URIs, compared by exact string match.
    public let redirectURIs: [String]
    /// Confidential or public.
    public let type: OIDCClientSettings.ClientType
    /// The one method the client authenticates with at the token, introspection and revocation
    /// endpoints; public clients always use `none`.
    public let authMethod: OIDCClientSettings.AuthMethod
    /// SHA-256 (lower-case hex) of the client secret, for the `client_secret_*` methods.
    public let secretHash: String?
    /// The client's public keys (a JWKS document) for `private_key_jwt`.
    public let jwks: PlainJSON?
    /// How this client's ID tokens are signed.
    public let idTokenAlgorithm: SigningAlgorithm
    /// Public or pairwise subjects.
    public let subjectType: SubjectType
    /// The sector identifier of pairwise subjects: the one host all redirect URIs share (OIDC Core §8.1).
    public let sectorIdentifier: String?
    /// Where RP-initiated logout may return the user, by exact match.
    public let postLogoutRedirectURIs: [String]
    /// First-party apps skip the consent page.
    public let firstParty: Bool
    /// The minimum level the app demands, if any.
    public let requiredLevel: LevelName?

    /// Resolves an application's client registration.
    /// - Parameters:
    ///   - application: The app (its id is the `client_id`).
    ///   - settings: Its OIDC client settings, or nil for the defaults described on the type.
    /// - Throws: ``OIDCProviderError`` `invalidClientRegistration` when a redirect URI is not absolute or
    ///   has a fragment (RFC 6749 §3.1.2), `idTokenSignedResponseAlg` is not RS256 or ES256, the subject
    ///   type is unknown, a pairwise client's redirect URIs span several hosts, the secret hash is not
    ///   64 hex digits, the JWKS is not a JWK Set, or a confidential client registers the method `none`.
    public init(application: Application, settings: OIDCClientSettings?) throws(OIDCProviderError) {
        let settings = settings ?? OIDCClientSettings()
        let id = application.id
        func fail(_ reason: String) -> OIDCProviderError {
            .invalidClientRegistration("client '\(id)': \(reason)")
        }
        var hosts: Set<String> = []
        for uri in application.redirectURIs {
            guard let components = URLComponents(string: uri), let scheme = components.scheme, !scheme.isEmpty else {
                throw fail("the redirect URI '\(uri)' is not an absolute URI")
            }
            guard components.fragment == nil else { throw fail("the redirect URI '\(uri)' has a fragment") }
            hosts.insert((components.host ?? scheme).lowercased())
        }
        guard let algorithm = SigningAlgorithm(rawValue: settings.idTokenSignedResponseAlg) else {
            throw fail("id_token_signed_response_alg '\(settings.idTokenSignedResponseAlg)' is not RS256 or ES256")
        }
        guard let subjectType = SubjectType(rawValue: settings.subjectType) else {
            throw fail("subject_type '\(settings.subjectType)' is not 'public' or 'pairwise'")
        }
        if subjectType == .pairwise, hosts.count > 1 {
            throw fail("a pairwise client's redirect URIs must share one host (sector_identifier_uri is not supported)")
        }
        if let hash = settings.secretHash, hash.count != 64 || !hash.allSatisfy(\.isHexDigit) {
            throw fail("the secret hash must be the 64 hex digits of SHA-256")
        }
        if let jwks = settings.jwks, ClientKeySet.decode(jwks) == nil {
            throw fail("jwks is not a JWK Set with at least one RSA or EC key")
        }
        if settings.type == .confidential, settings.tokenEndpointAuthMethod == .none {
            throw fail("a confidential client cannot use token_endpoint_auth_method 'none'")
        }
        self.id = id
        self.name = application.name
        self.redirectURIs = application.redirectURIs
        self.type = settings.type
        self.authMethod = settings.type == .public ? .none : settings.tokenEndpointAuthMethod
        self.secretHash = settings.secretHash?.lowercased()
        self.jwks = settings.jwks
        self.idTokenAlgorithm = algorithm
        self.subjectType = subjectType
        self.sectorIdentifier = subjectType == .pairwise ? hosts.first : nil
        self.postLogoutRedirectURIs = settings.postLogoutRedirectURIs
        self.firstParty = settings.firstParty
        self.requiredLevel = application.requiredLevel
    }

    /// Resolves an application's client registration from its own ``Application/client`` settings.
    /// - Throws: As ``init(application:settings:)``.
    public init(application: Application) throws(OIDCProviderError) {
        try self.init(application: application, settings: application.client)
    }

    /// Whether `uri` is one of the registered redirect URIs, compared as exact strings (RFC 9700 §2.1:
    /// no prefix, wildcard or normalisation).
    public func isRegistered(redirectURI uri: String) -> Bool { redirectURIs.contains(uri) }

    /// Whether PKCE is mandatory for this client (public clients, RFC 9700 §2.1.1).
    public var requiresPKCE: Bool { type == .public }
}
