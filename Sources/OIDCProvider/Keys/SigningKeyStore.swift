import Authenticators
import Directory
import Foundation
import JWTKit

/// The provider's token-signing keys: one active RS256 (RSA-2048) and one active ES256 (P-256) key,
/// plus retired keys still published for an overlap period, kept sealed in the store and used
/// through jwt-kit's `JWTKeyCollection`.
///
/// **Lifecycle.** ``open(store:kek:now:overlap:random:generator:)`` loads the key ring, or generates
/// one on first start. ``rotate(now:)`` makes a new active key per algorithm and retires the old ones;
/// a retired key stays in ``jwks(now:)`` (and keeps verifying our own tokens) until `retiredAt +
/// overlap`, which must outlast every token it signed — the ID token lifetime, plus how long relying
/// parties cache the JWKS — and is then dropped at the next rotation. Keys are named by their RFC 7638
/// thumbprint.
///
/// **At rest.** The whole ring is one entry, sealed with AES-256-GCM under the ``KeyEncryptionKey``
/// (``SealedKeyRing``). It lives in the ephemeral namespace ``namespace`` under ``storageKey`` with an
/// expiry in year 9999, rather than in a credential slot: credential slots belong to users and are
/// deleted when a directory import drops the user, while ephemeral entries survive imports, are read
/// by every node, and have an atomic insert-if-absent that settles which node's first-start keys win.
///
/// **Several nodes.** Every node opens the same ring. Rotation should run on one node (a scheduled
/// `rotateIfDue` or an admin command); the others pick the new keys up with ``reload(now:)``, and a
/// relying party that meets an unknown `kid` refetches the JWKS anyway. The store has no
/// compare-and-swap, so two nodes rotating at the same instant would each publish their own keys and
/// the last write would win.
public actor SigningKeyStore {
    /// The store namespace of the sealed key ring.
    public static let namespace = "oidc.signing-keys"
    /// The key of the sealed key ring in ``namespace``.
    public static let storageKey = "ring"
    /// The expiry written with the ring: never, in practice (9999-12-31T23:59:59Z).
    static let farFuture = Date(timeIntervalSince1970: 253_402_300_799)

    private let store: any DirectoryStore
    private let kek: KeyEncryptionKey
    private let random: any RandomSource
    private let generator: SigningKeyGenerator
    /// How long a retired key stays published and usable for verification.
    public nonisolated let overlap: Duration
    private var keys: [SigningKey]
    private var collection: JWTKeyCollection
    /// When the ring was last read from the store (or written to it).
    private var loadedAt: Date?

    private init(
        store: any DirectoryStore, kek: KeyEncryptionKey, random: any RandomSource, generator: SigningKeyGenerator,
        overlap: Duration, keys: [SigningKey], collection: JWTKeyCollection
    ) {
        self.store = store
        self.kek = kek
        self.random = random
        self.generator = generator
        self.overlap = overlap
        self.keys = keys
        self.collection = collection
    }

    /// Opens the key ring in `store`, generating and storing one when there is none.
    /// - Parameters:
    ///   - store: Where the sealed ring lives.
    ///   - kek: The key the ring is sealed with.
    ///   - now: The current time (creation time of new keys).
    ///   - overlap: How long retired keys stay published; at least the ID token lifetime. One day by default.
    ///   - random: Where AES-GCM nonces come from.
    ///   - generator: Where new keys come from.
    /// - Throws: ``OIDCProviderError`` `wrongKeyEncryptionKey` when the stored ring was sealed under
    ///   another key; `corruptKeyRing`, `keyGeneration` or `storage` otherwise.
    public static func open(
        store: any DirectoryStore, kek: KeyEncryptionKey, now: Date, overlap: Duration = .seconds(86_400),
        random: any RandomSource, generator: SigningKeyGenerator = .system
    ) async throws(OIDCProviderError) -> SigningKeyStore {
        guard overlap > .zero else { throw .invalidConfiguration("the signing-key overlap period must be positive") }
        var keys = try await load(store: store, kek: kek, now: now)
        if keys == nil {
            let fresh = try SigningAlgorithm.allCases.map { (algorithm) throws(OIDCProviderError) in
                try generator.generate(algorithm, now: now)
            }
            let sealed = try SealedKeyRing.seal(fresh, kek: kek, random: random)
            let inserted = try await storage {
                try await store.insertEphemeralIfAbsent(
                    namespace: namespace, key: storageKey, value: sealed, expiresAt: farFuture, now: now)
            }
            // Another node may have created the ring first: theirs wins, so every node signs alike.
            keys = inserted ? fresh : try await load(store: store, kek: kek, now: now)
        }
        guard let keys else { throw .storage("the signing keys vanished while they were being created") }
        let keyStore = SigningKeyStore(
            store: store, kek: kek, random: random, generator: generator, overlap: overlap, keys: [],
            collection: JWTKeyCollection())
        try await keyStore.install(keys, now: now)
        return keyStore
    }

    /// Reads the ring from the store again (after another node rotated it).
    /// - Throws: As ``open(store:kek:now:overlap:random:generator:)``; `storage` when the ring is gone.
    public func reload(now: Date) async throws(OIDCProviderError) {
        guard let keys = try await Self.load(store: store, kek: kek, now: now) else {
            throw .storage("the signing keys are no longer in the store")
        }
        try await install(keys, now: now)
    }

    /// Reads the ring from the store again when it was last read more than `maxAge` seconds ago: what a
    /// node does before publishing its JWKS, so a key another node just rotated in is published at once.
    public func reload(ifOlderThan maxAge: TimeInterval, now: Date) async throws(OIDCProviderError) {
        if let loadedAt, now.timeIntervalSince(loadedAt) < maxAge, now >= loadedAt { return }
        try await reload(now: now)
    }

    /// Makes a new active key for each algorithm, retires the current ones (published until `now +
    /// overlap`), forgets keys whose overlap has ended, and stores the sealed ring.
    public func rotate(now: Date) async throws(OIDCProviderError) {
        var next = keys.filter { $0.isPublished(at: now, overlap: overlap) }
        for index in next.indices where next[index].retiredAt == nil { next[index].retiredAt = now }
        for algorithm in SigningAlgorithm.allCases { next.append(try generator.generate(algorithm, now: now)) }
        let sealed = try SealedKeyRing.seal(next, kek: kek, random: random)
        try await Self.storage { [store] in
            try await store.putEphemeral(
                namespace: Self.namespace, key: Self.storageKey, value: sealed, expiresAt: Self.farFuture)
        }
        try await install(next, now: now)
    }

    /// Whether an active key is at least `interval` old.
    public func isRotationDue(now: Date, interval: Duration) -> Bool {
        keys.contains { $0.retiredAt == nil && $0.createdAt + interval <= now }
    }

    /// Rotates when an active key is at least `interval` old.
    /// - Returns: Whether a rotation happened.
    @discardableResult
    public func rotateIfDue(now: Date, interval: Duration) async throws(OIDCProviderError) -> Bool {
        guard isRotationDue(now: now, interval: interval) else { return false }
        try await rotate(now: now)
        return true
    }

    /// The JWK Set to publish at `now`: every active key and every retired key within its overlap, public
    /// parts only, active keys first.
    public func jwks(now: Date) -> JWKSDocument {
        let published = keys.filter { $0.isPublished(at: now, overlap: overlap) }
        let ordered = published.sorted { lhs, rhs in
            (lhs.retiredAt == nil ? 0 : 1, lhs.algorithm.rawValue, -lhs.createdAt.timeIntervalSince1970)
                < (rhs.retiredAt == nil ? 0 : 1, rhs.algorithm.rawValue, -rhs.createdAt.timeIntervalSince1970)
        }
        return JWKSDocument(keys: ordered.map(\.publicJWK))
    }

    /// The public key new tokens of `algorithm` are signed with.
    public func activeKey(for algorithm: SigningAlgorithm) -> PublicJWK? {
        activeSigningKey(for: algorithm)?.publicJWK
    }

    /// The key new tokens of `algorithm` are signed with.
    private func activeSigningKey(for algorithm: SigningAlgorithm) -> SigningKey? {
        keys.first { $0.algorithm == algorithm && $0.retiredAt == nil }
    }

    /// Signs `payload` as a compact JWS with the active key of `algorithm` (header `alg`, `kid`, `typ: JWT`).
    ///
    /// The token is put together here, its header and claims written as jwt-kit writes them
    /// (``SigningKey/serializer``; the header once per key) and signed by the key
    /// (``SigningKey/signature(of:)``): OpenSSL for RS256, which jwt-kit cannot call, swift-crypto for
    /// ES256. jwt-kit verifies them like any other token (`SigningKeyStoreTests`).
    /// - Throws: ``OIDCProviderError`` `signing` when there is no active key or the signature fails.
    public func sign(_ payload: some JWTPayload, algorithm: SigningAlgorithm) async throws(OIDCProviderError) -> String {
        guard let key = activeSigningKey(for: algorithm) else { throw .signing("there is no active \(algorithm.rawValue) key") }
        let signingInput: String
        do {
            signingInput = key.encodedHeader + "." + Bytes.base64URL(try SigningKey.serializer.jsonEncoder.encode(payload))
        } catch {
            throw .signing("the claims of a token for key \(key.kid) could not be written as JSON", underlying: error)
        }
        let signature: [UInt8]
        switch algorithm {
        case .rs256:
            // An RSA-2048 signature takes 0.25–0.6 ms: it runs on Swift concurrency's pool, never on an
            // executor the calling task prefers (the server's event loops, which other connections wait on).
            signature = try await withTaskExecutorPreference(globalConcurrentExecutor) { () throws(OIDCProviderError) in
                try key.signature(of: Array(signingInput.utf8))
            }
        case .es256:
            // A P-256 signature takes about 25 µs, less than the hop to the pool and back.
            signature = try key.signature(of: Array(signingInput.utf8))
        }
        return signingInput + "." + Bytes.base64URL(signature)
    }

    /// Verifies a token this provider signed: its `kid` must name a key published at `now` and its
    /// `alg` must be that key's algorithm (decided before the signature is checked, RFC 8725 §3.1).
    /// Claims are not checked here.
    /// - Returns: The payload, or nil when the token is malformed or not signed by one of our keys.
    func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type, now: Date) async -> Payload? {
        guard let header = CompactJWS.header(of: token), let kid = header.kid, let alg = header.alg,
            let key = keys.first(where: { $0.kid == kid && $0.isPublished(at: now, overlap: overlap) }),
            key.algorithm.rawValue == alg
        else { return nil }
        return try? await collection.verify(token, as: Payload.self)
    }

    // MARK: Internals

    private func install(_ keys: [SigningKey], now: Date) async throws(OIDCProviderError) {
        for algorithm in SigningAlgorithm.allCases where !keys.contains(where: { $0.algorithm == algorithm && $0.retiredAt == nil }) {
            throw .corruptKeyRing("the key ring has no active \(algorithm.rawValue) key")
        }
        let collection = JWTKeyCollection()
        for key in keys where key.isPublished(at: now, overlap: overlap) { try await key.add(to: collection) }
        self.keys = keys
        self.collection = collection
        loadedAt = now
    }

    private static func load(store: any DirectoryStore, kek: KeyEncryptionKey, now: Date) async throws(OIDCProviderError) -> [SigningKey]? {
        let data = try await storage { try await store.ephemeral(namespace: namespace, key: storageKey, now: now) }
        guard let data else { return nil }
        return try SealedKeyRing.open(data, kek: kek)
    }

    private static func storage<T>(_ body: () async throws -> T) async throws(OIDCProviderError) -> T {
        do {
            return try await body()
        } catch {
            throw .storage("the store failed while reading or writing the signing keys", underlying: error)
        }
    }
}

/// Reading a compact JWS header without trusting it.
enum CompactJWS {
    /// The protected header of `token` (three dot-separated base64url parts), nil when malformed.
    static func header(of token: String) -> JWTHeader? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Bytes.bytes(base64URL: String(parts[0])) else { return nil }
        return try? JSONDecoder().decode(JWTHeader.self, from: Data(bytes))
    }
}
