import Directory
import FlowEngine
import Foundation
import Testing
@testable import OIDCProvider

/// The records a login writes write their JSON themselves (``RecordWritable``); it must be, byte for
/// byte, what their `Encodable` form gives ``RecordEncoder``, and read back as the same value.
@Suite("Records written directly")
struct RecordWritingTests {
    /// The value's `Encodable` form, through the generic encoder (the values inside it that write
    /// themselves are compared by their own test below).
    struct ViaEncodable<Value: Encodable>: Encodable {
        let value: Value
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    static let organization = OrganizationContext(
        id: "org-1", name: "Zoë \"Example\" Corp", path: ["provider", "org-1"],
        connection: ConnectionReference(id: "acme-saml", kind: .saml), requiredLevel: "aal2",
        flowOverrides: ["app-1": "strict"], suspended: true)

    static let session = AuthenticatedSession(
        sid: "s-8c7d", user: "u-42", email: "user.42@example.test", emailVerified: true, name: "User \\ 42\n",
        organization: organization, roles: ["admin", "member"], claims: ["department": "R&D", "cost_center": "42", "Éq": "é"],
        acr: "aal2", amr: ["pwd", "otp"], authTime: Date(timeIntervalSince1970: 1_765_000_000.25),
        upstream: UpstreamLink(connection: "acme-saml", subject: "nameid-1"), upstreamLevel: "aal1")

    static let bareSession = AuthenticatedSession(
        sid: "s-1", user: "u-1", email: "a@b.test", emailVerified: false, name: nil, organization: nil, roles: [], claims: [:],
        acr: nil, amr: [], authTime: Date(timeIntervalSince1970: 1_765_000_000), upstream: nil, upstreamLevel: nil)

    static let request = AuthorizationRequest(
        clientID: "app-1", redirectURI: "https://app.test/cb?x=1&y=%20", scopes: ["openid", "email", "offline_access"],
        state: "st\u{01}ate", nonce: "n-1", codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", prompt: ["login", "consent"],
        maxAge: 300, acrValues: ["aal2"], loginHint: "user.42@example.test", organizationHint: "org-1", responseMode: "form_post",
        initiateLoginURI: "https://app.test/login")

    static let bareRequest = AuthorizationRequest(
        clientID: "app-1", redirectURI: "https://app.test/cb", scopes: ["openid"], state: nil, nonce: nil, codeChallenge: nil)

    /// Checks `value` both ways, with dates in either format.
    func expectSameJSON<Value: RecordWritable & Decodable & Equatable>(_ value: Value) throws {
        for dates in [RecordEncoder.DateFormat.secondsSince1970, .secondsSinceReferenceDate] {
            let encoder = RecordEncoder(dates: dates)
            let written = try encoder.encode(value)
            let generic = try encoder.encode(ViaEncodable(value: value))
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: generic, as: UTF8.self))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = dates == .secondsSince1970 ? .secondsSince1970 : .deferredToDate
            #expect(try decoder.decode(Value.self, from: written) == value)
        }
        // And what Foundation's encoder means by the same value.
        let foundation = JSONEncoder()
        foundation.outputFormatting = .sortedKeys
        #expect(
            try JSONSerialization.jsonObject(with: RecordEncoder().encode(value)) as? NSDictionary
                == JSONSerialization.jsonObject(with: foundation.encode(value)) as? NSDictionary)
    }

    @Test("organizations, their connection and upstream links")
    func flowEngineValues() throws {
        try expectSameJSON(Self.organization)
        try expectSameJSON(OrganizationContext(id: "org-2", name: "Plain", path: ["org-2"]))
        try expectSameJSON(ConnectionReference(id: "google", kind: .google))
        try expectSameJSON(UpstreamLink(connection: "acme-oidc", subject: "sub \"1\""))
    }

    @Test("authorization requests and sessions, every field set and every optional missing")
    func requestsAndSessions() throws {
        try expectSameJSON(Self.request)
        try expectSameJSON(Self.bareRequest)
        try expectSameJSON(Self.session)
        try expectSameJSON(Self.bareSession)
    }

    static let userClaims = UserClaims(session: session, subject: "pairwise-1", scopes: ["openid", "email", "profile"])

    @Test("ID token claims, with extra claims before, between and after the standard ones, and without any optional")
    func idTokenClaims() throws {
        var user = Self.userClaims
        // Names that sort before "acr", between standard names, after "sub", and outside ASCII.
        user.extra = ["a": "1", "department": "R&D", "email_domain": "example.test", "org_unit": "x", "zone": "eu", "Éq": "é", "_x": "y"]
        let claims = IDTokenClaims(
            iss: "https://id.example.test", aud: "app-1", azp: "app-1", exp: 1_765_000_300, iat: 1_765_000_000, nonce: "n-\"1\"",
            atHash: "77QmUPtjPfzWtF2AnpK9RQ", user: user)
        try expectSameJSON(claims)
        var bare = UserClaims(session: Self.bareSession, subject: "u-1", scopes: ["openid"])
        bare.extra = [:]
        try expectSameJSON(IDTokenClaims(iss: "https://id.example.test", aud: "app-2", azp: "app-2", exp: 2, iat: 1, nonce: nil, atHash: nil, user: bare))
        try expectSameJSON(OrganizationClaim(id: "org-1", name: "Zoë", path: ["provider", "org-1"]))

        // An extra claim under a reserved name is left out, as the Encodable form leaves it out.
        user.extra = ["iss": "https://evil.example", "sub": "someone-else", "kept": "yes"]
        let shadowing = IDTokenClaims(iss: "https://id.example.test", aud: "app-1", azp: "app-1", exp: 2, iat: 1, nonce: nil, atHash: nil, user: user)
        let encoder = RecordEncoder(dates: .secondsSince1970)
        let written = String(decoding: try encoder.encode(shadowing), as: UTF8.self)
        #expect(written == String(decoding: try encoder.encode(ViaEncodable(value: shadowing)), as: UTF8.self))
        #expect(written.contains(#""iss":"https:\/\/id.example.test""#) || written.contains(#""iss":"https://id.example.test""#))
        #expect(!written.contains("evil") && !written.contains("someone-else") && written.contains(#""kept":"yes""#))
    }

    @Test("token responses, with and without an ID token and a refresh token")
    func tokenResponses() throws {
        try expectSameJSON(TokenResponse(accessToken: "at-1", expiresIn: 300, idToken: "a.b.c", refreshToken: "rt-1", scope: "openid offline_access"))
        try expectSameJSON(TokenResponse(accessToken: "at-2", expiresIn: 60, idToken: nil, refreshToken: nil, scope: ""))
    }

    @Test("codes, grants, access and refresh tokens")
    func tokenRecords() throws {
        let issued = Date(timeIntervalSince1970: 1_765_000_010)
        try expectSameJSON(CodeRecord(request: Self.request, session: Self.session, subject: "pairwise-1", grantID: "g-1", issuedAt: issued))
        try expectSameJSON(CodeRecord(request: Self.bareRequest, session: Self.bareSession, subject: "u-1", grantID: "g-2", issuedAt: issued))
        try expectSameJSON(
            GrantRecord(
                clientID: "app-1", scopes: ["openid"], session: Self.session, subject: "u-42", issuedAt: issued,
                expiresAt: issued.addingTimeInterval(86_400.5)))
        try expectSameJSON(
            AccessTokenRecord(clientID: "app-1", grantID: "g-1", scopes: [], issuedAt: issued, expiresAt: issued.addingTimeInterval(300)))
        try expectSameJSON(
            RefreshTokenRecord(
                clientID: "app-1", grantID: "g-1", issuedAt: issued, expiresAt: issued.addingTimeInterval(3_600),
                grantExpiresAt: issued.addingTimeInterval(2_592_000)))
    }
}
