import Authenticators
import Directory
import FlowEngine
import Foundation

extension TokenService {
    /// The refresh token grant with rotation and reuse detection (RFC 6749 §6, RFC 9700 §4.14.2).
    ///
    /// In order: the token must be known; its grant must not be revoked; it must belong to the
    /// authenticated client and not have expired; a `scope` may only narrow the granted scope; the user
    /// must still exist and be active (otherwise the family is revoked). Then the token is marked used
    /// in the same commit that stores the new access token and refresh token (same family), so
    /// of two concurrent refreshes one is reuse; the ID token is issued without `nonce` (OIDC Core
    /// §12.2). A token already rotated out revokes the family whoever presents it: when the marker is
    /// found set, and when a check fails on a token that turns out to be used.
    func refresh(_ reader: ParameterReader, client: OIDCClient, now: Date) async throws(OAuthError) -> TokenResponse {
        guard let token = try read(reader, "refresh_token", 512) else { throw .invalidRequest("the request has no refresh_token") }
        let key = TokenStore.key(of: token)
        guard let record = try await tokens.get(RefreshTokenRecord.self, namespace: TokenStore.refreshTokens, key: key, now: now) else {
            throw .invalidGrant("the refresh token is unknown or expired")
        }
        guard let grant = try await tokens.liveGrant(record.grantID, now: now) else {
            throw .invalidGrant("the refresh token was revoked or its grant has ended")
        }
        let scopes: [String]
        do throws(OAuthError) {
            guard record.clientID == client.id else { throw .invalidGrant("the refresh token was issued to another client") }
            guard record.expiresAt > now else { throw .invalidGrant("the refresh token has expired") }
            scopes = try narrowedScopes(try read(reader, "scope", 1_024), granted: grant.scopes)
        } catch {
            if try await tokens.value(namespace: TokenStore.usedRefreshTokens, key: key, now: now) != nil {
                try await revokeFamily(record, reason: "refresh token reused", now: now)
            }
            throw error
        }
        let user = try await loadUser(grant.session.user)
        guard let user, user.status == .active else {
            try await tokens.revokeGrant(record.grantID, reason: "user suspended or removed", until: record.grantExpiresAt, now: now)
            throw .invalidGrant("the user can no longer sign in")
        }
        let response = try await issueTokens(
            client: client, grantID: record.grantID, grant: grant, scopes: scopes, nonce: nil,
            spending: Spending(namespace: TokenStore.usedRefreshTokens, key: key, value: Data(), expiresAt: record.grantExpiresAt), now: now)
        guard let response else { try await revokeFamily(record, reason: "refresh token reused", now: now) }
        return response
    }

    /// Reuse of a rotated-out refresh token: the family may be in an attacker's hands, so all of it goes.
    private func revokeFamily(_ record: RefreshTokenRecord, reason: String, now: Date) async throws(OAuthError) -> Never {
        try await tokens.revokeGrant(record.grantID, reason: reason, until: record.grantExpiresAt, now: now)
        throw .invalidGrant("the refresh token was already used; every token of its family is revoked")
    }

    /// RFC 6749 §6: the requested scope "MUST NOT include any scope not originally granted"; when
    /// omitted it equals the granted scope.
    private func narrowedScopes(_ requested: String?, granted: [String]) throws(OAuthError) -> [String] {
        guard let requested else { return granted }
        guard let values = Scope.parse(requested) else { throw .invalidScope("the scope is malformed") }
        let extra = values.filter { !granted.contains($0) }
        guard extra.isEmpty else { throw .invalidScope("the scope asks for more than was granted: \(extra.joined(separator: " "))") }
        return granted.filter(values.contains)
    }

    private func loadUser(_ id: UserID) async throws(OAuthError) -> UserRecord? {
        do {
            return try await store.user(id: id)
        } catch {
            throw .serverError("the store is unavailable")
        }
    }
}
