import Benchmark
import Crypto
import CryptoExtras
import FlowEngine
import Federation
import Foundation
import JWTKit
import Synchronization

// Federation on one core: full validation of a signed SAML Response, and OIDC ID token verification
// (RS256, ES256). Everything is prepared once, in the setup hook; each iteration is one validation.
//
// The fixtures are the committed test keys (fixtures/keys/saml-idp.*, fixtures/keys/oidc-provider-*),
// at a fixed `now` inside the message's validity window. The SAML replay cache always answers "free",
// so validating the same assertion again and again is not rejected as a replay.

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(5),
        maxIterations: 1_000_000
    )

    // Both signed (~7 KB), and the case: a ~5 KB Response with one signature, on the Assertion
    // (what Microsoft Entra ID and ADFS send by default).
    let samlCases: [(name: String, fixture: @Sendable (FederationFixtures) -> SAMLFixture)] = [
        ("SAML: validate signed Response (~7 KB)", { $0.saml }),
        ("SAML: validate Response with signed Assertion (~5 KB)", { $0.samlAssertionSigned }),
    ]
    for samlCase in samlCases {
        Benchmark(samlCase.name, configuration: configuration) { _ in
            let saml = FederationFixtures.shared.withLock { samlCase.fixture($0!) }
            let verdict = await saml.validator.validate(saml.message, expectedRequestID: saml.requestID, now: saml.now)
            precondition(verdict.isAccepted, "the benchmark Response was not accepted")
            blackHole(verdict.isAccepted)
        } setup: {
            try await FederationFixtures.load()
        }
    }

    Benchmark("OIDC: verify ID token RS256", configuration: configuration) { _ in
        let oidc = FederationFixtures.shared.withLock { $0!.oidc }
        let verified = try await oidc.verifier.verifyIDToken(
            oidc.rs256Token, expectedIssuer: .exactly(OIDCFixture.issuer), expectedAudience: OIDCFixture.clientID,
            nonce: OIDCFixture.nonce, now: oidc.now)
        blackHole(verified)
    } setup: {
        try await FederationFixtures.load()
    }

    // The breakdown of the RS256 verification: the signature alone, over the same token's signing
    // input, through jwt-kit's RSA key and through swift-crypto (BoringSSL) directly.
    Benchmark("OIDC: RS256 signature alone, jwt-kit", configuration: configuration) { _ in
        let signature = FederationFixtures.shared.withLock { $0!.rs256Signature }
        blackHole(try signature.jwtKitKey.verify(signature.signature, signs: signature.signingInput))
    } setup: {
        try await FederationFixtures.load()
    }

    Benchmark("OIDC: RS256 signature alone, swift-crypto", configuration: configuration) { _ in
        let signature = FederationFixtures.shared.withLock { $0!.rs256Signature }
        let digest = SHA256.hash(data: signature.signingInput)
        blackHole(
            signature.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature.signature), for: digest, padding: .insecurePKCS1v1_5))
    } setup: {
        try await FederationFixtures.load()
    }

    Benchmark("OIDC: verify ID token ES256", configuration: configuration) { _ in
        let oidc = FederationFixtures.shared.withLock { $0!.oidc }
        let verified = try await oidc.verifier.verifyIDToken(
            oidc.es256Token, expectedIssuer: .exactly(OIDCFixture.issuer), expectedAudience: OIDCFixture.clientID,
            nonce: OIDCFixture.nonce, now: oidc.now)
        blackHole(verified)
    } setup: {
        try await FederationFixtures.load()
    }
}

/// The committed test keys, found from this file's path (Benchmarks/Benchmarks/FederationBenchmarks/ → repository root).
let keysDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/keys")

func pem(_ name: String) throws -> String {
    try String(contentsOf: keysDirectory.appendingPathComponent(name), encoding: .utf8)
}

/// A replay cache that never sees a replay: every claim succeeds.
struct AlwaysFreeReplayCache: AssertionReplayCache {
    func claim(id: String, until: Date, now: Date) async throws -> Bool { true }
}

/// Everything the benchmarks use, made once.
struct FederationFixtures: Sendable {
    static let shared = Mutex<FederationFixtures?>(nil)

    var saml: SAMLFixture
    var samlAssertionSigned: SAMLFixture
    var oidc: OIDCFixture
    var rs256Signature: RS256SignatureFixture

    static func load() async throws {
        if shared.withLock({ $0 != nil }) { return }
        let oidc = try await OIDCFixture.make()
        let fixtures = FederationFixtures(
            saml: try SAMLFixture.make(), samlAssertionSigned: try SAMLFixture.make(signResponse: false), oidc: oidc,
            rs256Signature: try await RS256SignatureFixture.make(token: oidc.rs256Token))
        shared.withLock { $0 = fixtures }
        // Shown once per process, so the documented message size can be checked against the run.
        FileHandle.standardError.write(
            Data(
                ("SAML Response: \(fixtures.saml.xmlSize) bytes of XML, \(fixtures.saml.message.utf8.count) bytes base64; "
                    + "with only the Assertion signed: \(fixtures.samlAssertionSigned.xmlSize) bytes of XML\n").utf8))
    }
}

/// A signed (Response and Assertion, or the Assertion only; RSA-SHA256) solicited Response and a validator that accepts it.
struct SAMLFixture: Sendable {
    static let spEntityID = "https://gatehouse.test/saml/acme-saml"
    static let acs = "https://gatehouse.test/saml/acs"
    static let idpEntityID = "https://idp.acme.test/saml"
    static let ssoURL = "https://idp.acme.test/sso"
    static let emailAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
    static let nameAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
    static let groupsAttribute = "groups"

    var validator: SAMLResponseValidator
    /// The `SAMLResponse` form field (base64).
    var message: String
    var requestID: String
    var now: Date
    /// Size of the Response XML, in bytes.
    var xmlSize: Int

    /// - Parameter signResponse: Whether the Response is signed as well as the Assertion.
    static func make(signResponse: Bool = true) throws -> SAMLFixture {
        let issuedAt = Date(timeIntervalSince1970: 1_772_442_000)  // 2026-03-02T09:00:00Z
        let idpCertificate = try pem("saml-idp.crt.pem")
        let serviceProvider = SAMLServiceProvider(
            connection: "acme-saml", entityID: spEntityID, assertionConsumerServiceURL: acs,
            identityProvider: SAMLIdentityProvider(entityID: idpEntityID, singleSignOnURL: ssoURL, signingCertificates: [idpCertificate]),
            allowUnsolicited: false, nameIDFormat: SAML.NameIDFormat.emailAddress,
            attributeMapping: [emailAttribute: "email", nameAttribute: "name", groupsAttribute: "groups"],
            levelMapping: [SAML.AuthnContextClass.passwordProtectedTransport: "loa1"]
        )
        let idp = SAMLTestIdP(
            entityID: idpEntityID, signingKey: try SAMLSigningKey(privateKeyPEM: try pem("saml-idp.key.pem"), certificatePEM: idpCertificate))
        // The tests' user (two groups). With the Response and the Assertion both signed, each signature
        // carrying the IdP certificate, this is about 7 KB of XML: the smallest realistic signed Response.
        let groups = ["staff", "r&d"]
        let user = SAMLTestIdP.User(
            nameID: "zoe@acme.test",
            attributes: [emailAttribute: ["zoe@acme.test"], nameAttribute: ["Zoe Acme"], groupsAttribute: groups]
        )
        var generator = SystemRandomNumberGenerator()
        let randomBytes: (Int) -> [UInt8] = { count in (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) } }
        let request = AuthnRequest(serviceProvider: serviceProvider, now: issuedAt, randomBytes: randomBytes)
        var options = SAMLTestIdP.Options()
        options.signResponse = signResponse
        let issued = try idp.response(to: request, user: user, now: issuedAt, options: options, randomBytes: randomBytes)
        let validator = try SAMLResponseValidator(serviceProvider: serviceProvider, replayCache: AlwaysFreeReplayCache())
        return SAMLFixture(
            validator: validator, message: issued.base64, requestID: request.id, now: issuedAt.addingTimeInterval(30),
            xmlSize: issued.xml.utf8.count)
    }
}

/// One RS256 and one ES256 ID token from the test provider, and a verifier over its JWKS (fixed, never fetched).
struct OIDCFixture: Sendable {
    static let issuer = "https://idp.test"
    static let clientID = "gatehouse-test"
    static let nonce = "n-0S6_WzA2Mj"

    var verifier: IDTokenVerifier
    var rs256Token: String
    var es256Token: String
    var now: Date

    static func make() async throws -> OIDCFixture {
        let issuedAt = Date(timeIntervalSince1970: 1_772_359_200)  // 2026-03-01T10:00:00Z
        let keys = try TestSigningKey.fixtureKeys(in: keysDirectory)
        let provider = TestOIDCProvider(configuration: .init(issuer: issuer), keys: [keys.rs256, keys.es256], now: { issuedAt })
        let iat = issuedAt.timeIntervalSince1970.rounded(.down)
        let claims: [String: PlainJSON] = [
            "iss": .string(issuer), "sub": .string("alice-0001"), "aud": .string(clientID), "nonce": .string(nonce),
            "iat": .number(iat), "exp": .number(iat + 300),
        ]
        let rs256Token = try await provider.mintIDToken(claims: claims, keyID: keys.rs256.keyID)
        let es256Token = try await provider.mintIDToken(claims: claims, keyID: keys.es256.keyID)
        let jwks = PlainJSON.object(["keys": .array([.object(try keys.rs256.publicJWK()), .object(try keys.es256.publicJWK())])])
        let cache = try JWKSCache(issuer: issuer, jwks: Array(try JSONEncoder().encode(jwks)))
        let verifier = IDTokenVerifier(keys: cache, allowedAlgorithms: [.rs256, .es256], clockSkew: 120, clientSecret: nil)
        return OIDCFixture(verifier: verifier, rs256Token: rs256Token, es256Token: es256Token, now: issuedAt.addingTimeInterval(30))
    }
}

/// The RS256 token's signing input and signature, and its public key as jwt-kit and swift-crypto hold it.
struct RS256SignatureFixture: Sendable {
    var signingInput: [UInt8]
    var signature: [UInt8]
    var jwtKitKey: any JWTAlgorithm
    var publicKey: _RSA.Signing.PublicKey

    static func make(token: String) async throws -> RS256SignatureFixture {
        let bytes = Array(token.utf8)
        let lastPeriod = bytes.lastIndex(of: UInt8(ascii: "."))!
        var encoded = String(decoding: bytes[(lastPeriod + 1)...], as: UTF8.self)
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        encoded += String(repeating: "=", count: (4 - encoded.count % 4) % 4)
        let publicKeyPEM = try pem("oidc-provider-rs256.pub.pem")
        let jwtKitKey = try await JWTKeyCollection()
            .add(rsa: try Insecure.RSA.PublicKey(pem: publicKeyPEM), digestAlgorithm: .sha256).getKey()
        return RS256SignatureFixture(
            signingInput: Array(bytes[..<lastPeriod]), signature: Array(Data(base64Encoded: encoded)!), jwtKitKey: jwtKitKey,
            publicKey: try _RSA.Signing.PublicKey(pemRepresentation: publicKeyPEM))
    }
}
