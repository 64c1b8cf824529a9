import FlowEngine
import Foundation

extension TokenService {
    /// Token introspection (RFC 7662) for the authenticated client.
    ///
    /// A client learns about its own tokens only: a token issued to another client is reported as
    /// `{"active":false}`, exactly like an unknown, expired, rotated-out or revoked one (§2.2: the
    /// server "SHOULD NOT include any additional information about an inactive token"). A resource
    /// server introspects with the credentials of the app it serves. `token_type_hint` only orders the
    /// search (§2.1).
    /// - Returns: The response; answer 200 with ``IntrospectionResponse/json``.
    /// - Throws: `invalid_client` (401) when client authentication fails, `invalid_request` without `token`.
    public func introspect(
        parameters: [String: [String]], authorizationHeader: String?, now: Date
    ) async throws(OAuthError) -> IntrospectionResponse {
        let (client, token, hint) = try await authenticatedToken(parameters, authorizationHeader: authorizationHeader, now: now)
        for kind in Self.searchOrder(hint) {
            switch kind {
            case .access:
                if let (record, grant) = try await tokens.liveAccessToken(token, now: now), record.clientID == client.id {
                    let claims = UserClaims(session: grant.session, subject: grant.subject, scopes: record.scopes)
                    return IntrospectionResponse(
                        active: true, scope: record.scopes.joined(separator: " "), clientID: client.id.rawValue,
                        sub: claims.sub, username: claims.email, tokenType: "Bearer",
                        exp: record.expiresAt.numericDate, iat: record.issuedAt.numericDate, iss: configuration.issuer,
                        aud: client.id.rawValue, sid: claims.sid)
                }
            case .refresh:
                if let (record, grant) = try await tokens.liveRefreshToken(token, now: now), record.clientID == client.id {
                    return IntrospectionResponse(
                        active: true, scope: grant.scopes.joined(separator: " "), clientID: client.id.rawValue,
                        sub: grant.subject, tokenType: "refresh_token", exp: record.expiresAt.numericDate,
                        iat: record.issuedAt.numericDate, iss: configuration.issuer, aud: client.id.rawValue,
                        sid: grant.session.sid)
                }
            }
        }
        return .inactive
    }

    enum TokenKind { case access, refresh }

    static func searchOrder(_ hint: String?) -> [TokenKind] {
        hint == "refresh_token" ? [.refresh, .access] : [.access, .refresh]
    }

    /// Authenticates the client and reads `token` and `token_type_hint` (RFC 7662 §2.1, RFC 7009 §2.1).
    func authenticatedToken(
        _ parameters: [String: [String]], authorizationHeader: String?, now: Date
    ) async throws(OAuthError) -> (OIDCClient, String, String?) {
        let reader = ParameterReader(parameters: parameters)
        if let name = reader.repeatedNames.first { throw ParameterReader.Problem.repeated(name).oauthError }
        let client = try await clientAuthenticator.authenticate(
            parameters: parameters, authorizationHeader: authorizationHeader, now: now)
        guard let token = try read(reader, "token", 512) else { throw .invalidRequest("the request has no token") }
        return (client, token, try read(reader, "token_type_hint", 64))
    }
}
