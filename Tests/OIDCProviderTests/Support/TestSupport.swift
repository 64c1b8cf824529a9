import Authenticators
import Crypto
import CryptoExtras
import Directory
import FlowEngine
import Foundation
import JWTKit
import Synchronization
import Testing
@testable import OIDCProvider

/// The fixed instant every test starts at.
let now = Date(timeIntervalSince1970: 1_700_000_000)
let issuer = "https://login.gatehouse.test"

/// RSA-2048 key generation is slow in debug builds, so tests draw from keys made once per process.
enum TestKeys {
    private static let pool: [_RSA.Signing.PrivateKey] = (0..<4).map { _ in try! _RSA.Signing.PrivateKey(keySize: .bits2048) }
    private static let next = Mutex(0)

    /// The `index`-th RSA key of the pool.
    static func rsa(_ index: Int) -> _RSA.Signing.PrivateKey { pool[index % pool.count] }

    /// A generator that hands out the pool's RSA keys in turn (a fresh one per rotation within a test)
    /// and fresh P-256 keys.
    static func generator() -> SigningKeyGenerator {
        let counter = Mutex(0)
        return SigningKeyGenerator(
            rsa: { pool[counter.withLock { value in defer { value += 1 }; return value } % pool.count] },
            p256: { P256.Signing.PrivateKey() })
    }
}

/// 32 bytes of key-encryption key.
let testKEK = try! KeyEncryptionKey(base64: Data(repeating: 7, count: 32).base64EncodedString())
let otherKEK = try! KeyEncryptionKey(base64: Data(repeating: 8, count: 32).base64EncodedString())
let pairwiseSalt = Array(repeating: UInt8(42), count: 32)

/// SHA-256 hex of a client secret, as the directory stores it.
func secretHash(_ secret: String) -> String {
    SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
}

/// A client's own key pair for `private_key_jwt`, and the JWKS it registers.
struct ClientKeyPair: Sendable {
    let key = ES256PrivateKey()
    let kid = "client-key-1"

    var jwks: PlainJSON {
        let (x, y) = key.parameters!
        return .object(["keys": .array([.object([
            "kty": .string("EC"), "crv": .string("P-256"), "x": .string(x), "y": .string(y), "kid": .string(kid),
            "use": .string("sig"), "alg": .string("ES256"),
        ])])])
    }

    /// Signs an assertion with the given claims (defaults: valid for `jwt-client` at the token endpoint).
    func assertion(
        iss: String = "jwt-client", sub: String = "jwt-client", aud: String = issuer + "/token",
        exp: Date = now.addingTimeInterval(120), jti: String? = UUID().uuidString, kid: String? = nil,
        signingKey: ES256PrivateKey? = nil
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: signingKey ?? key, kid: JWKIdentifier(string: kid ?? self.kid))
        let claims = ClientAssertionClaims(
            iss: iss, sub: sub, aud: AudienceClaim(value: [aud]), exp: exp.timeIntervalSince1970, nbf: nil,
            iat: now.timeIntervalSince1970, jti: jti)
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid ?? self.kid))
    }
}

/// Everything a provider test needs, built the same way each time: a directory with users, apps with
/// each kind of client registration, a key ring, and the services.
struct Provider {
    static let webSecret = "web-secret-0123456789"
    static let postSecret = "post-secret-0123456789"

    let store: MemoryStore
    let configuration: ProviderConfiguration
    let registry: ClientRegistry
    let keys: SigningKeyStore
    let service: TokenService
    let validator: AuthorizationRequestValidator
    let clientKeys: ClientKeyPair
    let random: SeededRandom

    static func make(seed: UInt64 = 1) async throws -> Provider {
        let clientKeys = ClientKeyPair()
        let apps: [(Application, OIDCClientSettings?)] = [
            (Application(id: "web", name: "Web", flow: "f", redirectURIs: ["https://web.example/cb", "https://web.example/cb2"]),
             OIDCClientSettings(secretHash: secretHash(webSecret), postLogoutRedirectURIs: ["https://web.example/bye"])),
            (Application(id: "post-client", name: "Post", flow: "f", redirectURIs: ["https://post.example/cb"]),
             OIDCClientSettings(tokenEndpointAuthMethod: .clientSecretPost, secretHash: secretHash(postSecret))),
            (Application(id: "jwt-client", name: "JWT", flow: "f", redirectURIs: ["https://jwt.example/cb"]),
             OIDCClientSettings(tokenEndpointAuthMethod: .privateKeyJWT, jwks: clientKeys.jwks)),
            (Application(id: "spa", name: "SPA", flow: "f", redirectURIs: ["https://spa.example/cb"]),
             OIDCClientSettings(type: .public, tokenEndpointAuthMethod: .none)),
            (Application(id: "es-pairwise", name: "ES", flow: "f", redirectURIs: ["https://es.example/cb"]),
             OIDCClientSettings(type: .public, idTokenSignedResponseAlg: "ES256", subjectType: "pairwise")),
            (Application(id: "other-sector", name: "Other", flow: "f", redirectURIs: ["https://other.example/cb"]),
             OIDCClientSettings(type: .public, subjectType: "pairwise")),
            (Application(id: "same-sector", name: "Same", flow: "f", redirectURIs: ["https://es.example/other-cb"]),
             OIDCClientSettings(type: .public, subjectType: "pairwise")),
            (Application(id: "bare", name: "Bare", flow: "f", redirectURIs: ["https://bare.example/cb"]), nil),
        ]
        let registry = ClientRegistry(clients: try apps.map { try OIDCClient(application: $0.0, settings: $0.1) })
        let store = try MemoryStore(config: DirectoryConfig(
            levels: [AssuranceLevel(name: "loa1", methods: [["pwd"]]), AssuranceLevel(name: "loa2", methods: [["pwd", "otp"]])],
            users: [
                UserRecord(id: "u-alice", email: "alice@acme.test", name: "Alice"),
                UserRecord(id: "u-bob", email: "bob@acme.test", status: .suspended),
            ]))
        let configuration = try ProviderConfiguration(issuer: issuer, pairwiseSalt: pairwiseSalt, levels: ["loa1", "loa2"])
        let random = SeededRandom(seed: seed)
        let keys = try await SigningKeyStore.open(
            store: store, kek: testKEK, now: now, random: random, generator: TestKeys.generator())
        return Provider(
            store: store, configuration: configuration, registry: registry, keys: keys,
            service: TokenService(configuration: configuration, registry: registry, keys: keys, store: store, random: random),
            validator: AuthorizationRequestValidator(registry: registry, configuration: configuration),
            clientKeys: clientKeys, random: random)
    }

    /// A session for Alice in Acme.
    static func session(user: UserID = "u-alice") -> AuthenticatedSession {
        AuthenticatedSession(
            sid: "sid-1", user: user, email: "alice@acme.test", emailVerified: true, name: "Alice",
            organization: OrganizationContext(id: "acme", name: "Acme", path: ["provider", "acme"]), roles: ["admin"],
            claims: ["department": "R&D", "iss": "spoofed"], acr: "loa2", amr: ["pwd", "otp"],
            authTime: now.addingTimeInterval(-30), upstream: nil, upstreamLevel: nil)
    }

    /// A validated request for `client` (fails the test if validation fails).
    func request(
        client: String = "web", redirectURI: String? = nil, scope: String = "openid email profile", verifier: String? = nil,
        nonce: String? = "n-1"
    ) throws -> AuthorizationRequest {
        let uri = redirectURI ?? registry.client(id: client)!.redirectURIs[0]
        var parameters: [String: [String]] = [
            "client_id": [client], "redirect_uri": [uri], "response_type": ["code"], "scope": [scope], "state": ["s-1"],
        ]
        if let nonce { parameters["nonce"] = [nonce] }
        if let verifier {
            parameters["code_challenge"] = [PKCE.challenge(forVerifier: verifier)]
            parameters["code_challenge_method"] = ["S256"]
        }
        return try validator.validate(parameters: parameters).get()
    }

    /// A code for `request` and Alice's session.
    func code(for request: AuthorizationRequest, user: UserID = "u-alice", at time: Date = now) async throws -> String {
        try await service.issueCode(request: request, session: Self.session(user: user), now: time)
    }

    /// `Authorization: Basic` for the web client.
    static func basic(_ id: String = "web", _ secret: String = webSecret) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    /// Redeems `code` as the web client.
    func redeem(
        _ code: String, redirectURI: String = "https://web.example/cb", verifier: String? = nil,
        authorization: String? = Provider.basic(), extra: [String: [String]] = [:], at time: Date = now
    ) async throws(OAuthError) -> TokenResponse {
        var parameters: [String: [String]] = ["grant_type": ["authorization_code"], "code": [code], "redirect_uri": [redirectURI]]
        if let verifier { parameters["code_verifier"] = [verifier] }
        parameters.merge(extra) { _, new in new }
        return try await service.token(parameters: parameters, authorizationHeader: authorization, now: time)
    }

    /// Uses a refresh token as the web client.
    func refresh(
        _ token: String, scope: String? = nil, authorization: String? = Provider.basic(), at time: Date = now
    ) async throws(OAuthError) -> TokenResponse {
        var parameters: [String: [String]] = ["grant_type": ["refresh_token"], "refresh_token": [token]]
        if let scope { parameters["scope"] = [scope] }
        return try await service.token(parameters: parameters, authorizationHeader: authorization, now: time)
    }

    /// Logs Alice in to the web client and returns the token response.
    func login(scope: String = "openid email profile offline_access") async throws -> TokenResponse {
        let code = try await code(for: try request(scope: scope))
        return try await redeem(code)
    }
}

/// The OAuth error a throwing call produced, or nil when it succeeded.
func oauthError<T>(_ body: () async throws -> T) async -> OAuthError? {
    do {
        _ = try await body()
        return nil
    } catch let error as OAuthError {
        return error
    } catch {
        Issue.record("expected an OAuthError, got \(error)")
        return OAuthError("unexpected", "\(error)")
    }
}
