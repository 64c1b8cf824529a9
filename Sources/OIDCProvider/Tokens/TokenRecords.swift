import FlowEngine
import Foundation

/// What is stored for an authorization code, under the SHA-256 of the code (never the code).
struct CodeRecord: Codable, Sendable, Equatable {
    /// The validated request: client, redirect URI, PKCE challenge, nonce, scopes.
    var request: AuthorizationRequest
    /// Who logged in and how.
    var session: AuthenticatedSession
    /// The `sub` the client sees.
    var subject: String
    /// The grant the code starts: every token issued from it carries this id, so one revocation
    /// marker revokes them all (a replayed code, a reused refresh token, RFC 7009 revocation).
    var grantID: String
    var issuedAt: Date
}

/// What a redeemed code granted, stored once under the grant id for every token issued from it:
/// who logged in and how, as the code fixed it. The tokens themselves are small records that point
/// here, so a refresh does not write the session again.
struct GrantRecord: Codable, Sendable, Equatable {
    var clientID: AppID
    /// The scopes the user granted; a token may carry fewer, never more (RFC 6749 §6).
    var scopes: [String]
    /// Who logged in and how: the claims of every token of the grant come from it.
    var session: AuthenticatedSession
    /// The `sub` the client sees.
    var subject: String
    var issuedAt: Date
    /// When the grant ends: with `offline_access`, however often it is refreshed; without, with its
    /// one access token.
    var expiresAt: Date
}

/// What is stored for an opaque access token, under its SHA-256. Its claims are those of its grant
/// (``GrantRecord/session``), as they were when the code was redeemed.
struct AccessTokenRecord: Codable, Sendable, Equatable {
    var clientID: AppID
    var grantID: String
    var scopes: [String]
    var issuedAt: Date
    var expiresAt: Date
}

/// What is stored for a refresh token, under its SHA-256. The entry is kept until the grant ends
/// (not only until the token's own expiry) so that a rotated-out token presented late is still
/// recognised as reuse of its family.
struct RefreshTokenRecord: Codable, Sendable, Equatable {
    var clientID: AppID
    var grantID: String
    var issuedAt: Date
    /// When this token stops being usable (idle lifetime).
    var expiresAt: Date
    /// When the whole family ends, however often it is refreshed.
    var grantExpiresAt: Date
}
