import Directory
import Federation
import FlowEngine
import Foundation

/// What the server keeps between sending the browser to an upstream IdP and the IdP's answer.
///
/// Stored under the digest of the token that travels through the IdP and back (SAML `RelayState`,
/// OAuth `state`), so the store never holds the token itself, and taken (read and deleted) when the
/// answer arrives: an answer can be delivered once.
struct PendingUpstreamLogin: Sendable, Hashable, Codable {
    /// The login transaction that waits for the answer.
    var transaction: LoginTransactionID
    /// The connection the user was sent to (the callback's path must name the same one).
    var connection: ConnectionID
    /// The ID of the AuthnRequest sent (SAML): the Response's `InResponseTo` must name it.
    var samlRequestID: String?
    /// What the relying party needs to finish an OAuth login: state, nonce, PKCE verifier.
    var oauth: AuthorizationTransaction?
}

/// The store of ``PendingUpstreamLogin``s: ephemeral entries that expire with the upstream login.
struct PendingUpstreamLogins: Sendable {
    /// The store namespace.
    static let namespace = "upstream-login"
    /// How long the user may take at the IdP (the same as the relying party's own limit).
    static let lifetime = AuthorizationTransaction.lifetime

    let store: any DirectoryStore
    /// What this node saved lately, so that the answer's request takes it without decoding it.
    private let recent = RecentlyDecoded<PendingUpstreamLogin>()

    init(store: any DirectoryStore) { self.store = store }

    /// Keeps `pending` under `token` until the answer comes back or the lifetime ends. Like the login
    /// transaction it belongs to, it is a ``Durability/transient`` write: an answer that comes back
    /// within the store's transient delay takes it before it reaches the file.
    func save(_ pending: PendingUpstreamLogin, token: String, now: Date) async throws {
        let key = Tokens.digest(token)
        let data = try RecordJSON.encoder.encode(pending)
        try await store.writeEphemeral(
            [.put(namespace: Self.namespace, key: key, value: data, expiresAt: now.addingTimeInterval(Self.lifetime))], durability: .transient)
        recent.remember(pending, key, storedAs: data)
    }

    /// The pending login `token` stands for, removed from the store; nil when unknown, expired or
    /// already taken. (Replay of the answer is refused by the assertion replay cache, a durable
    /// write; this removal is transient: a pending login taken within the store's transient delay
    /// never reaches the file.)
    func take(token: String, now: Date) async throws -> PendingUpstreamLogin? {
        let key = Tokens.digest(token)
        guard let data = try await store.ephemeral(namespace: Self.namespace, key: key, now: now) else { return nil }
        try await store.writeEphemeral([.delete(namespace: Self.namespace, key: key)], durability: .transient)
        defer { recent.forget(key) }
        if let known = recent.value(key, storedAs: data) { return known }
        return try RecordJSON.decoder.decode(PendingUpstreamLogin.self, from: data)
    }
}
