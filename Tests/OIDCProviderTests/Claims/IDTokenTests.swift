import Authenticators
import Crypto
import FlowEngine
import Foundation
import JWTKit
import Testing
@testable import OIDCProvider

struct IDTokenTests {
    let provider: Provider
    init() async throws { provider = try await Provider.make() }

    /// The published JWKS, as a relying party would load it.
    func publishedKeys() async throws -> JWTKeyCollection {
        let collection = JWTKeyCollection()
        try await collection.add(jwksJSON: String(decoding: await provider.keys.jwks(now: now).json, as: UTF8.self))
        return collection
    }

    @Test("an RS256 ID token verifies with the published JWKS and carries every claim")
    func rs256VerifiesWithJWKS() async throws {
        let response = try await provider.login(scope: "openid email profile")
        let token = try #require(response.idToken)
        #expect(CompactJWS.header(of: token)?.alg == "RS256")
        #expect(CompactJWS.header(of: token)?.kid == (await provider.keys.activeKey(for: .rs256))?.kid)
        let claims = try await publishedKeys().verify(token, as: IDTokenClaims.self)
        #expect(claims.iss == issuer)
        #expect(claims.aud == "web")
        #expect(claims.azp == "web")
        #expect(claims.iat == Int(now.timeIntervalSince1970))
        #expect(claims.exp == Int(now.timeIntervalSince1970) + 600)
        #expect(claims.nonce == "n-1")
        #expect(claims.atHash == IDTokenClaims.accessTokenHash(response.accessToken))
        let user = claims.user
        #expect(user.sub == "u-alice")
        #expect(user.email == "alice@acme.test")
        #expect(user.emailVerified == true)
        #expect(user.name == "Alice")
        #expect(user.org == OrganizationClaim(id: "acme", name: "Acme", path: ["provider", "acme"]))
        #expect(user.roles == ["admin"])
        #expect(user.acr == "loa2")
        #expect(user.amr == ["pwd", "otp"])
        #expect(user.authTime == Int(now.timeIntervalSince1970) - 30)
        #expect(user.sid == "sid-1")
        #expect(user.extra == ["department": "R&D"])  // the flow's "iss" does not override the real one
    }

    @Test("an ES256 client gets an ES256 ID token that verifies with the published JWKS")
    func es256VerifiesWithJWKS() async throws {
        let verifier = String(repeating: "e", count: 43)
        let code = try await provider.code(for: try provider.request(client: "es-pairwise", verifier: verifier))
        let response = try await provider.redeem(
            code, redirectURI: "https://es.example/cb", verifier: verifier, authorization: nil, extra: ["client_id": ["es-pairwise"]])
        let token = try #require(response.idToken)
        #expect(CompactJWS.header(of: token)?.alg == "ES256")
        let claims = try await publishedKeys().verify(token, as: IDTokenClaims.self)
        #expect(claims.aud == "es-pairwise")
    }

    @Test("email and name are released only with their scopes")
    func claimsFollowScopes() async throws {
        let token = try #require(try await provider.login(scope: "openid").idToken)
        let claims = try await publishedKeys().verify(token, as: IDTokenClaims.self)
        #expect(claims.user.email == nil && claims.user.emailVerified == nil && claims.user.name == nil)
        #expect(claims.user.org?.id == "acme" && claims.user.roles == ["admin"])
    }

    @Test("at_hash is the left half of SHA-256 of the access token, base64url (OIDC Core §3.1.3.6)")
    func atHashValue() {
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        let expected = Data(digest[0..<16]).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(IDTokenClaims.accessTokenHash(token) == expected)
        #expect(IDTokenClaims.accessTokenHash(token).count == 22)
        // Known answer, computed independently: base64url(SHA-256("abc")[0..<16]).
        #expect(IDTokenClaims.accessTokenHash("abc") == "ungWv48Bz-pBQUDeXa4iIw")
    }

    @Test("pairwise sub differs per sector, is stable, and equals HMAC-SHA256(salt, host ‖ user id)")
    func pairwiseSubjects() throws {
        let es = try #require(provider.registry.client(id: "es-pairwise"))
        let other = try #require(provider.registry.client(id: "other-sector"))
        let same = try #require(provider.registry.client(id: "same-sector"))
        let a = SubjectIdentifier.subject(for: "u-alice", client: es, salt: pairwiseSalt)
        #expect(a == SubjectIdentifier.subject(for: "u-alice", client: es, salt: pairwiseSalt))
        #expect(a != SubjectIdentifier.subject(for: "u-alice", client: other, salt: pairwiseSalt))
        #expect(a == SubjectIdentifier.subject(for: "u-alice", client: same, salt: pairwiseSalt))  // same host, same sector
        #expect(a != SubjectIdentifier.subject(for: "u-bob", client: es, salt: pairwiseSalt))
        #expect(a != "u-alice")
        let mac = HMAC<SHA256>.authenticationCode(for: Array("es.example".utf8) + Array("u-alice".utf8), using: SymmetricKey(data: pairwiseSalt))
        #expect(a == Bytes.base64URL(mac))
        let web = try #require(provider.registry.client(id: "web"))
        #expect(SubjectIdentifier.subject(for: "u-alice", client: web, salt: pairwiseSalt) == "u-alice")
    }

    @Test("the pairwise sub reaches the ID token and userinfo")
    func pairwiseSubInTokens() async throws {
        let verifier = String(repeating: "p", count: 43)
        let code = try await provider.code(for: try provider.request(client: "es-pairwise", verifier: verifier))
        let response = try await provider.redeem(
            code, redirectURI: "https://es.example/cb", verifier: verifier, authorization: nil, extra: ["client_id": ["es-pairwise"]])
        let expected = SubjectIdentifier.pairwise(sector: "es.example", user: "u-alice", salt: pairwiseSalt)
        let claims = try await publishedKeys().verify(try #require(response.idToken), as: IDTokenClaims.self)
        #expect(claims.user.sub == expected)
        #expect(try await provider.service.userInfo(authorizationHeader: "Bearer \(response.accessToken)", now: now).sub == expected)
    }
}
