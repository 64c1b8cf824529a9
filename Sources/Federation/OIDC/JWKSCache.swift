import FlowEngine
import Foundation
import JWTKit
import Logging

/// The signing keys of one OpenID Provider (its JWKS, RFC 7517 §5), fetched from `jwks_uri` and kept
/// for verifying its ID tokens.
///
/// A key is picked by the token's `kid`. An unknown `kid` usually means the provider rotated its
/// keys, so the set is fetched again — but at most once per ``minimumRefetchInterval``, so that a
/// stream of forged tokens with random `kid`s cannot make Gatehouse hammer the provider. A `kid`
/// still unknown after a refetch (or while refetching is rate-limited) is
/// ``FederationError/Code/unknownKey``. Concurrent lookups share one fetch.
///
/// Keys with `use: enc` and key types jwt-kit does not know are skipped. A token is verified by
/// jwt-kit with a key bound to the token's algorithm after checking the key fits it (`kty`, `crv`,
/// and the key's own `alg`), so a key is never used with an algorithm it was not made for.
public actor JWKSCache {
    /// The issuer whose keys these are (for messages).
    public nonisolated let issuer: String
    /// Shortest time between two fetches caused by unknown `kid`s.
    public nonisolated let minimumRefetchInterval: TimeInterval

    private enum Source {
        case remote(URL, any UpstreamHTTP)
        case fixed
    }

    private let source: Source
    private let logger: Logger
    private var keys: [JWK] = []
    private var lastFetch: Date?
    private var lastFailure: FederationError?
    private var inFlight: Task<[JWK], any Error>?
    /// The jwt-kit key (and its name for messages) for each `kid` and algorithm asked for so far, built
    /// once from its JWK (an RSA key from `n` and `e`, an EC key from `x` and `y`) after the key was
    /// found and fit the algorithm, and dropped whenever the set is fetched again.
    private var verifiers: [Lookup: (key: any JWTAlgorithm, name: String)] = [:]

    /// What a token asks for: its `kid` (none is allowed when one key fits) and its algorithm.
    private struct Lookup: Hashable {
        var kid: String?
        var algorithm: IDTokenAlgorithm
    }
    /// Counts fetches that replaced the keys, so a key built across a suspension from a set that was
    /// replaced meanwhile is not cached.
    private var generation = 0
    /// How many jwt-kit keys were built from JWKs (for tests: once per kid and algorithm per fetch).
    private(set) var builtKeyCount = 0
    /// How many times the set was fetched (for tests and metrics).
    public private(set) var fetchCount = 0

    /// A cache that fetches `jwksURI` on first use and again for unknown `kid`s.
    ///
    /// - Parameters:
    ///   - issuer: The provider's issuer (for messages).
    ///   - jwksURI: The provider's `jwks_uri`.
    ///   - http: The network edge.
    ///   - minimumRefetchInterval: Shortest time, in seconds, between two fetches. Default 60.
    ///   - logger: Where fetches are logged (no-op by default).
    public init(
        issuer: String, jwksURI: URL, http: any UpstreamHTTP, minimumRefetchInterval: TimeInterval = 60,
        logger: Logger = Logger(label: "gatehouse.federation.jwks", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.issuer = issuer
        self.source = .remote(jwksURI, http)
        self.minimumRefetchInterval = minimumRefetchInterval
        self.logger = logger
    }

    /// A fixed set that is never fetched (`gatehouse oidc verify-id-token --jwks FILE`).
    ///
    /// - Throws: ``FederationError/Code/malformedMessage`` when `jwks` is not a JWKS.
    public init(issuer: String, jwks: [UInt8]) throws {
        self.issuer = issuer
        self.source = .fixed
        self.minimumRefetchInterval = .infinity
        self.logger = Logger(label: "gatehouse.federation.jwks", factory: { _ in SwiftLogNoOpLogHandler() })
        self.keys = try Self.parse(jwks)
        self.lastFetch = .distantPast
    }

    /// The `kid`s currently known.
    public var keyIDs: [String] { keys.compactMap { $0.keyIdentifier?.string } }

    /// Fetches the set now, whatever the rate limit (an operator's "refresh keys").
    public func refresh(now: Date) async throws {
        try await fetch(now: now)
    }

    /// The provider key for `kid` as a jwt-kit algorithm bound to `algorithm`, and its name for messages.
    ///
    /// - Throws: ``FederationError/Code/unknownKey`` when no key has that `kid` (after at most one
    ///   rate-limited refetch); ``FederationError/Code/weakAlgorithm`` when the key does not fit the
    ///   algorithm; ``FederationError/Code/upstreamHTTP`` when the set cannot be fetched.
    func verifier(kid: String?, algorithm: IDTokenAlgorithm, now: Date) async throws -> (any JWTAlgorithm, String) {
        let lookup = Lookup(kid: kid, algorithm: algorithm)
        if inFlight == nil, let known = verifiers[lookup] { return known }
        if lastFetch == nil && inFlight == nil { try await fetch(now: now) }
        if let pending = inFlight { _ = try? await pending.value }
        var key = try find(kid: kid, algorithm: algorithm)
        if key == nil, case .remote = source {
            if let pending = inFlight {
                _ = try? await pending.value
            } else if let lastFetch, now.timeIntervalSince(lastFetch) < minimumRefetchInterval {
                if let lastFailure {
                    throw FederationError(
                        lastFailure.code,
                        "\(issuer)'s JWKS could not be fetched (\(lastFailure.reason)); next attempt in "
                            + "\(Int(minimumRefetchInterval - now.timeIntervalSince(lastFetch))) s")
                }
                throw FederationError(
                    .unknownKey,
                    "\(Self.name(kid)) is not in \(issuer)'s JWKS, and it was fetched \(Int(now.timeIntervalSince(lastFetch))) s ago "
                        + "(refetch at most every \(Int(minimumRefetchInterval)) s)")
            } else {
                logger.info("unknown kid; refetching JWKS", metadata: ["issuer": "\(issuer)", "key": "\(Self.name(kid))"])
                try await fetch(now: now)
            }
            key = try find(kid: kid, algorithm: algorithm)
        }
        guard let key else {
            throw FederationError(.unknownKey, "\(Self.name(kid)) is not in \(issuer)'s JWKS (\(keys.count) keys, refetched)")
        }
        return try await verificationKey(for: key, lookup: lookup)
    }

    /// The key for `kid`; without a `kid`, the only key that fits the algorithm (OIDC Core §10.1).
    private func find(kid: String?, algorithm: IDTokenAlgorithm) throws -> JWK? {
        if let kid {
            guard let key = keys.first(where: { $0.keyIdentifier?.string == kid }) else { return nil }
            try Self.checkFit(key, algorithm: algorithm)
            return key
        }
        let candidates = keys.filter { (try? Self.checkFit($0, algorithm: algorithm)) != nil }
        guard candidates.count == 1 else {
            if candidates.count > 1 {
                throw FederationError(.unknownKey, "the token has no kid and \(issuer)'s JWKS has \(candidates.count) \(algorithm) keys")
            }
            return nil
        }
        return candidates[0]
    }

    /// Refuses a key whose type, curve or declared algorithm is not the token's algorithm.
    static func checkFit(_ key: JWK, algorithm: IDTokenAlgorithm) throws {
        var name: String { Self.name(key.keyIdentifier?.string) }
        guard let keyType = algorithm.keyType, key.keyType.rawValue == keyType else {
            throw FederationError(.weakAlgorithm, "\(name) is a \(key.keyType.rawValue) key; the token says \(algorithm)")
        }
        if let curve = algorithm.curve, key.curve?.rawValue != curve {
            throw FederationError(.weakAlgorithm, "\(name) is on curve \(key.curve?.rawValue ?? "?"); \(algorithm) needs \(curve)")
        }
        if let declared = key.algorithm, declared.rawValue != algorithm.rawValue {
            throw FederationError(.weakAlgorithm, "\(name) is for \(declared.rawValue); the token says \(algorithm)")
        }
    }

    /// The jwt-kit key for `key`, which was found for `lookup` and fits its algorithm.
    private func verificationKey(for key: JWK, lookup: Lookup) async throws -> (key: any JWTAlgorithm, name: String) {
        if let cached = verifiers[lookup] { return cached }
        let algorithm = lookup.algorithm
        let kid = key.keyIdentifier?.string ?? "_"
        var bound = key
        bound.algorithm = JWK.Algorithm(rawValue: algorithm.rawValue)
        bound.keyIdentifier = JWKIdentifier(string: kid)
        let verificationKey: any JWTAlgorithm
        let builtFrom = generation
        do {
            let collection = try await JWTKeyCollection().add(jwk: bound)
            verificationKey = try await collection.getKey(for: JWKIdentifier(string: kid), alg: algorithm.rawValue)
        } catch {
            throw FederationError(.untrustedKey, "\(Self.name(kid)) in \(issuer)'s JWKS is not a usable \(algorithm) key: \(error)")
        }
        builtKeyCount += 1
        let verifier = (key: verificationKey, name: Self.name(key.keyIdentifier?.string))
        if generation == builtFrom { verifiers[lookup] = verifier }
        return verifier
    }

    private func fetch(now: Date) async throws {
        guard case .remote(let url, let http) = source else { return }
        if let pending = inFlight {
            _ = try await pending.value
            return
        }
        lastFetch = now
        fetchCount += 1
        let task = Task { () throws -> [JWK] in
            let response = try await http.get(url, headers: ["accept": "application/json"])
            guard response.isSuccess else {
                throw FederationError(.upstreamHTTP, "JWKS \(UpstreamHTTPClient.describe(url)) answered HTTP \(response.status)")
            }
            return try Self.parse(response.body)
        }
        inFlight = task
        defer { inFlight = nil }
        let fetched: [JWK]
        do {
            fetched = try await task.value
            lastFailure = nil
        } catch {
            lastFailure = error as? FederationError ?? FederationError(.upstreamHTTP, "\(error)")
            throw error
        }
        keys = fetched
        verifiers = [:]
        generation += 1
        logger.debug("fetched JWKS", metadata: ["issuer": "\(issuer)", "keys": "\(fetched.count)"])
    }

    /// The signature keys of a JWKS document, skipping encryption keys and unknown key types.
    static func parse(_ body: [UInt8]) throws -> [JWK] {
        struct Document: Decodable { var keys: [PlainJSON] }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(body))
        } catch {
            throw FederationError(.malformedMessage, "the JWKS is not a JSON Web Key Set: \(DecodingErrorText.describe(error))")
        }
        return document.keys.compactMap { entry -> JWK? in
            guard case .object(let members) = entry else { return nil }
            if case .string(let use)? = members["use"], use != "sig" { return nil }
            guard let data = try? JSONEncoder().encode(entry) else { return nil }
            return try? JSONDecoder().decode(JWK.self, from: data)
        }
    }

    private static func name(_ kid: String?) -> String {
        kid.map { "key '\(AuthorizationResponseValidation.printable($0))'" } ?? "a key without kid"
    }
}
