import Authenticators
import Crypto
import Directory
import Foundation
import JWTKit
import Testing
@testable import OIDCProvider

/// A payload for signing tests.
struct Probe: JWTPayload, Equatable {
    var value: String
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct SigningKeyStoreTests {
    let store = MemoryStore()

    func open(kek: KeyEncryptionKey = testKEK, at time: Date = now, overlap: Duration = .seconds(3_600)) async throws -> SigningKeyStore {
        try await SigningKeyStore.open(
            store: store, kek: kek, now: time, overlap: overlap, random: SeededRandom(seed: 9), generator: TestKeys.generator())
    }

    @Test("first start generates one RS256 and one ES256 key and stores them sealed")
    func generatesOnFirstStart() async throws {
        let keys = try await open()
        let jwks = await keys.jwks(now: now)
        #expect(jwks.keys.map(\.alg).sorted() == ["ES256", "RS256"])
        let sealed = try #require(try await store.ephemeral(namespace: SigningKeyStore.namespace, key: SigningKeyStore.storageKey, now: now))
        let text = String(decoding: sealed, as: UTF8.self)
        #expect(text.contains("\"alg\":\"A256GCM\""))
        // Nothing readable of the keys is stored in the clear.
        #expect(!text.contains("RS256") && !text.contains("privateKeyDER") && !text.contains("BEGIN"))
    }

    @Test("a second start loads the same keys instead of making new ones")
    func reopensSameKeys() async throws {
        let first = try await open().jwks(now: now)
        let second = try await open(at: now.addingTimeInterval(60)).jwks(now: now)
        #expect(first == second)
    }

    @Test("the wrong key-encryption key fails with a clear error")
    func wrongKEKFails() async throws {
        _ = try await open()
        do {
            _ = try await open(kek: otherKEK)
            Issue.record("the keys opened with another KEK")
        } catch let error as OIDCProviderError {
            #expect(error.code == .wrongKeyEncryptionKey)
            #expect(error.reason.contains("another key-encryption key"))
        }
    }

    @Test("a tampered key ring is reported as corrupt")
    func tamperedRingFails() async throws {
        _ = try await open()
        let sealed = try #require(try await store.ephemeral(namespace: SigningKeyStore.namespace, key: SigningKeyStore.storageKey, now: now))
        var envelope = try JSONDecoder().decode(SealedKeyRing.self, from: sealed)
        var bytes = try #require(Bytes.bytes(base64URL: envelope.ciphertext))
        bytes[10] ^= 1
        envelope.ciphertext = Bytes.base64URL(bytes)
        let tampered = try JSONEncoder().encode(envelope)
        await store.putEphemeral(
            namespace: SigningKeyStore.namespace, key: SigningKeyStore.storageKey, value: tampered,
            expiresAt: SigningKeyStore.farFuture)
        await #expect(throws: OIDCProviderError.corruptKeyRing("")) { _ = try await open() }
    }

    @Test("the JWKS has public parts only")
    func jwksHasNoPrivateParts() async throws {
        let keys = try await open()
        try await keys.rotate(now: now.addingTimeInterval(10))
        let json = try #require(try JSONSerialization.jsonObject(with: await keys.jwks(now: now.addingTimeInterval(10)).json) as? [String: Any])
        let entries = try #require(json["keys"] as? [[String: Any]])
        #expect(entries.count == 4)
        for entry in entries {
            #expect(Set(entry.keys).isDisjoint(with: ["d", "p", "q", "dp", "dq", "qi", "k", "oth"]))
            #expect(entry["use"] as? String == "sig")
        }
    }

    @Test("kid is the RFC 7638 thumbprint (the RFC's own example)")
    func thumbprintMatchesRFC7638() {
        let n =
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
            + "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5"
            + "hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let jwk = PublicJWK(rsaModulus: Bytes.bytes(base64URL: n)!, exponent: Bytes.bytes(base64URL: "AQAB")!, alg: "RS256")
        #expect(jwk.kid == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test("rotation keeps the old keys in the JWKS during the overlap, then drops them")
    func rotationKeepsOldKeysDuringOverlap() async throws {
        let keys = try await open(overlap: .seconds(3_600))
        let oldRSA = try #require(await keys.activeKey(for: .rs256))
        let token = try await keys.sign(Probe(value: "before"), algorithm: .rs256)

        let rotatedAt = now.addingTimeInterval(100)
        try await keys.rotate(now: rotatedAt)
        let newRSA = try #require(await keys.activeKey(for: .rs256))
        #expect(newRSA.kid != oldRSA.kid)
        #expect(await keys.jwks(now: rotatedAt).keys.map(\.kid).contains(oldRSA.kid))
        // New tokens use the new key; tokens of the old key still verify against the published set.
        let fresh = try await keys.sign(Probe(value: "after"), algorithm: .rs256)
        #expect(CompactJWS.header(of: fresh)?.kid == newRSA.kid)
        let published = JWTKeyCollection()
        try await published.add(jwks: try JSONDecoder().decode(JWKS.self, from: await keys.jwks(now: rotatedAt).json))
        #expect(try await published.verify(token, as: Probe.self) == Probe(value: "before"))

        // After the overlap the old key is no longer published, and a rotation forgets it.
        let later = rotatedAt.addingTimeInterval(3_601)
        #expect(!(await keys.jwks(now: later).keys.map(\.kid).contains(oldRSA.kid)))
        try await keys.rotate(now: later)
        #expect(await keys.jwks(now: later).keys.count == 4)
    }

    @Test("another node sees a rotation after reload")
    func reloadPicksUpRotation() async throws {
        let a = try await open()
        let b = try await open()
        try await a.rotate(now: now.addingTimeInterval(5))
        #expect(await a.activeKey(for: .es256) != b.activeKey(for: .es256))
        try await b.reload(now: now.addingTimeInterval(6))
        #expect(await a.activeKey(for: .es256) == b.activeKey(for: .es256))
    }

    @Test("a reload bounded by age reads the store only when the ring is older than that")
    func reloadIfOlderThan() async throws {
        let a = try await open()
        let b = try await open()
        try await a.rotate(now: now.addingTimeInterval(5))
        try await b.reload(ifOlderThan: 10, now: now.addingTimeInterval(6))
        #expect(await a.activeKey(for: .rs256) != b.activeKey(for: .rs256))
        try await b.reload(ifOlderThan: 10, now: now.addingTimeInterval(11))
        #expect(await a.activeKey(for: .rs256) == b.activeKey(for: .rs256))
    }

    @Test("rotateIfDue rotates only keys older than the interval")
    func rotatesWhenDue() async throws {
        let keys = try await open()
        #expect(try await !keys.rotateIfDue(now: now.addingTimeInterval(100), interval: .seconds(1_000)))
        #expect(try await keys.rotateIfDue(now: now.addingTimeInterval(1_000), interval: .seconds(1_000)))
    }

    @Test("keys survive in a real SQLite file and reopen with the same KEK only")
    func persistsInSQLite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oidc-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gatehouse.sqlite").path
        let first = try await SQLiteStore.open(path: path)
        let created = try await SigningKeyStore.open(
            store: first, kek: testKEK, now: now, random: SeededRandom(seed: 1), generator: TestKeys.generator())
        let jwks = await created.jwks(now: now)
        try await first.close()

        let second = try await SQLiteStore.open(path: path)
        let reopened = try await SigningKeyStore.open(
            store: second, kek: testKEK, now: now, random: SeededRandom(seed: 2), generator: TestKeys.generator())
        #expect(await reopened.jwks(now: now) == jwks)
        await #expect(throws: OIDCProviderError.wrongKeyEncryptionKey("")) {
            _ = try await SigningKeyStore.open(store: second, kek: otherKEK, now: now, random: SeededRandom(seed: 3))
        }
        try await second.close()
    }

    @Test("a token whose kid is not ours, or whose alg differs from the key's, is not verified")
    func verifyRequiresOwnKidAndAlg() async throws {
        let keys = try await open()
        let token = try await keys.sign(Probe(value: "x"), algorithm: .es256)
        #expect(await keys.verify(token, as: Probe.self, now: now) == Probe(value: "x"))
        // Same payload and signature, header claiming RS256 with the ES256 kid.
        let parts = token.split(separator: ".")
        let kid = try #require(CompactJWS.header(of: token)?.kid)
        let forgedHeader = Bytes.base64URL(Array(#"{"alg":"RS256","kid":"\#(kid)","typ":"JWT"}"#.utf8))
        #expect(await keys.verify("\(forgedHeader).\(parts[1]).\(parts[2])", as: Probe.self, now: now) == nil)
        let unknownKid = Bytes.base64URL(Array(#"{"alg":"ES256","kid":"nope","typ":"JWT"}"#.utf8))
        #expect(await keys.verify("\(unknownKid).\(parts[1]).\(parts[2])", as: Probe.self, now: now) == nil)
    }

    @Test("a signed token's header and claims are plain JSON: NumericDates as whole seconds since 1970, no escaped slashes needed")
    func signedSegmentsAreJSON() async throws {
        struct Dated: JWTPayload {
            var exp: ExpirationClaim
            var iss: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = try await open()
        let token = try await keys.sign(Dated(exp: .init(value: Date(timeIntervalSince1970: 1_800_000_000)), iss: "https://idp.test/a"), algorithm: .rs256)
        let parts = token.split(separator: ".").map(String.init)
        let headerBytes = try #require(Bytes.bytes(base64URL: parts[0]))
        let header = try #require(try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any])
        #expect(header["alg"] as? String == "RS256" && header["typ"] as? String == "JWT" && header["kid"] is String)
        let claims = String(decoding: try #require(Bytes.bytes(base64URL: parts[1])), as: UTF8.self)
        #expect(claims == #"{"exp":1800000000,"iss":"https://idp.test/a"}"#)
    }

    @Test(
        "tokens of either algorithm (RS256 signed by OpenSSL, ES256 by swift-crypto) verify with jwt-kit from the published JWKS; an altered claim or signature does not",
        arguments: SigningAlgorithm.allCases)
    func tokensVerifyFromJWKS(_ algorithm: SigningAlgorithm) async throws {
        let keys = try await open()
        let token = try await keys.sign(Probe(value: "signed"), algorithm: algorithm)
        let published = JWTKeyCollection()
        try await published.add(jwks: try JSONDecoder().decode(JWKS.self, from: await keys.jwks(now: now).json))
        #expect(try await published.verify(token, as: Probe.self) == Probe(value: "signed"))
        let parts = token.split(separator: ".").map(String.init)
        let kid = try #require(await keys.activeKey(for: algorithm)?.kid)
        let header = String(decoding: try #require(Bytes.bytes(base64URL: parts[0])), as: UTF8.self)
        #expect(header == #"{"alg":"\#(algorithm.rawValue)","kid":"\#(kid)","typ":"JWT"}"#)
        let altered = Bytes.base64URL(Array(#"{"value":"signed by someone else"}"#.utf8))
        await #expect(throws: (any Error).self) { _ = try await published.verify("\(parts[0]).\(altered).\(parts[2])", as: Probe.self) }
        var signature = try #require(Bytes.bytes(base64URL: parts[2]))
        signature[signature.count / 2] ^= 1
        let flipped = "\(parts[0]).\(parts[1]).\(Bytes.base64URL(signature))"
        await #expect(throws: (any Error).self) { _ = try await published.verify(flipped, as: Probe.self) }
        // Each ES256 signature has a fresh nonce: the same claims signed again give another signature.
        if algorithm == .es256 {
            let again = try await keys.sign(Probe(value: "signed"), algorithm: algorithm)
            #expect(again.split(separator: ".")[2] != parts[2])
        }
    }
}
