import Directory
import FlowEngine
import Foundation
import OIDCProvider
import Testing
@testable import GatehouseServer

/// An SSO session's record writes its JSON itself (``RecordWritable``): byte for byte what
/// ``RecordEncoder`` makes of its `Encodable` form, read back as the same record.
@Suite("Session records written directly")
struct SessionRecordWritingTests {
    static let organization = OrganizationContext(
        id: "org-1", name: "Zoë \"Example\" Corp", path: ["provider", "org-1"],
        connection: ConnectionReference(id: "acme-saml", kind: .saml), requiredLevel: "aal2", flowOverrides: ["app-1": "strict"])

    @Test("a record with every field set, and one with none of the optional ones, as the generic encoder writes them")
    func sameJSON() throws {
        let full = SessionRecord(
            session: AuthenticatedSession(
                sid: "s-8c7d", user: "u-42", email: "user.42@example.test", emailVerified: true, name: "User \\ 42\n",
                organization: Self.organization, roles: ["admin", "member"], claims: ["department": "R&D", "Éq": "é"], acr: "aal2",
                amr: ["pwd", "otp"], authTime: Date(timeIntervalSince1970: 1_765_000_000.25),
                upstream: UpstreamLink(connection: "acme-saml", subject: "nameid-1"), upstreamLevel: "aal1"),
            apps: ["console", "admin"], createdAt: Date(timeIntervalSince1970: 1_765_000_000.5),
            lastUsedAt: Date(timeIntervalSince1970: 1_765_000_321.125), logoutToken: "tok\"en/+")
        try LoginTransactionRecordTests.expectSameJSON(full)
        let bare = SessionRecord(
            session: AuthenticatedSession(
                sid: "s-1", user: "u-1", email: "a@b.test", emailVerified: false, name: nil, organization: nil, roles: [], claims: [:],
                acr: nil, amr: [], authTime: Date(timeIntervalSince1970: 1_765_000_000), upstream: nil, upstreamLevel: nil),
            apps: [], createdAt: Date(timeIntervalSince1970: 1_765_000_000), lastUsedAt: Date(timeIntervalSince1970: 1_765_000_000),
            logoutToken: "")
        try LoginTransactionRecordTests.expectSameJSON(bare)
    }
}
