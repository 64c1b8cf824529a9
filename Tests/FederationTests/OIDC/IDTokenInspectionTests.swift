import FlowEngine
import Foundation
import Testing

@testable import Federation

/// What `gatehouse oidc verify-id-token` calls: a verdict over a JWKS file.
@Suite("ID token inspection")
struct IDTokenInspectionTests {
    func jwksFile() throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "jwks", withExtension: "json", subdirectory: "Resources/oidc"))
        return Array(try Data(contentsOf: url))
    }

    func token(_ change: (inout [String: PlainJSON]) -> Void = { _ in }) async throws -> String {
        let keys = try OIDCFixtures.providerKeys()
        let provider = TestOIDCProvider(configuration: .init(issuer: OIDCHarness.issuer), keys: [keys.rs256, keys.es256], now: { .now })
        var claims = HandMadeJWT.claims(now: OIDCFixtures.referenceTime)
        change(&claims)
        return try await provider.mintIDToken(claims: claims, keyID: "es256-1")
    }

    @Test("with a nonce, a good token is valid and every check is listed")
    func validWithNonce() async throws {
        let verdict = try await IDTokenInspection.verify(
            token: try await token(), jwks: jwksFile(), issuer: OIDCHarness.issuer, audience: OIDCHarness.clientID, nonce: "n-0S6_WzA2Mj",
            now: OIDCFixtures.referenceTime)
        #expect(verdict.isValid)
        #expect(verdict.checks.map(\.check) == IDTokenCheck.allCases)
        #expect(verdict.description.hasPrefix("ID token: valid\n  format: ok"))
    }

    @Test("without a nonce, the nonce check is skipped and the verdict is not valid")
    func skippedNonceIsNotValid() async throws {
        let verdict = try await IDTokenInspection.verify(
            token: try await token(), jwks: jwksFile(), issuer: OIDCHarness.issuer, audience: OIDCHarness.clientID, nonce: nil,
            now: OIDCFixtures.referenceTime)
        #expect(!verdict.isValid)
        #expect(verdict.failures.isEmpty)
        #expect(verdict.checks.first { $0.check == .nonce }?.status == .skipped("no nonce given to compare with"))
    }

    @Test("reports each failure, at the time given")
    func reportsFailures() async throws {
        let verdict = try await IDTokenInspection.verify(
            token: try await token { $0["aud"] = "other" }, jwks: jwksFile(), issuer: OIDCHarness.issuer, audience: OIDCHarness.clientID,
            nonce: "n-0S6_WzA2Mj", now: try #require(IDTokenInspection.parseTime("2026-03-01T11:00:00Z")))
        #expect(verdict.failures.map(\.code) == [.audienceMismatch, .expired])
        #expect(verdict.description.contains("exp: FAILED expired"))
    }

    @Test("an unknown kid in a fixed JWKS fails without any fetch")
    func unknownKidInFile() async throws {
        let keys = try OIDCFixtures.providerKeys()
        let provider = TestOIDCProvider(configuration: .init(issuer: OIDCHarness.issuer), keys: [keys.nextRS256], now: { .now })
        let token = try await provider.mintIDToken(claims: HandMadeJWT.claims(now: OIDCFixtures.referenceTime), keyID: "rs256-2")
        let verdict = try await IDTokenInspection.verify(
            token: token, jwks: jwksFile(), issuer: OIDCHarness.issuer, audience: OIDCHarness.clientID, nonce: "n-0S6_WzA2Mj",
            now: OIDCFixtures.referenceTime)
        #expect(verdict.failures.map(\.code) == [.unknownKey])
    }

    @Test("parses --now as ISO 8601 or epoch seconds")
    func parsesTime() {
        #expect(IDTokenInspection.parseTime("2026-03-01T10:00:00Z") == OIDCFixtures.referenceTime)
        #expect(IDTokenInspection.parseTime("2026-03-01T10:00:00.000Z") == OIDCFixtures.referenceTime)
        #expect(IDTokenInspection.parseTime("1772359200") == OIDCFixtures.referenceTime)
        #expect(IDTokenInspection.parseTime("yesterday") == nil)
    }

    @Test("a file that is not a JWKS is refused")
    func refusesBadJWKS() async {
        await #expect(throws: FederationError(.malformedMessage, "")) {
            _ = try await IDTokenInspection.verify(
                token: "a.b.c", jwks: Array("[]".utf8), issuer: "https://idp.test", audience: "c", nonce: nil, now: .now)
        }
    }
}
