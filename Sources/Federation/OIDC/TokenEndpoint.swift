import FlowEngine
import Foundation

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
struct TokenResponse: Decodable, Sendable {
    var accessToken: String
    var tokenType: String
    var idToken: String?
    var expiresIn: Double?
    var scope: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case idToken = "id_token"
        case expiresIn = "expires_in"
        case scope
    }
}

/// An OAuth error body (RFC 6749 §5.2).
private struct OAuthErrorBody: Decodable {
    var error: String
    var errorDescription: String?

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}

/// Where the client secret comes from.
enum ClientSecretSource: Sendable {
    /// A configured secret.
    case fixed(Secret)
    /// Apple's client secret: an ES256 JWT signed with the developer key, made fresh for each request.
    case appleSigned(AppleClientSecret)

    func secret(now: Date) async throws -> Secret {
        switch self {
        case .fixed(let secret): secret
        case .appleSigned(let apple): try await apple.make(now: now)
        }
    }
}

/// Client authentication at the token endpoint (OIDC Core §9) and the authorization-code grant.
struct TokenEndpointClient: Sendable {
    let clientID: String
    let method: TokenEndpointAuthMethod
    let secret: ClientSecretSource?
    let signingKey: ClientSigningKey?
    let random: RandomBytes
    let http: any UpstreamHTTP

    /// Lifetime of a `private_key_jwt` client assertion: short, as it is made for one request.
    static let assertionLifetime: TimeInterval = 60

    /// Redeems an authorization code (RFC 6749 §4.1.3) with its PKCE verifier (RFC 7636 §4.5).
    ///
    /// - Throws: ``FederationError/Code/statusNotSuccess`` for an OAuth error answer,
    ///   ``FederationError/Code/malformedMessage`` for anything else that is not a bearer token response.
    func redeem(code: String, codeVerifier: String, redirectURI: URL, tokenEndpoint: URL, now: Date) async throws -> TokenResponse {
        var form: [(String, String)] = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI.absoluteString),
            ("code_verifier", codeVerifier),
        ]
        var headers = ["accept": "application/json"]
        try await authenticate(&form, &headers, tokenEndpoint: tokenEndpoint, now: now)
        let response = try await http.postForm(tokenEndpoint, form: form, headers: headers)
        return try Self.tokenResponse(response, endpoint: tokenEndpoint)
    }

    /// Adds the client's credentials to a token request.
    func authenticate(_ form: inout [(String, String)], _ headers: inout [String: String], tokenEndpoint: URL, now: Date) async throws {
        switch method {
        case .clientSecretBasic:
            guard let secret = try await secret?.secret(now: now) else { throw missing("client_secret") }
            // RFC 6749 §2.3.1: both are form-urlencoded before they are joined and base64-encoded.
            let pair = FormURLEncoding.encode(component: clientID) + ":" + FormURLEncoding.encode(component: secret.value)
            headers["authorization"] = "Basic " + Data(pair.utf8).base64EncodedString()
        case .clientSecretPost:
            guard let secret = try await secret?.secret(now: now) else { throw missing("client_secret") }
            form.append(("client_id", clientID))
            form.append(("client_secret", secret.value))
        case .privateKeyJWT:
            guard let signingKey else { throw missing("private_key") }
            let assertion = try await signingKey.sign([
                "iss": .string(clientID), "sub": .string(clientID), "aud": .string(tokenEndpoint.absoluteString),
                "jti": .string(random.token(bytes: 16)), "iat": .number(now.timeIntervalSince1970.rounded(.down)),
                "exp": .number((now.timeIntervalSince1970 + Self.assertionLifetime).rounded(.down)),
            ])
            form.append(("client_id", clientID))
            form.append(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
            form.append(("client_assertion", assertion))
        }
    }

    private func missing(_ setting: String) -> FederationError {
        FederationError(.configuration, "token_endpoint_auth_method \(method.rawValue) needs \(setting)")
    }

    /// Reads a token endpoint's answer; an OAuth error (some IdPs, GitHub among them, send it with 200) throws.
    static func tokenResponse(_ response: UpstreamHTTPResponse, endpoint: URL) throws -> TokenResponse {
        let target = UpstreamHTTPClient.describe(endpoint)
        if let error = try? JSONDecoder().decode(OAuthErrorBody.self, from: Data(response.body)) {
            let detail = error.errorDescription.map { ": " + AuthorizationResponseValidation.printable($0) } ?? ""
            throw FederationError(
                .statusNotSuccess, "token endpoint \(target) refused the code: \(AuthorizationResponseValidation.printable(error.error))\(detail)")
        }
        guard response.isSuccess else {
            throw FederationError(.upstreamHTTP, "token endpoint \(target) answered HTTP \(response.status)")
        }
        let tokens = try response.decodeJSON(TokenResponse.self, what: "token response")
        guard tokens.tokenType.lowercased() == "bearer" else {
            throw FederationError(.malformedMessage, "token_type '\(AuthorizationResponseValidation.printable(tokens.tokenType))' is not Bearer")
        }
        return tokens
    }
}
