import Foundation

extension TokenService {
    /// The userinfo endpoint (OIDC Core §5.3): the claims fixed when the access token's grant began
    /// (its code was redeemed), for the token's scope.
    ///
    /// The token comes as `Authorization: Bearer <token>` (RFC 6750 §2.1); the HTTP layer may pass a
    /// form-body `access_token` (§2.2) in the same shape. The claims are ``UserClaims`` — the ID
    /// token's without the token-only ones (`iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `at_hash`).
    /// - Returns: The claims; answer 200 with ``UserClaims/json``.
    /// - Throws: 401 `invalid_token` with a `WWW-Authenticate: Bearer …` challenge when the token is
    ///   missing (no error code in the challenge, RFC 6750 §3.1), unknown, expired or revoked; 403
    ///   `insufficient_scope` when its scope lacks `openid`.
    public func userInfo(authorizationHeader: String?, now: Date) async throws(OAuthError) -> UserClaims {
        guard let token = Self.bearerToken(authorizationHeader) else {
            throw OAuthError("invalid_token", "the request has no bearer access token", status: 401,
                wwwAuthenticate: "Bearer realm=\"\(configuration.issuer)\"")
        }
        guard let (record, grant) = try await tokens.liveAccessToken(token, now: now) else {
            throw OAuthError("invalid_token", "the access token is invalid, expired or revoked", status: 401,
                wwwAuthenticate: #"Bearer realm="\#(configuration.issuer)", error="invalid_token", error_description="the access token is invalid, expired or revoked""#)
        }
        guard record.scopes.contains(Scope.openid) else {
            throw OAuthError("insufficient_scope", "the access token's scope lacks openid", status: 403,
                wwwAuthenticate: #"Bearer realm="\#(configuration.issuer)", error="insufficient_scope", scope="openid""#)
        }
        return UserClaims(session: grant.session, subject: grant.subject, scopes: record.scopes)
    }

    /// The token of `Authorization: Bearer <token>` (scheme case-insensitive), nil otherwise.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = String(header.dropFirst(7).trimmingHTTPWhitespace())
        return token.isEmpty || token.utf8.count > 512 ? nil : token
    }
}
