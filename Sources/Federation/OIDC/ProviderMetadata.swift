import Foundation
import Logging

/// The parts of an OpenID Provider's discovery document the relying party uses (OIDC Discovery §3).
public struct ProviderMetadata: Sendable, Hashable, Codable {
    /// `issuer`: must equal the configured issuer exactly (OIDC Discovery §4.3).
    public var issuer: String
    /// `authorization_endpoint`.
    public var authorizationEndpoint: URL
    /// `token_endpoint`.
    public var tokenEndpoint: URL
    /// `userinfo_endpoint`, when the provider has one.
    public var userinfoEndpoint: URL?
    /// `jwks_uri`: the provider's signing keys.
    public var jwksURI: URL
    /// `id_token_signing_alg_values_supported`.
    public var idTokenSigningAlgValuesSupported: [String]?
    /// `code_challenge_methods_supported` (RFC 8414 §2).
    public var codeChallengeMethodsSupported: [String]?
    /// `token_endpoint_auth_methods_supported`.
    public var tokenEndpointAuthMethodsSupported: [String]?
    /// `response_modes_supported`.
    public var responseModesSupported: [String]?
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3): the provider puts `iss` in
    /// every authorization response, so a response without it is refused.
    public var authorizationResponseIssParameterSupported: Bool

    /// Creates metadata.
    public init(
        issuer: String, authorizationEndpoint: URL, tokenEndpoint: URL, userinfoEndpoint: URL?, jwksURI: URL,
        idTokenSigningAlgValuesSupported: [String]? = nil, codeChallengeMethodsSupported: [String]? = ["S256"],
        tokenEndpointAuthMethodsSupported: [String]? = nil, responseModesSupported: [String]? = nil,
        authorizationResponseIssParameterSupported: Bool = false
    ) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.userinfoEndpoint = userinfoEndpoint
        self.jwksURI = jwksURI
        self.idTokenSigningAlgValuesSupported = idTokenSigningAlgValuesSupported
        self.codeChallengeMethodsSupported = codeChallengeMethodsSupported
        self.tokenEndpointAuthMethodsSupported = tokenEndpointAuthMethodsSupported
        self.responseModesSupported = responseModesSupported
        self.authorizationResponseIssParameterSupported = authorizationResponseIssParameterSupported
    }

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case userinfoEndpoint = "userinfo_endpoint"
        case jwksURI = "jwks_uri"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case responseModesSupported = "response_modes_supported"
        case authorizationResponseIssParameterSupported = "authorization_response_iss_parameter_supported"
    }

    /// Decodes the document; a missing `authorization_response_iss_parameter_supported` means `false`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try container.decode(String.self, forKey: .issuer)
        authorizationEndpoint = try container.decode(URL.self, forKey: .authorizationEndpoint)
        tokenEndpoint = try container.decode(URL.self, forKey: .tokenEndpoint)
        userinfoEndpoint = try container.decodeIfPresent(URL.self, forKey: .userinfoEndpoint)
        jwksURI = try container.decode(URL.self, forKey: .jwksURI)
        idTokenSigningAlgValuesSupported = try container.decodeIfPresent([String].self, forKey: .idTokenSigningAlgValuesSupported)
        codeChallengeMethodsSupported = try container.decodeIfPresent([String].self, forKey: .codeChallengeMethodsSupported)
        tokenEndpointAuthMethodsSupported = try container.decodeIfPresent([String].self, forKey: .tokenEndpointAuthMethodsSupported)
        responseModesSupported = try container.decodeIfPresent([String].self, forKey: .responseModesSupported)
        authorizationResponseIssParameterSupported =
            try container.decodeIfPresent(Bool.self, forKey: .authorizationResponseIssParameterSupported) ?? false
    }

    /// Fetches and validates the discovery document.
    ///
    /// Checks, in order: a 2xx answer, the JSON shape, `issuer` exactly equal to the configured issuer
    /// (an IdP that names another issuer is refused: it could hand us another provider's endpoints),
    /// and `https` endpoints.
    ///
    /// - Parameters:
    ///   - discoveryURL: Where the document is.
    ///   - expectedIssuer: The configured issuer (for a template, the template itself).
    ///   - http: The network edge.
    ///   - allowsPlainHTTPOnLoopback: Whether `http://` loopback endpoints are acceptable.
    /// - Throws: ``FederationError/Code/upstreamHTTP``, ``FederationError/Code/malformedMessage``,
    ///   ``FederationError/Code/issuerMismatch`` or ``FederationError/Code/metadataInvalid``.
    public static func discover(
        at discoveryURL: URL, expectedIssuer: String, http: any UpstreamHTTP, allowsPlainHTTPOnLoopback: Bool = false
    ) async throws -> ProviderMetadata {
        let response = try await http.get(discoveryURL, headers: ["accept": "application/json"])
        guard response.isSuccess else {
            throw FederationError(
                .upstreamHTTP, "discovery document \(UpstreamHTTPClient.describe(discoveryURL)) answered HTTP \(response.status)")
        }
        let metadata = try response.decodeJSON(ProviderMetadata.self, what: "discovery document")
        try metadata.validate(expectedIssuer: expectedIssuer, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback)
        return metadata
    }

    /// The discovery checks on an already decoded document.
    public func validate(expectedIssuer: String, allowsPlainHTTPOnLoopback: Bool = false) throws {
        guard issuer == expectedIssuer else {
            throw FederationError(
                .issuerMismatch, "discovery document names issuer '\(issuer)', not the configured '\(expectedIssuer)'")
        }
        let endpoints: [(String, URL?)] = [
            ("authorization_endpoint", authorizationEndpoint), ("token_endpoint", tokenEndpoint),
            ("userinfo_endpoint", userinfoEndpoint), ("jwks_uri", jwksURI),
        ]
        for case (let name, let url?) in endpoints {
            do {
                try UpstreamHTTPClient.checkScheme(url, allowsPlainHTTPOnLoopback: allowsPlainHTTPOnLoopback)
            } catch {
                throw FederationError(.metadataInvalid, "discovery document: \(name) '\(UpstreamHTTPClient.describe(url))' is not https")
            }
        }
    }
}
