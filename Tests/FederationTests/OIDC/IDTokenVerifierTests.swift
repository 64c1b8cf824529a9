import Authenticators
import Crypto
import FlowEngine
import Foundation
import JWTKit
import Testing

@testable import Federation

/// Every check of ``IDTokenVerifier``: each must reject its attack, and good tokens must pass.
@Suite("ID token verification")
struct IDTokenVerifierTests {
    static let nonce = "n-0S6_WzA2Mj"
    let clock = TestClock()
    let keys: (rs256: TestSigningKey, es256: TestSigningKey, nextRS256: TestSigningKey)
    let provider: TestOIDCProvider

    init() async throws {
        keys = try OIDCFixtures.providerKeys()
        provider = TestOIDCProvider(
            configuration: .init(issuer: OIDCHarness.issuer), keys: [keys.rs256, keys.es256], now: TestClock().closure)
    }

    func verifier(
        allowed: [IDTokenAlgorithm] = IDTokenAlgorithm.defaultAllowed, clientSecret: Secret? = nil, refetchInterval: TimeInterval = 60
    ) -> IDTokenVerifier {
        let cache = JWKSCache(
            issuer: OIDCHarness.issuer, jwksURI: URL(string: "https://idp.test/jwks")!,
            http: FakeNetwork(provider: provider, prefix: OIDCHarness.issuer), minimumRefetchInterval: refetchInterval)
        return IDTokenVerifier(keys: cache, allowedAlgorithms: allowed, clockSkew: 120, clientSecret: clientSecret)
    }

    func verify(_ token: String, with verifier: IDTokenVerifier, nonce: String = nonce) async throws -> VerifiedIDToken {
        try await verifier.verifyIDToken(
            token, expectedIssuer: .exactly(OIDCHarness.issuer), expectedAudience: OIDCHarness.clientID, nonce: nonce, now: clock.now)
    }

    func mint(_ change: (inout [String: PlainJSON]) -> Void = { _ in }, keyID: String = "rs256-1") async throws -> String {
        var claims = HandMadeJWT.claims(now: clock.now)
        change(&claims)
        return try await provider.mintIDToken(claims: claims, keyID: keyID)
    }

    func expectRejection(_ code: FederationError.Code, _ token: String, verifier: IDTokenVerifier? = nil, nonce: String = nonce) async {
        await #expect(throws: FederationError(code, "")) {
            _ = try await verify(token, with: verifier ?? self.verifier(), nonce: nonce)
        }
    }

    // MARK: Happy paths

    @Test("accepts RS256 and ES256 tokens signed with the published keys", arguments: ["rs256-1", "es256-1"])
    func acceptsSignedToken(keyID: String) async throws {
        let token = try await mint(keyID: keyID)
        let verified = try await verify(token, with: verifier())
        #expect(verified.subject == "alice-0001")
        #expect(verified.header.algorithm == (keyID == "rs256-1" ? "RS256" : "ES256"))
        #expect(verified.verdict.checks.map(\.check) == IDTokenCheck.allCases)
        #expect(verified.verdict.isValid)
    }

    @Test("a verdict lists every check, and all the failures of a bad token")
    func verdictListsEveryCheck() async throws {
        let token = try await mint { claims in
            claims["iss"] = .string("https://evil.test")
            claims["aud"] = .string("someone-else")
        }
        let verdict = await verifier().inspect(
            token, expectedIssuer: .exactly(OIDCHarness.issuer), expectedAudience: OIDCHarness.clientID, nonce: Self.nonce, now: clock.now)
        #expect(!verdict.isValid)
        #expect(verdict.checks.map(\.check) == IDTokenCheck.allCases)
        #expect(verdict.failures.map(\.code) == [.issuerMismatch, .audienceMismatch])
        #expect(verdict.description.contains("signature: ok"))
        #expect(verdict.description.contains("iss: FAILED issuerMismatch"))
    }

    // MARK: Algorithm attacks

    @Test("rejects alg none, whatever its spelling", arguments: ["none", "None", "NONE"])
    func rejectsAlgNone(alg: String) async throws {
        let header = try HandMadeJWT.encode(["alg": .string(alg), "kid": .string("rs256-1")])
        let token = "\(header).\(try HandMadeJWT.encode(HandMadeJWT.claims(now: clock.now)))."
        await expectRejection(.weakAlgorithm, token)
        // Even a connection that lists every real algorithm never accepts it.
        await expectRejection(
            .weakAlgorithm, token, verifier: verifier(allowed: IDTokenAlgorithm.allCases, clientSecret: Secret(String(repeating: "x", count: 32))))
    }

    /// The classic key confusion: HS256 keyed with the provider's RSA public key, which anyone can fetch.
    func keyConfusionToken() throws -> String {
        let header = try HandMadeJWT.encode(["alg": .string("HS256"), "kid": .string("rs256-1"), "typ": .string("JWT")])
        let signingInput = "\(header).\(try HandMadeJWT.encode(HandMadeJWT.claims(now: clock.now)))"
        let publicKeyPEM = try OIDCFixtures.pem("oidc-provider-rs256.pub.pem")
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: Array(publicKeyPEM.utf8)))
        return signingInput + "." + Bytes.base64URL(Array(mac))
    }

    @Test("rejects HS256 signed with the RSA public key as the HMAC secret (not allowed by default)")
    func rejectsKeyConfusionByDefault() async throws {
        await expectRejection(.weakAlgorithm, try keyConfusionToken())
    }

    @Test("rejects HS256 signed with the RSA public key even when HS256 is allowed: only the client secret keys it")
    func rejectsKeyConfusionWhenHS256Allowed() async throws {
        let verifier = verifier(allowed: [.rs256, .hs256], clientSecret: Secret("the real client secret, 32 bytes or more"))
        await expectRejection(.signatureInvalid, try keyConfusionToken(), verifier: verifier)
    }

    @Test("accepts HS256 keyed with the client secret when the connection allows it")
    func acceptsHS256WithClientSecret() async throws {
        let secret = "the real client secret, 32 bytes or more"
        let header = try HandMadeJWT.encode(["alg": .string("HS256"), "typ": .string("JWT")])
        let signingInput = "\(header).\(try HandMadeJWT.encode(HandMadeJWT.claims(now: clock.now)))"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        let token = signingInput + "." + Bytes.base64URL(Array(mac))
        let verified = try await verify(token, with: verifier(allowed: [.rs256, .hs256], clientSecret: Secret(secret)))
        #expect(verified.header.algorithm == "HS256")
    }

    @Test(
        "jwt-kit's key collection itself refuses HS256 over an RSA JWK, with or without the key's alg",
        arguments: [true, false])
    func jwtKitRefusesKeyConfusion(keyDeclaresAlgorithm: Bool) async throws {
        var jwk = try JWTKit.JWK(json: String(decoding: JSONEncoder().encode(PlainJSON.object(keys.rs256.publicJWK())), as: UTF8.self))
        if !keyDeclaresAlgorithm { jwk.algorithm = nil }
        let collection = JWTKeyCollection()
        try await collection.add(jwk: jwk)
        let token = try keyConfusionToken()
        await #expect(throws: (any Error).self) {
            _ = try await collection.verify(token, as: ClaimSet.self)
        }
    }

    @Test("refuses HS256 with a client secret shorter than the hash (RFC 7518 §3.2)")
    func refusesShortHMACSecret() async throws {
        let header = try HandMadeJWT.encode(["alg": .string("HS256")])
        let token = "\(header).\(try HandMadeJWT.encode(HandMadeJWT.claims(now: clock.now))).c2ln"
        await expectRejection(.weakAlgorithm, token, verifier: verifier(allowed: [.hs256], clientSecret: Secret("short")))
    }

    @Test("rejects an algorithm the connection does not allow")
    func rejectsAlgorithmNotAllowed() async throws {
        await expectRejection(.weakAlgorithm, try await mint(keyID: "es256-1"), verifier: verifier(allowed: [.rs256]))
    }

    @Test("rejects a token whose alg does not fit the key its kid names (ES256 header, RSA key)")
    func rejectsAlgorithmKeyMismatch() async throws {
        let rsToken = try await mint(keyID: "rs256-1")
        let parts = rsToken.split(separator: ".")
        let header = try HandMadeJWT.encode(["alg": .string("ES256"), "kid": .string("rs256-1"), "typ": .string("JWT")])
        await expectRejection(.weakAlgorithm, "\(header).\(parts[1]).\(parts[2])")
    }

    @Test("rejects a signature that does not verify (payload changed after signing)")
    func rejectsTamperedPayload() async throws {
        let token = try await mint()
        let parts = token.split(separator: ".")
        let forged = try HandMadeJWT.encode(HandMadeJWT.claims(now: clock.now).merging(["sub": .string("mallory")]) { $1 })
        await expectRejection(.signatureInvalid, "\(parts[0]).\(forged).\(parts[2])")
    }

    // MARK: Keys

    /// A verifier whose cache fetched the JWKS a while ago, and a provider holding a key it does not publish.
    func warmVerifierWithUnpublishedKey() async throws -> IDTokenVerifier {
        await provider.add(key: keys.nextRS256)
        await provider.misbehave(misbehaviour { $0.publishedKeyIDs = ["rs256-1", "es256-1"] })
        let verifier = verifier()
        _ = try await verify(try await mint(), with: verifier)
        clock.advance(by: 61)
        return verifier
    }

    @Test("rejects an unknown kid after exactly one refetch of the JWKS")
    func rejectsUnknownKidAfterOneRefetch() async throws {
        let verifier = try await warmVerifierWithUnpublishedKey()
        do {
            _ = try await verify(try await mint(keyID: "rs256-2"), with: verifier)
            Issue.record("a token signed with an unpublished key was accepted")
        } catch let error as FederationError {
            #expect(error.code == .unknownKey)
            #expect(error.reason.contains("refetched"))
        }
        #expect(await provider.requestCount(path: "/jwks") == 2)
    }

    @Test("an unknown kid on a cache that was just filled is refused without a second fetch")
    func unknownKidOnColdCache() async throws {
        await provider.add(key: keys.nextRS256)
        await provider.misbehave(misbehaviour { $0.publishedKeyIDs = ["rs256-1"] })
        await expectRejection(.unknownKey, try await mint(keyID: "rs256-2"))
        #expect(await provider.requestCount(path: "/jwks") == 1)
    }

    @Test("refetches the JWKS at most once per interval, however many unknown kids arrive")
    func jwksRefetchIsRateLimited() async throws {
        let verifier = try await warmVerifierWithUnpublishedKey()
        let forged = try await mint(keyID: "rs256-2")
        for _ in 0..<5 { await expectRejection(.unknownKey, forged, verifier: verifier) }
        #expect(await provider.requestCount(path: "/jwks") == 2)
        #expect(await verifier.keys.fetchCount == 2)
        clock.advance(by: 61)
        await expectRejection(.unknownKey, try await mint(keyID: "rs256-2"), verifier: verifier)
        #expect(await provider.requestCount(path: "/jwks") == 3)
    }

    @Test("a JWKS that cannot be fetched fails as upstreamHTTP, and is not asked again within the interval")
    func jwksUnavailable() async throws {
        let calls = TokenCallCounter()
        let down: FakeNetwork.Handler = { _ in
            calls.increment()
            return UpstreamHTTPResponse(status: 503)
        }
        let cache = JWKSCache(
            issuer: OIDCHarness.issuer, jwksURI: URL(string: "https://idp.test/jwks")!, http: FakeNetwork([("https://idp.test", down)]))
        let verifier = IDTokenVerifier(keys: cache, allowedAlgorithms: [.rs256], clockSkew: 120, clientSecret: nil)
        let token = try await mint()
        await expectRejection(.upstreamHTTP, token, verifier: verifier)
        await expectRejection(.upstreamHTTP, token, verifier: verifier)
        #expect(calls.count == 1)
    }

    @Test("a rotated key is found by refetching once the interval has passed")
    func picksUpRotatedKey() async throws {
        let verifier = verifier()
        _ = try await verify(try await mint(), with: verifier)
        await provider.add(key: keys.nextRS256)
        clock.advance(by: 61)
        let verified = try await verify(try await mint(keyID: "rs256-2"), with: verifier)
        #expect(verified.header.keyID == "rs256-2")
        #expect(await provider.requestCount(path: "/jwks") == 2)
    }

    @Test("a key replaced under the same kid is used once the JWKS is refreshed, not the cached one")
    func refreshDropsCachedVerificationKey() async throws {
        let replacement = try TestSigningKey(keyID: "rs256-1", algorithm: .rs256, privateKeyPEM: keys.nextRS256.privateKeyPEM)
        let rotated = TestOIDCProvider(configuration: .init(issuer: OIDCHarness.issuer), keys: [replacement], now: clock.closure)
        let route = ProviderRoute(provider)
        let routed: FakeNetwork.Handler = { try await route.provider.send($0) }
        let cache = JWKSCache(
            issuer: OIDCHarness.issuer, jwksURI: URL(string: "https://idp.test/jwks")!, http: FakeNetwork([(OIDCHarness.issuer, routed)]))
        let verifier = IDTokenVerifier(keys: cache, allowedAlgorithms: [.rs256], clockSkew: 120, clientSecret: nil)
        let before = try await mint()
        _ = try await verify(before, with: verifier)

        await route.switchTo(rotated)
        try await cache.refresh(now: clock.now)
        let after = try await rotated.mintIDToken(claims: HandMadeJWT.claims(now: clock.now), keyID: "rs256-1")
        let verified = try await verify(after, with: verifier)
        #expect(verified.header.keyID == "rs256-1")
        await expectRejection(.signatureInvalid, before, verifier: verifier)
    }

    @Test("the key for a kid is built once and reused for every token it verifies")
    func reusesVerificationKey() async throws {
        let verifier = verifier()
        for keyID in ["rs256-1", "es256-1", "rs256-1", "es256-1"] {
            _ = try await verify(try await mint(keyID: keyID), with: verifier)
        }
        #expect(await verifier.keys.builtKeyCount == 2)
        #expect(await provider.requestCount(path: "/jwks") == 1)
    }

    // MARK: Claims

    @Test("rejects another issuer")
    func rejectsWrongIssuer() async throws {
        await expectRejection(.issuerMismatch, try await mint { $0["iss"] = .string("https://idp.test/") })
        await expectRejection(.issuerMismatch, try await mint { $0["iss"] = nil })
    }

    @Test("rejects a token for another audience")
    func rejectsWrongAudience() async throws {
        await expectRejection(.audienceMismatch, try await mint { $0["aud"] = .string("another-client") })
        await expectRejection(.audienceMismatch, try await mint { $0["aud"] = .array([.string("another-client")]) })
    }

    @Test("rejects azp naming another client")
    func rejectsAuthorizedPartyMismatch() async throws {
        await expectRejection(.audienceMismatch, try await mint { $0["azp"] = .string("another-client") })
    }

    @Test("rejects several audiences without azp, accepts them with azp = our client")
    func requiresAuthorizedPartyForSeveralAudiences() async throws {
        let audiences = PlainJSON.array([.string(OIDCHarness.clientID), .string("api://other")])
        await expectRejection(.audienceMismatch, try await mint { $0["aud"] = audiences })
        let accepted = try await verify(
            try await mint {
                $0["aud"] = audiences
                $0["azp"] = .string(OIDCHarness.clientID)
            }, with: verifier())
        #expect(accepted.claims.audiences.count == 2)
    }

    @Test("rejects a nonce that is not this login's")
    func rejectsWrongNonce() async throws {
        await expectRejection(.nonceMismatch, try await mint(), nonce: "another-login")
    }

    @Test("rejects a token without nonce")
    func rejectsMissingNonce() async throws {
        await expectRejection(.nonceMismatch, try await mint { $0["nonce"] = nil })
    }

    @Test("rejects an expired token, beyond the clock skew")
    func rejectsExpired() async throws {
        let now = clock.now.timeIntervalSince1970.rounded(.down)
        await expectRejection(.expired, try await mint { $0["exp"] = .number(now - 121) })
        await expectRejection(.tokenInvalid, try await mint { $0["exp"] = nil })
        // Within the skew it still passes.
        _ = try await verify(try await mint { $0["exp"] = .number(now - 60) }, with: verifier())
    }

    @Test("rejects iat in the future beyond the clock skew")
    func rejectsIssuedInTheFuture() async throws {
        let now = clock.now.timeIntervalSince1970.rounded(.down)
        await expectRejection(.notYetValid, try await mint { $0["iat"] = .number(now + 300) })
        await expectRejection(.tokenInvalid, try await mint { $0["iat"] = nil })
        _ = try await verify(try await mint { $0["iat"] = .number(now + 60) }, with: verifier())
    }

    @Test("rejects nbf in the future")
    func rejectsNotBefore() async throws {
        let now = clock.now.timeIntervalSince1970.rounded(.down)
        await expectRejection(.notYetValid, try await mint { $0["nbf"] = .number(now + 600) })
    }

    @Test("rejects a token without sub, or with an empty one")
    func rejectsMissingSubject() async throws {
        await expectRejection(.tokenInvalid, try await mint { $0["sub"] = nil })
        await expectRejection(.tokenInvalid, try await mint { $0["sub"] = .string("") })
    }

    @Test("rejects malformed tokens: two parts, five parts (JWE), garbage")
    func rejectsMalformed() async throws {
        await expectRejection(.malformedMessage, "abc.def")
        await expectRejection(.malformedMessage, "a.b.c.d.e")
        await expectRejection(.malformedMessage, "!!!.???.###")
    }

    @Test("rejects a header or claims that repeat a member name (RFC 7519 §7.2), or are not JSON objects")
    func rejectsAmbiguousJSON() async throws {
        let parts = try await mint().split(separator: ".")
        let claims = String(decoding: Bytes.bytes(base64URL: parts[1])!, as: UTF8.self)
        let repeatedSubject = Bytes.base64URL(Array("\(claims.dropLast()),\"sub\":\"mallory\"}".utf8))
        let repeatedAlgorithm = Bytes.base64URL(Array(#"{"alg":"RS256","kid":"rs256-1","alg":"none"}"#.utf8))
        let array = Bytes.base64URL(Array(#"["RS256"]"#.utf8))
        await expectRejection(.malformedMessage, "\(parts[0]).\(repeatedSubject).\(parts[2])")
        await expectRejection(.malformedMessage, "\(repeatedAlgorithm).\(parts[1]).\(parts[2])")
        await expectRejection(.malformedMessage, "\(array).\(parts[1]).\(parts[2])")
        await expectRejection(.malformedMessage, "\(parts[0]).\(array).\(parts[2])")
    }

    @Test("reads nested and non-string claims as sent")
    func readsEveryClaimKind() async throws {
        let token = try await mint {
            $0["address"] = .object(["country": .string("NL"), "lines": .array([.string("1 Main St"), .null])])
            $0["email_verified"] = .bool(true)
            $0["amr"] = .array([.string("pwd"), .string("otp")])
            $0["score"] = .number(0.5)
        }
        let claims = try await verify(token, with: verifier()).claims
        #expect(claims.all["address"] == .object(["country": .string("NL"), "lines": .array([.string("1 Main St"), .null])]))
        #expect(claims.bool("email_verified") == true)
        #expect(claims.amr == ["pwd", "otp"])
        #expect(claims.all["score"] == .number(0.5))
        #expect(claims.expiresAt == Date(timeIntervalSince1970: clock.now.timeIntervalSince1970.rounded(.down) + 300))
    }

    @Test("rejects a critical header extension it does not understand")
    func rejectsCriticalHeader() async throws {
        let token = try await mint()
        let parts = token.split(separator: ".")
        let header = try HandMadeJWT.encode(["alg": .string("RS256"), "kid": .string("rs256-1"), "crit": .array([.string("exp")])])
        // The signature no longer matches either, but crit is reported on its own.
        let verdict = await verifier().inspect(
            "\(header).\(parts[1]).\(parts[2])", expectedIssuer: .exactly(OIDCHarness.issuer), expectedAudience: OIDCHarness.clientID,
            nonce: Self.nonce, now: clock.now)
        #expect(verdict.checks.first?.status == .failed(FederationError(.tokenInvalid, "")))
    }
}

/// Which provider the fake network sends JWKS requests to, switched in the middle of a test.
private actor ProviderRoute {
    private(set) var provider: TestOIDCProvider

    init(_ provider: TestOIDCProvider) { self.provider = provider }

    func switchTo(_ provider: TestOIDCProvider) { self.provider = provider }
}
