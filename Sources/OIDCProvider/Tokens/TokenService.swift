import Authenticators
import Directory
import FlowEngine
import Foundation

/// Issues and redeems what the provider hands out: authorization codes, opaque access tokens,
/// rotating refresh tokens and signed ID tokens; and answers userinfo, introspection and revocation.
///
/// Time comes in as `now` on every call and randomness through the ``RandomSource``; records live in
/// the ``DirectoryStore`` (``TokenStore`` lists the namespaces), so any node can redeem what another
/// issued. Access tokens are opaque, stored by hash and pointing to their grant, which holds the
/// claims (stored once, when the code is redeemed), so a login costs exactly one signature: the ID token's.
///
/// **Refresh tokens** are issued only when the granted scope contains `offline_access` (OIDC Core
/// §11), for every client type: a long-lived credential is handed out only to a client that asked
/// for one, and a confidential client that wants one says so the standard way. Every refresh rotates
/// the token; each token belongs to its grant's family, and presenting a rotated-out token revokes
/// the whole family (RFC 9700 §4.14.2).
///
/// **Grants.** A code starts a grant; every token issued from it carries the grant id. Revoking the
/// grant is one stored marker that every later check reads: a replayed code, a reused refresh token
/// and an RFC 7009 revocation of a refresh token all revoke the grant, and with it every access and
/// refresh token it produced.
public struct TokenService: Sendable {
    /// Issuer, lifetimes, salt.
    public let configuration: ProviderConfiguration
    /// The known clients.
    public let registry: ClientRegistry
    /// The signing keys.
    public let keys: SigningKeyStore
    let store: any DirectoryStore
    let random: any RandomSource
    let tokens: TokenStore
    /// Client authentication, shared by the token, introspection and revocation endpoints.
    public let clientAuthenticator: ClientAuthenticator

    /// Creates the service.
    public init(
        configuration: ProviderConfiguration, registry: ClientRegistry, keys: SigningKeyStore, store: any DirectoryStore,
        random: any RandomSource
    ) {
        self.configuration = configuration
        self.registry = registry
        self.keys = keys
        self.store = store
        self.random = random
        self.tokens = TokenStore(store: store)
        self.clientAuthenticator = ClientAuthenticator(registry: registry, configuration: configuration, store: store)
    }

    // MARK: Authorization codes

    /// Issues a single-use authorization code for a validated request and the session that satisfied it.
    ///
    /// The code (its issue time and 208 random bits, base64url: ``randomToken(now:)``) is returned once
    /// and stored only under its SHA-256 (``TokenStore/key(of:)``), bound to
    /// the client, the redirect URI, the PKCE challenge, the nonce and the session; it can be redeemed
    /// for ``ProviderConfiguration/codeLifetime``.
    /// - Returns: The code, for ``AuthorizationResponse/success(code:for:issuer:)``.
    /// - Throws: `server_error` when the client is gone or the store fails.
    public func issueCode(request: AuthorizationRequest, session: AuthenticatedSession, now: Date) async throws(OAuthError) -> String {
        guard let client = registry.client(request.clientID) else {
            throw .serverError("the client '\(request.clientID)' is no longer registered")
        }
        let code = randomToken(now: now)
        let record = CodeRecord(
            request: request, session: session,
            subject: SubjectIdentifier.subject(for: session.user, client: client, salt: configuration.pairwiseSalt),
            grantID: TokenStore.key(of: code), issuedAt: now)
        try await tokens.putTransient(record, namespace: TokenStore.codes, key: TokenStore.key(of: code), expiresAt: now + configuration.codeLifetime)
        return code
    }

    // MARK: Token endpoint

    /// The token endpoint (RFC 6749 §3.2, §4.1.3, §6; OIDC Core §3.1.3): authenticates the client,
    /// then redeems an authorization code or rotates a refresh token.
    /// - Parameters:
    ///   - parameters: The `application/x-www-form-urlencoded` body.
    ///   - authorizationHeader: The `Authorization` header, if any.
    ///   - now: The current time.
    /// - Returns: The tokens; answer 200 with ``TokenResponse/json`` and ``TokenResponse/httpHeaders``.
    /// - Throws: The OAuth error to answer with (its ``OAuthError/status``, ``OAuthError/jsonBody``,
    ///   `WWW-Authenticate` when set, and ``TokenResponse/httpHeaders``).
    public func token(
        parameters: [String: [String]], authorizationHeader: String?, now: Date
    ) async throws(OAuthError) -> TokenResponse {
        let reader = ParameterReader(parameters: parameters)
        if let name = reader.repeatedNames.first { throw ParameterReader.Problem.repeated(name).oauthError }
        let client = try await clientAuthenticator.authenticate(
            parameters: parameters, authorizationHeader: authorizationHeader, now: now)
        switch try read(reader, "grant_type", 64) {
        case "authorization_code":
            return try await redeemCode(reader, client: client, now: now)
        case "refresh_token":
            return try await refresh(reader, client: client, now: now)
        case nil:
            throw .invalidRequest("the request has no grant_type")
        case let other?:
            throw .unsupportedGrantType("grant_type '\(other)' is not supported")
        }
    }

    /// RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §4.2.4.
    ///
    /// The grant a code is exchanged for is stored under the code's key (``TokenStore/key(of:)``, the
    /// code's grant id) only if no grant is there yet, in the same commit that stores its tokens and
    /// deletes the code: that insertion spends the code. Of two concurrent redemptions exactly one
    /// issues, and a used code presented again while its grant lives is a replay that revokes the grant.
    private func redeemCode(_ reader: ParameterReader, client: OIDCClient, now: Date) async throws(OAuthError) -> TokenResponse {
        guard let code = try read(reader, "code", 512) else { throw .invalidRequest("the request has no code") }
        guard let redirectURI = try read(reader, "redirect_uri", 2_048) else { throw .invalidRequest("the request has no redirect_uri") }
        let verifier = try read(reader, "code_verifier", 256)
        let key = TokenStore.key(of: code)
        guard let record = try await tokens.get(CodeRecord.self, namespace: TokenStore.codes, key: key, now: now) else {
            try await revokeIfReplayed(codeKey: key, now: now)
            throw .invalidGrant("the authorization code is unknown or expired")
        }
        // A code presented by another client does not consume it: the rightful client may still redeem it.
        guard record.request.clientID == client.id else {
            try await revokeIfReplayed(codeKey: key, now: now)
            throw .invalidGrant("the authorization code was issued to another client")
        }
        let scopes = record.request.scopes
        let grant = GrantRecord(
            clientID: client.id, scopes: scopes, session: record.session, subject: record.subject, issuedAt: now,
            expiresAt: now + (scopes.contains(Scope.offlineAccess) ? configuration.grantLifetime : configuration.accessTokenLifetime))
        let spending = Spending(
            namespace: TokenStore.grants, key: record.grantID, value: try TokenStore.encoded(grant, as: TokenStore.grants), expiresAt: grant.expiresAt,
            also: [.delete(namespace: TokenStore.codes, key: key)])
        do throws(OAuthError) {
            guard redirectURI == record.request.redirectURI else {
                throw .invalidGrant("redirect_uri differs from the one of the authorization request")
            }
            try checkPKCE(verifier: verifier, challenge: record.request.codeChallenge)
        } catch {
            // The code is spent all the same, its grant stored revoked: a failed check does not leave it
            // open to more guesses, and an exchange of the same code at the same moment is a replay.
            let revoked = EphemeralWrite.put(
                namespace: TokenStore.revokedGrants, key: record.grantID, value: Data("code spent by a failed check".utf8),
                expiresAt: grant.expiresAt)
            guard
                try await tokens.claim(
                    namespace: spending.namespace, key: spending.key, value: spending.value, expiresAt: spending.expiresAt, now: now,
                    also: spending.also + [revoked])
            else {
                try await revokeReplayedCode(grantID: record.grantID, now: now)
            }
            throw error
        }
        let response = try await issueTokens(
            client: client, grantID: record.grantID, grant: grant, scopes: scopes, nonce: record.request.nonce, spending: spending, now: now)
        // Used already, or lost a race with a concurrent redemption of the same code: a replay.
        guard let response else { try await revokeReplayedCode(grantID: record.grantID, now: now) }
        return response
    }

    /// A used code (its grant is stored under its key) is a replay whoever presents it: revokes its
    /// grant and throws.
    private func revokeIfReplayed(codeKey: String, now: Date) async throws(OAuthError) {
        if try await tokens.value(namespace: TokenStore.grants, key: codeKey, now: now) != nil {
            try await revokeReplayedCode(grantID: codeKey, now: now)
        }
    }

    /// RFC 6749 §4.1.2: a code used twice revokes "all tokens previously issued based on that authorization code".
    private func revokeReplayedCode(grantID: String, now: Date) async throws(OAuthError) -> Never {
        try await tokens.revokeGrant(grantID, reason: "authorization code replayed", until: now + configuration.grantLifetime, now: now)
        throw .invalidGrant("the authorization code was already used; the tokens issued from it are revoked")
    }

    /// RFC 7636 §4.6 (S256 only) and RFC 9700 §2.1.1 (no verifier without a challenge: PKCE downgrade).
    private func checkPKCE(verifier: String?, challenge: String?) throws(OAuthError) {
        switch (challenge, verifier) {
        case (nil, nil):
            return
        case (nil, .some):
            throw .invalidGrant("code_verifier is sent but the authorization request had no code_challenge")
        case (.some, nil):
            throw .invalidGrant("code_verifier is missing")
        case (.some(let challenge), .some(let verifier)):
            guard PKCE.isWellFormed(verifier: verifier), PKCE.verify(verifier: verifier, challenge: challenge) else {
                throw .invalidGrant("code_verifier does not match the code_challenge")
            }
        }
    }

    // MARK: Issuing

    /// The marker a token request sets to spend what it redeems (a code or a refresh token).
    struct Spending {
        let namespace: String
        let key: String
        let value: Data
        let expiresAt: Date
        /// Other writes made with the marker: the deletion of the code a grant spends (a refresh
        /// token's record stays, for reuse detection).
        var also: [EphemeralWrite] = []
    }

    /// Spends a code or refresh token and issues what it is exchanged for: a new access token (and
    /// refresh token when the grant has `offline_access`) and the signed ID token, with the claims of
    /// `grant`.
    ///
    /// The marker (for a code, its grant), and the tokens are one store write, so a marker that is
    /// set has its tokens and tokens never outlive their marker: a code or refresh
    /// token yields at most one live set of tokens, even across a crash. The write is
    /// ``Durability/deferred`` (committed, and on disk within the store's flush delay): a power cut
    /// in that moment loses the marker and the tokens together, and the code or token may then be
    /// redeemed once more — by a holder who also has the client's credentials or PKCE verifier —
    /// while the lost tokens no longer work. The ID token is signed just before the write (a refused or
    /// failed write discards the signature); signing it in a task of its own, beside the write, measured
    /// no faster under load (docs/performance.md §5).
    /// - Returns: The response, or nil when the marker was already set (a replay, or a concurrent
    ///   redemption that won): then nothing was issued.
    func issueTokens(
        client: OIDCClient, grantID: String, grant: GrantRecord, scopes: [String], nonce: String?,
        spending: Spending, now: Date
    ) async throws(OAuthError) -> TokenResponse? {
        let accessToken = randomToken(now: now)
        let accessExpiry = min(now + configuration.accessTokenLifetime, grant.expiresAt)
        var records: [TokenStore.Entry] = [
            (
                AccessTokenRecord(clientID: client.id, grantID: grantID, scopes: scopes, issuedAt: now, expiresAt: accessExpiry),
                TokenStore.accessTokens, TokenStore.key(of: accessToken), accessExpiry
            )
        ]
        var refreshToken: String?
        if grant.scopes.contains(Scope.offlineAccess) {
            let token = randomToken(now: now)
            let record = RefreshTokenRecord(
                clientID: client.id, grantID: grantID, issuedAt: now, expiresAt: min(now + configuration.refreshTokenIdleLifetime, grant.expiresAt),
                grantExpiresAt: grant.expiresAt)
            records.append((record, TokenStore.refreshTokens, TokenStore.key(of: token), grant.expiresAt))
            refreshToken = token
        }

        let payload =
            scopes.contains(Scope.openid)
            ? IDTokenClaims(
                iss: configuration.issuer, aud: client.id.rawValue, azp: client.id.rawValue,
                exp: (now + configuration.idTokenLifetime).numericDate, iat: now.numericDate, nonce: nonce,
                atHash: IDTokenClaims.accessTokenHash(accessToken), user: UserClaims(session: grant.session, subject: grant.subject, scopes: scopes))
            : nil
        let idToken = try await signIDToken(payload, algorithm: client.idTokenAlgorithm)
        let first = try await tokens.claim(
            namespace: spending.namespace, key: spending.key, value: spending.value, expiresAt: spending.expiresAt, now: now, issuing: records,
            also: spending.also, durability: .deferred)
        guard first else { return nil }
        return TokenResponse(
            accessToken: accessToken, expiresIn: max(0, Int(accessExpiry.timeIntervalSince(now))), idToken: idToken,
            refreshToken: refreshToken, scope: scopes.joined(separator: " "))
    }

    /// The signed ID token; nil without a payload (no `openid` scope).
    private func signIDToken(_ payload: IDTokenClaims?, algorithm: SigningAlgorithm) async throws(OAuthError) -> String? {
        guard let payload else { return nil }
        do {
            return try await keys.sign(payload, algorithm: algorithm)
        } catch {
            throw .serverError("the ID token could not be signed")
        }
    }

    /// A code, token or grant id: the time it is made (6 bytes, milliseconds since 1970, big-endian)
    /// and 208 random bits, base64url (43 characters). The time puts the store's keys of what is issued
    /// together next to each other (``TokenStore/key(of:)``), so a commit of many grants touches a few
    /// pages of the store's key index instead of one random page for each.
    func randomToken(now: Date) -> String {
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1_000))
        var bytes = random.bytes(32)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        return Bytes.base64URL(bytes)
    }

    func read(_ reader: ParameterReader, _ name: String, _ limit: Int) throws(OAuthError) -> String? {
        do {
            return try reader.single(name, limit: limit)
        } catch {
            throw error.oauthError
        }
    }
}
