import Authenticators
import FlowEngine
import Foundation

extension TokenService {
    /// Token revocation (RFC 7009) for the authenticated client.
    ///
    /// Revoking an access token deletes it. Revoking a refresh token revokes its grant: every refresh
    /// token of the family and every access token issued from it (§2.1 lets the server do so and
    /// RFC 9700 recommends it). Unknown tokens, already invalid ones, and tokens of other clients
    /// change nothing and still get 200 (§2.2): the endpoint never tells a client whether a token it
    /// does not own exists.
    /// - Throws: `invalid_client` (401) when client authentication fails, `invalid_request` without `token`.
    ///   On success answer 200 with an empty body.
    public func revoke(parameters: [String: [String]], authorizationHeader: String?, now: Date) async throws(OAuthError) {
        let (client, token, hint) = try await authenticatedToken(parameters, authorizationHeader: authorizationHeader, now: now)
        let key = TokenStore.key(of: token)
        for kind in Self.searchOrder(hint) {
            switch kind {
            case .access:
                if let record = try await tokens.get(AccessTokenRecord.self, namespace: TokenStore.accessTokens, key: key, now: now) {
                    if record.clientID == client.id { try await tokens.delete(namespace: TokenStore.accessTokens, key: key) }
                    return
                }
            case .refresh:
                if let record = try await tokens.get(RefreshTokenRecord.self, namespace: TokenStore.refreshTokens, key: key, now: now) {
                    if record.clientID == client.id {
                        try await tokens.revokeGrant(record.grantID, reason: "revoked by the client", until: record.grantExpiresAt, now: now)
                    }
                    return
                }
            }
        }
    }
}
