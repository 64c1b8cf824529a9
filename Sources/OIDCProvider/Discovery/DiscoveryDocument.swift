import FlowEngine
import Foundation

/// The OpenID Provider Metadata served at `/.well-known/openid-configuration` (OIDC Discovery 1.0 §3,
/// RFC 8414 §2), derived from the configuration so it always says what the provider does.
public struct DiscoveryDocument: Sendable, Hashable, Codable {
    /// `issuer`: the `iss` of every token.
    public var issuer: String
    /// `authorization_endpoint`.
    public var authorizationEndpoint: String
    /// `token_endpoint`.
    public var tokenEndpoint: String
    /// `userinfo_endpoint`.
    public var userinfoEndpoint: String
    /// `jwks_uri`.
    public var jwksURI: String
    /// `end_session_endpoint` (RP-Initiated Logout §2.1).
    public var endSessionEndpoint: String
    /// `introspection_endpoint` (RFC 8414 §2).
    public var introspectionEndpoint: String
    /// `revocation_endpoint` (RFC 8414 §2).
    public var revocationEndpoint: String
    /// `scopes_supported`.
    public var scopesSupported: [String]
    /// `response_types_supported`: `code` only.
    public var responseTypesSupported: [String]
    /// `response_modes_supported`: `query`, `form_post`.
    public var responseModesSupported: [String]
    /// `grant_types_supported`.
    public var grantTypesSupported: [String]
    /// `subject_types_supported`: `public`, `pairwise`.
    public var subjectTypesSupported: [String]
    /// `id_token_signing_alg_values_supported`: RS256, ES256.
    public var idTokenSigningAlgValuesSupported: [String]
    /// `token_endpoint_auth_methods_supported`.
    public var tokenEndpointAuthMethodsSupported: [String]
    /// `token_endpoint_auth_signing_alg_values_supported` (client assertions).
    public var tokenEndpointAuthSigningAlgValuesSupported: [String]
    /// `introspection_endpoint_auth_methods_supported`.
    public var introspectionEndpointAuthMethodsSupported: [String]
    /// `revocation_endpoint_auth_methods_supported`.
    public var revocationEndpointAuthMethodsSupported: [String]
    /// `code_challenge_methods_supported`: S256 only.
    public var codeChallengeMethodsSupported: [String]
    /// `claims_supported`.
    public var claimsSupported: [String]
    /// `acr_values_supported`: the configured levels.
    public var acrValuesSupported: [String]
    /// `prompt_values_supported`.
    public var promptValuesSupported: [String]
    /// `authorization_response_iss_parameter_supported` (RFC 9207): true.
    public var authorizationResponseIssParameterSupported: Bool
    /// `request_parameter_supported`: false.
    public var requestParameterSupported: Bool
    /// `request_uri_parameter_supported`: false.
    public var requestURIParameterSupported: Bool
    /// `claims_parameter_supported`: false.
    public var claimsParameterSupported: Bool

    /// The metadata of a provider with `configuration`.
    public init(configuration: ProviderConfiguration) {
        let authMethods = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
        issuer = configuration.issuer
        authorizationEndpoint = configuration.authorizationEndpoint
        tokenEndpoint = configuration.tokenEndpoint
        userinfoEndpoint = configuration.userinfoEndpoint
        jwksURI = configuration.jwksURI
        endSessionEndpoint = configuration.endSessionEndpoint
        introspectionEndpoint = configuration.introspectionEndpoint
        revocationEndpoint = configuration.revocationEndpoint
        scopesSupported = Scope.supported
        responseTypesSupported = ["code"]
        responseModesSupported = ResponseMode.allCases.map(\.rawValue)
        grantTypesSupported = ["authorization_code", "refresh_token"]
        subjectTypesSupported = OIDCClient.SubjectType.allCases.map(\.rawValue)
        idTokenSigningAlgValuesSupported = SigningAlgorithm.allCases.map(\.rawValue)
        tokenEndpointAuthMethodsSupported = authMethods
        tokenEndpointAuthSigningAlgValuesSupported = ClientKeySet.acceptedAlgorithms
        introspectionEndpointAuthMethodsSupported = authMethods
        revocationEndpointAuthMethodsSupported = authMethods
        codeChallengeMethodsSupported = [PKCE.method]
        claimsSupported = [
            "iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash", "email",
            "email_verified", "name", "org", "roles",
        ]
        acrValuesSupported = configuration.levels.map(\.rawValue)
        promptValuesSupported = AuthorizationRequestValidator.promptValues
        authorizationResponseIssParameterSupported = true
        requestParameterSupported = false
        requestURIParameterSupported = false
        claimsParameterSupported = false
    }

    private enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case userinfoEndpoint = "userinfo_endpoint"
        case jwksURI = "jwks_uri"
        case endSessionEndpoint = "end_session_endpoint"
        case introspectionEndpoint = "introspection_endpoint"
        case revocationEndpoint = "revocation_endpoint"
        case scopesSupported = "scopes_supported"
        case responseTypesSupported = "response_types_supported"
        case responseModesSupported = "response_modes_supported"
        case grantTypesSupported = "grant_types_supported"
        case subjectTypesSupported = "subject_types_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case tokenEndpointAuthSigningAlgValuesSupported = "token_endpoint_auth_signing_alg_values_supported"
        case introspectionEndpointAuthMethodsSupported = "introspection_endpoint_auth_methods_supported"
        case revocationEndpointAuthMethodsSupported = "revocation_endpoint_auth_methods_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case claimsSupported = "claims_supported"
        case acrValuesSupported = "acr_values_supported"
        case promptValuesSupported = "prompt_values_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
        case requestParameterSupported = "request_parameter_supported"
        case requestURIParameterSupported = "request_uri_parameter_supported"
        case claimsParameterSupported = "claims_parameter_supported"
    }

    /// The JSON body.
    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
