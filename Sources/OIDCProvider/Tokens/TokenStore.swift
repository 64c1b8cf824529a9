import Authenticators
import Directory
import Foundation

/// The provider's records in the ``DirectoryStore``'s ephemeral entries, one namespace per kind,
/// every key a SHA-256 so the store never holds a usable code or token.
///
/// | namespace | key | value | expires |
/// |---|---|---|---|
/// | `oidc.code` | SHA-256(code) | ``CodeRecord`` | code lifetime, or until redeemed |
/// | `oidc.grant` | grant id: SHA-256(code) of the code it was exchanged for | ``GrantRecord`` | end of the grant |
/// | `oidc.access-token` | SHA-256(token) | ``AccessTokenRecord`` | access token lifetime |
/// | `oidc.refresh-token` | SHA-256(token) | ``RefreshTokenRecord`` | end of its grant |
/// | `oidc.refresh-used` | SHA-256(token) | empty | end of its grant |
/// | `oidc.grant-revoked` | grant id | reason | end of the grant |
/// | `oidc.client-assertion-jti` | SHA-256(client ‖ jti) | empty | assertion `exp` + skew |
///
/// Single use is `insertEphemeralIfAbsent`: of two concurrent redemptions exactly one wins, on any node.
struct TokenStore: Sendable {
    static let codes = "oidc.code"
    static let grants = "oidc.grant"
    static let accessTokens = "oidc.access-token"
    static let refreshTokens = "oidc.refresh-token"
    static let usedRefreshTokens = "oidc.refresh-used"
    static let revokedGrants = "oidc.grant-revoked"
    static let assertionIDs = "oidc.client-assertion-jti"

    /// The key a code or token is stored under: its first 8 characters (the time it was issued,
    /// ``TokenService/randomToken(now:)``; no secret) and its SHA-256 in hex, so that the store
    /// never holds anything that can be presented and keys issued together are neighbours.
    static func key(of token: String) -> String {
        String(decoding: token.utf8.prefix(8), as: UTF8.self) + Bytes.sha256Hex(token)
    }

    let store: any DirectoryStore
    /// Records this node wrote or read lately, with their stored bytes: a code is read back by the
    /// node that issued it, a refresh token by the node that rotated it in.
    private let recent = RecentlyDecoded<any Sendable>()

    init(store: any DirectoryStore) { self.store = store }

    /// A record to store: its value, where, and until when.
    typealias Entry = (record: any Encodable & Sendable, namespace: String, key: String, expiresAt: Date)

    /// Writes a record ``Durability/transient``ly: a code, which its redemption deletes, usually within
    /// the store's transient delay, so that it never reaches the file; a code that a crash loses is only
    /// unknown afterwards (its holder signs in again).
    func putTransient(_ record: some Encodable & Sendable, namespace: String, key: String, expiresAt: Date) async throws(OAuthError) {
        let (writes, encoded) = try Self.encode([(record, namespace, key, expiresAt)])
        try await run { try await store.writeEphemeral(writes, durability: .transient) }
        remember(encoded)
    }

    /// Marks `key` as used, once: true for the first caller, false for every later one. The first
    /// caller's `records` (the tokens a redemption issues) are written in the same commit as the
    /// marker, so a marker never exists without its tokens nor tokens without their marker, even after
    /// a power cut; a later caller writes nothing.
    /// - Parameters:
    ///   - durability: `durable` (the default) for a marker whose loss would let something be used
    ///     twice on its own (a client assertion, a revocation); `deferred` for a redemption, whose
    ///     tokens a power cut loses with the marker.
    ///   - also: Writes of the first caller's commit beside the records (the deletion of the code a
    ///     grant spends, a revocation).
    func claim(
        namespace: String, key: String, value: Data = Data(), expiresAt: Date, now: Date, issuing records: [Entry] = [],
        also: [EphemeralWrite] = [], durability: Durability = .durable
    ) async throws(OAuthError) -> Bool {
        let (writes, encoded) = try Self.encode(records)
        let first = try await run {
            try await store.insertEphemeralIfAbsent(
                namespace: namespace, key: key, value: value, expiresAt: expiresAt, now: now, durability: durability, with: writes + also)
        }
        if first {
            for case .delete(let namespace, let key) in also { recent.forget(Self.cacheKey(namespace, key)) }
            remember(encoded)
        }
        return first
    }

    /// A record's stored bytes (also for a record written as the value of a marker: a grant, which
    /// spends its code); `kind` names it in the error.
    static func encoded(_ record: some Encodable, as kind: String = "token") throws(OAuthError) -> Data {
        do {
            return try encoder.encode(record)
        } catch {
            throw .serverError("cannot encode a \(kind) record")
        }
    }

    private static func encode(_ records: [Entry]) throws(OAuthError) -> ([EphemeralWrite], [(record: any Sendable, key: String, data: Data)]) {
        var writes: [EphemeralWrite] = []
        var encoded: [(record: any Sendable, key: String, data: Data)] = []
        for entry in records {
            let data = try Self.encoded(entry.record, as: entry.namespace)
            writes.append(.put(namespace: entry.namespace, key: entry.key, value: data, expiresAt: entry.expiresAt))
            encoded.append((entry.record, cacheKey(entry.namespace, entry.key), data))
        }
        return (writes, encoded)
    }

    private func remember(_ encoded: [(record: any Sendable, key: String, data: Data)]) {
        for entry in encoded { recent.remember(entry.record, entry.key, storedAs: entry.data) }
    }

    func get<Record: Decodable & Sendable>(_ type: Record.Type, namespace: String, key: String, now: Date) async throws(OAuthError) -> Record? {
        let data = try await run { try await store.ephemeral(namespace: namespace, key: key, now: now) }
        guard let data else { return nil }
        let cacheKey = Self.cacheKey(namespace, key)
        if let known = recent.value(cacheKey, storedAs: data) as? Record { return known }
        do {
            let record = try Self.decoder.decode(Record.self, from: data)
            recent.remember(record, cacheKey, storedAs: data)
            return record
        } catch {
            throw .serverError("a stored \(namespace) record cannot be read")
        }
    }

    private static func cacheKey(_ namespace: String, _ key: String) -> String { namespace + " " + key }

    func value(namespace: String, key: String, now: Date) async throws(OAuthError) -> Data? {
        try await run { try await store.ephemeral(namespace: namespace, key: key, now: now) }
    }

    func delete(namespace: String, key: String) async throws(OAuthError) {
        recent.forget(Self.cacheKey(namespace, key))
        try await run { try await store.deleteEphemeral(namespace: namespace, key: key) }
    }

    /// Revokes every token of a grant until `until`.
    func revokeGrant(_ grantID: String, reason: String, until: Date, now: Date) async throws(OAuthError) {
        _ = try await claim(namespace: Self.revokedGrants, key: grantID, value: Data(reason.utf8), expiresAt: until, now: now)
    }

    func isGrantRevoked(_ grantID: String, now: Date) async throws(OAuthError) -> Bool {
        try await value(namespace: Self.revokedGrants, key: grantID, now: now) != nil
    }

    /// The live access token behind `token` and its grant, nil when unknown, expired or revoked.
    func liveAccessToken(_ token: String, now: Date) async throws(OAuthError) -> (token: AccessTokenRecord, grant: GrantRecord)? {
        guard let record = try await get(AccessTokenRecord.self, namespace: Self.accessTokens, key: Self.key(of: token), now: now),
            record.expiresAt > now, let grant = try await liveGrant(record.grantID, now: now)
        else { return nil }
        return (record, grant)
    }

    /// The usable refresh token behind `token` and its grant: not expired, not rotated out, grant not revoked.
    func liveRefreshToken(_ token: String, now: Date) async throws(OAuthError) -> (token: RefreshTokenRecord, grant: GrantRecord)? {
        let key = Self.key(of: token)
        guard let record = try await get(RefreshTokenRecord.self, namespace: Self.refreshTokens, key: key, now: now),
            record.expiresAt > now, try await value(namespace: Self.usedRefreshTokens, key: key, now: now) == nil,
            let grant = try await liveGrant(record.grantID, now: now)
        else { return nil }
        return (record, grant)
    }

    /// The grant with this id, nil when it ended or was revoked.
    func liveGrant(_ grantID: String, now: Date) async throws(OAuthError) -> GrantRecord? {
        guard let grant = try await get(GrantRecord.self, namespace: Self.grants, key: grantID, now: now),
            try await !isGrantRevoked(grantID, now: now)
        else { return nil }
        return grant
    }

    private func run<T>(_ body: () async throws -> T) async throws(OAuthError) -> T {
        do {
            return try await body()
        } catch {
            throw .serverError("the store is unavailable")
        }
    }

    private static let encoder = RecordEncoder(dates: .secondsSince1970)

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}
