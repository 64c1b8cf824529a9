import Authenticators
import Directory
import FlowEngine
import Foundation
import JWTKit

/// Authenticates the client at the token, introspection and revocation endpoints (RFC 6749 §2.3,
/// OIDC Core §9, RFC 7523 §2.2).
///
/// Exactly one method per request (RFC 6749 §2.3: "MUST NOT use more than one authentication
/// method in each request"), and it must be the client's registered method:
/// - `client_secret_basic`: `Authorization: Basic base64(form-urlencode(id) ":" form-urlencode(secret))` (§2.3.1);
/// - `client_secret_post`: `client_id` and `client_secret` in the form;
/// - `private_key_jwt`: `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
///   and a `client_assertion` signed with a key of the client's JWKS, `iss` = `sub` = client id,
///   `aud` = the token endpoint URL or the issuer, `exp` in the future (and at most
///   ``ProviderConfiguration/maxClientAssertionLifetime`` ahead), `jti` used once;
/// - `none`: only `client_id`, for public clients.
///
/// Every failure is `invalid_client` (401); after a Basic attempt it carries `WWW-Authenticate: Basic`.
/// Unknown clients and wrong secrets get the same description, so the endpoint is no oracle for
/// which client ids exist.
public struct ClientAuthenticator: Sendable {
    /// The `client_assertion_type` of RFC 7523 §2.2.
    public static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    let registry: ClientRegistry
    let configuration: ProviderConfiguration
    let tokens: TokenStore

    /// Creates an authenticator; `store` keeps the assertion `jti` replay cache.
    public init(registry: ClientRegistry, configuration: ProviderConfiguration, store: any DirectoryStore) {
        self.registry = registry
        self.configuration = configuration
        self.tokens = TokenStore(store: store)
    }

    /// Which method a request used, and what it presented.
    private enum Presented {
        case basic(id: String, secret: String)
        case post(id: String, secret: String)
        case jwt(assertion: String, formClientID: String?)
        case none(id: String)
    }

    /// Authenticates the client of a request.
    /// - Parameters:
    ///   - parameters: The form parameters.
    ///   - authorizationHeader: The `Authorization` header, if any.
    ///   - now: The current time.
    /// - Returns: The authenticated client.
    /// - Throws: `invalid_client` (or `invalid_request` for a repeated parameter, `server_error` when the store fails).
    public func authenticate(
        parameters: [String: [String]], authorizationHeader: String?, now: Date
    ) async throws(OAuthError) -> OIDCClient {
        let presented = try presented(parameters: parameters, authorizationHeader: authorizationHeader)
        let challenge: String? = if case .basic = presented { "Basic realm=\"\(configuration.issuer)\"" } else { nil }
        func failure(_ description: String) -> OAuthError {
            OAuthError("invalid_client", description, status: 401, wwwAuthenticate: challenge)
        }
        switch presented {
        case .basic(let id, let secret):
            return try checkSecret(id: id, secret: secret, method: .clientSecretBasic, failure)
        case .post(let id, let secret):
            return try checkSecret(id: id, secret: secret, method: .clientSecretPost, failure)
        case .jwt(let assertion, let formClientID):
            return try await checkAssertion(assertion, formClientID: formClientID, now: now, failure)
        case .none(let id):
            let client = try registered(id, method: .none, failure)
            guard client.type == .public else { throw failure("client '\(id)' must authenticate") }
            return client
        }
    }

    // MARK: Reading what was presented

    private func presented(parameters: [String: [String]], authorizationHeader: String?) throws(OAuthError) -> Presented {
        let reader = ParameterReader(parameters: parameters)
        let clientID: String?
        let secret: String?
        let assertion: String?
        let assertionType: String?
        do {
            clientID = try reader.single("client_id", limit: 256)
            secret = try reader.single("client_secret", limit: 1_024)
            assertion = try reader.single("client_assertion", limit: 16_384)
            assertionType = try reader.single("client_assertion_type", limit: 256)
        } catch {
            throw error.oauthError
        }
        let basic = try basicCredentials(authorizationHeader)
        let methods = [basic != nil, secret != nil, assertion != nil || assertionType != nil].filter { $0 }.count
        guard methods <= 1 else {
            throw OAuthError(
                "invalid_client", "the request uses more than one client authentication method", status: 401,
                wwwAuthenticate: basic != nil ? "Basic realm=\"\(configuration.issuer)\"" : nil)
        }
        if let basic {
            if let clientID, clientID != basic.id {
                throw OAuthError("invalid_client", "client_id differs from the Basic credentials", status: 401,
                    wwwAuthenticate: "Basic realm=\"\(configuration.issuer)\"")
            }
            return .basic(id: basic.id, secret: basic.secret)
        }
        if let secret {
            guard let clientID else { throw .invalidClient("client_secret is sent without client_id") }
            return .post(id: clientID, secret: secret)
        }
        if assertion != nil || assertionType != nil {
            guard assertionType == Self.jwtBearerAssertionType else {
                throw .invalidClient("client_assertion_type must be \(Self.jwtBearerAssertionType)")
            }
            guard let assertion else { throw .invalidClient("client_assertion is missing") }
            return .jwt(assertion: assertion, formClientID: clientID)
        }
        guard let clientID else { throw .invalidClient("the request does not identify the client") }
        return .none(id: clientID)
    }

    /// RFC 6749 §2.3.1 / RFC 7617: `Basic base64(id ":" secret)`, each part form-urlencoded. Other
    /// schemes are not client authentication and are ignored.
    private func basicCredentials(_ header: String?) throws(OAuthError) -> (id: String, secret: String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        let challenge = "Basic realm=\"\(configuration.issuer)\""
        let encoded = String(header.dropFirst(6).trimmingHTTPWhitespace())
        guard encoded.utf8.count <= 4_096, let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":"),
            let id = OAuthParameters.formDecode(text[..<colon]), let secret = OAuthParameters.formDecode(text[text.index(after: colon)...]),
            !id.isEmpty
        else {
            throw OAuthError("invalid_client", "the Basic credentials are malformed", status: 401, wwwAuthenticate: challenge)
        }
        return (id, secret)
    }

    // MARK: Checks

    private func registered(
        _ id: String, method: OIDCClientSettings.AuthMethod, _ failure: (String) -> OAuthError
    ) throws(OAuthError) -> OIDCClient {
        guard let client = registry.client(id: id) else { throw failure("client authentication failed") }
        guard client.authMethod == method else {
            throw failure("client '\(id)' must authenticate with \(client.authMethod.rawValue), not \(method.rawValue)")
        }
        return client
    }

    private func checkSecret(
        id: String, secret: String, method: OIDCClientSettings.AuthMethod, _ failure: (String) -> OAuthError
    ) throws(OAuthError) -> OIDCClient {
        let client = try registered(id, method: method, failure)
        guard let expected = client.secretHash,
            Bytes.constantTimeEquals(Array(Bytes.sha256Hex(secret).utf8), Array(expected.utf8))
        else { throw failure("client authentication failed") }
        return client
    }

    /// RFC 7523 §3 and OIDC Core §9 `private_key_jwt`.
    private func checkAssertion(
        _ assertion: String, formClientID: String?, now: Date, _ failure: (String) -> OAuthError
    ) async throws(OAuthError) -> OIDCClient {
        guard let header = CompactJWS.header(of: assertion), let alg = header.alg,
            let unverified = try? DefaultJWTParser().parse(Array(assertion.utf8), as: ClientAssertionClaims.self).payload
        else { throw failure("the client assertion is not a signed JWT") }
        let client = try registered(unverified.sub, method: .privateKeyJWT, failure)
        if let formClientID, formClientID != client.id.rawValue { throw failure("client_id differs from the assertion's subject") }
        guard let keySet = client.jwks.flatMap(ClientKeySet.decode), let key = keySet.key(alg: alg, kid: header.kid) else {
            throw failure("no registered key of client '\(client.id)' verifies \(alg) assertions with this kid")
        }
        let claims: ClientAssertionClaims
        do {
            let collection = JWTKeyCollection()
            try await collection.add(jwk: key)
            claims = try await collection.verify(assertion, as: ClientAssertionClaims.self)
        } catch {
            throw failure("the client assertion's signature does not verify")
        }
        let id = client.id.rawValue
        guard claims.iss == id, claims.sub == id else { throw failure("the client assertion's iss and sub must both be '\(id)'") }
        guard claims.aud.value.contains(where: { $0 == configuration.tokenEndpoint || $0 == configuration.issuer }) else {
            throw failure("the client assertion's aud must be \(configuration.tokenEndpoint) or \(configuration.issuer)")
        }
        let skew = configuration.clockSkew.timeInterval
        let current = now.timeIntervalSince1970
        guard claims.exp > current - skew else { throw failure("the client assertion has expired") }
        guard claims.exp <= current + configuration.maxClientAssertionLifetime.timeInterval + skew else {
            throw failure("the client assertion's exp is too far in the future")
        }
        if let nbf = claims.nbf, nbf > current + skew { throw failure("the client assertion is not valid yet (nbf)") }
        if let iat = claims.iat, iat > current + skew { throw failure("the client assertion was issued in the future (iat)") }
        guard let jti = claims.jti, !jti.isEmpty, jti.utf8.count <= 256 else { throw failure("the client assertion has no jti") }
        let fresh = try await tokens.claim(
            namespace: TokenStore.assertionIDs, key: Bytes.sha256Hex(id + "\u{0}" + jti),
            expiresAt: Date(timeIntervalSince1970: claims.exp + skew), now: now)
        guard fresh else { throw failure("the client assertion was already used (jti replay)") }
        return client
    }
}
