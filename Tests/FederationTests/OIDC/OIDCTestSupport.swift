import Authenticators
import Directory
import FlowEngine
import Foundation
import Synchronization

@testable import Federation

/// The committed test keys under `fixtures/keys/oidc-*`.
enum OIDCFixtures {
    static let keysDirectory = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "fixtures/keys")

    static func pem(_ name: String) throws -> String {
        try String(contentsOf: keysDirectory.appending(path: name), encoding: .utf8)
    }

    static func providerKeys() throws -> (rs256: TestSigningKey, es256: TestSigningKey, nextRS256: TestSigningKey) {
        try TestSigningKey.fixtureKeys(in: keysDirectory)
    }

    /// The relying party's own key for `private_key_jwt`.
    static var clientPrivateKey: String { get throws { try pem("oidc-client-rs256.key.pem") } }
    static var clientPublicKey: String { get throws { try pem("oidc-client-rs256.pub.pem") } }
    /// The Sign in with Apple key (P-256).
    static var applePrivateKey: String { get throws { try pem("oidc-apple-client-es256.key.pem") } }
    static var applePublicKey: String { get throws { try pem("oidc-apple-client-es256.pub.pem") } }

    /// A fixed instant for tests: 2026-03-01T10:00:00Z.
    static let referenceTime = Date(timeIntervalSince1970: 1_772_359_200)
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = OIDCFixtures.referenceTime) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }

    var closure: @Sendable () -> Date { { [self] in now } }
}

/// Routes requests to in-process fakes by URL prefix, like DNS at the edge of the network.
struct FakeNetwork: UpstreamHTTP {
    typealias Handler = @Sendable (UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse

    var routes: [(prefix: String, handler: Handler)]

    init(_ routes: [(String, Handler)] = []) { self.routes = routes.map { (prefix: $0.0, handler: $0.1) } }

    init(provider: TestOIDCProvider, prefix: String) {
        let handler: Handler = { try await provider.send($0) }
        self.init([(prefix, handler)])
    }

    func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        guard let route = routes.first(where: { request.url.absoluteString.hasPrefix($0.prefix) }) else {
            throw FederationError(.upstreamHTTP, "no route to \(request.url.absoluteString)")
        }
        return try await route.handler(request)
    }
}

/// A provider and a relying party wired together through a ``FakeNetwork``.
struct OIDCHarness {
    static let issuer = "https://idp.test"
    static let clientID = "gatehouse-test"
    static let clientSecret = "s3cret with spaces & symbols"
    static let redirectURI = URL(string: "https://gatehouse.test/federation/callback")!

    let clock: TestClock
    let provider: TestOIDCProvider
    let relyingParty: OIDCRelyingParty
    let keys: (rs256: TestSigningKey, es256: TestSigningKey, nextRS256: TestSigningKey)

    /// - Parameters:
    ///   - method: The client authentication method both sides use.
    ///   - idTokenAlgorithm: What the provider signs ID tokens with.
    ///   - configure: Changes to the relying party's settings.
    init(
        method: TokenEndpointAuthMethod = .clientSecretBasic, idTokenAlgorithm: IDTokenAlgorithm = .rs256,
        providerConfiguration: TestOIDCProvider.Configuration = .init(issuer: OIDCHarness.issuer),
        connection: ConnectionID = "acme-oidc",
        configure: (inout OIDCConnectionSettings) -> Void = { _ in }
    ) async throws {
        clock = TestClock()
        keys = try OIDCFixtures.providerKeys()
        provider = TestOIDCProvider(configuration: providerConfiguration, keys: [keys.rs256, keys.es256], now: clock.closure)
        let authentication: TestOIDCProvider.Client.Authentication =
            switch method {
            case .clientSecretBasic: .clientSecretBasic(Self.clientSecret)
            case .clientSecretPost: .clientSecretPost(Self.clientSecret)
            case .privateKeyJWT: .privateKeyJWT(publicKeyPEM: try OIDCFixtures.clientPublicKey)
            }
        await provider.register(
            .init(clientID: Self.clientID, redirectURIs: [Self.redirectURI], authentication: authentication, idTokenAlgorithm: idTokenAlgorithm))
        await provider.add(
            .init(
                subject: "alice-0001", email: "alice@acme.test", name: "Alice Example", acr: "urn:acme:mfa", amr: ["pwd", "otp"],
                claims: ["groups": .array([.string("admins"), .string("staff")])]))
        var settings = OIDCConnectionSettings(
            issuer: providerConfiguration.issuer,
            discoveryURL: OIDCConnectionSettings.defaultDiscoveryURL(issuer: providerConfiguration.baseURL.absoluteString),
            clientID: Self.clientID,
            clientSecret: method == .privateKeyJWT ? nil : Secret(Self.clientSecret),
            privateKey: method == .privateKeyJWT ? Secret(try OIDCFixtures.clientPrivateKey) : nil,
            privateKeyID: method == .privateKeyJWT ? "gatehouse-client-1" : nil,
            tokenEndpointAuthMethod: method,
            levels: OIDCLevelMapping(acr: ["urn:acme:mfa": "loa2", "urn:acme:pwd": "loa1"]),
            redirectURI: Self.redirectURI)
        configure(&settings)
        relyingParty = try OIDCRelyingParty(
            connection: connection, settings: settings, http: FakeNetwork(provider: provider, prefix: providerConfiguration.baseURL.absoluteString))
    }

    /// A whole login as alice: start, approve at the provider, finish.
    func login(
        requiredLevel: LevelName? = nil, tamper: (inout AuthorizationResponse) -> Void = { _ in }
    ) async throws -> UpstreamIdentity {
        let redirect = try await relyingParty.startLogin(
            UpstreamRequest(
                step: "sso", connection: relyingParty.connection, kind: .oidc, loginHint: "alice@acme.test", requiredLevel: requiredLevel),
            now: clock.now)
        var answer = try await provider.authorize(redirect.url, as: "alice-0001")
        tamper(&answer)
        return try await relyingParty.finishLogin(answer, transaction: redirect.transaction, now: clock.now)
    }
}

/// A random source that returns given bytes, then zeros.
func fixedRandom(_ bytes: [UInt8]) -> RandomBytes {
    let remaining = Mutex(bytes)
    return RandomBytes { count in
        remaining.withLock { pool in
            let taken = Array(pool.prefix(count))
            pool.removeFirst(taken.count)
            return taken + Array(repeating: 0, count: count - taken.count)
        }
    }
}

/// Compact JWS pieces for hand-made (malicious) tokens.
enum HandMadeJWT {
    static func encode(_ object: [String: PlainJSON]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Bytes.base64URL(try encoder.encode(PlainJSON.object(object)))
    }

    static func claims(now: Date, nonce: String? = "n-0S6_WzA2Mj", audience: PlainJSON = .string(OIDCHarness.clientID))
        -> [String: PlainJSON]
    {
        var claims: [String: PlainJSON] = [
            "iss": .string(OIDCHarness.issuer), "sub": .string("alice-0001"), "aud": audience,
            "iat": .number(now.timeIntervalSince1970.rounded(.down)), "exp": .number(now.timeIntervalSince1970.rounded(.down) + 300),
        ]
        if let nonce { claims["nonce"] = .string(nonce) }
        return claims
    }
}

/// Literals for settings and claims in tests.
extension PlainJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A provider misbehaviour, made by `change` from none.
func misbehaviour(_ change: (inout TestOIDCProvider.Misbehaviour) -> Void) -> TestOIDCProvider.Misbehaviour {
    var misbehaviour = TestOIDCProvider.Misbehaviour()
    change(&misbehaviour)
    return misbehaviour
}

/// Counts calls from concurrent code.
final class TokenCallCounter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
