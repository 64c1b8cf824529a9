import Authenticators
import Directory
import FlowEngine
import Foundation
import OIDCProvider
import Testing
@testable import GatehouseServer

@Suite("Session store: cookies for a session")
struct SessionStoreTests {
    static let now = Date(timeIntervalSince1970: 1_765_000_000)

    static func record(sid: String) -> SessionRecord {
        SessionRecord(
            session: AuthenticatedSession(
                sid: sid, user: "u-1", email: "a@b.test", emailVerified: true, name: nil, organization: nil, roles: [], claims: [:],
                acr: nil, amr: ["pwd"], authTime: now, upstream: nil, upstreamLevel: nil),
            apps: ["console"], createdAt: now, lastUsedAt: now, logoutToken: "t")
    }

    @Test("saving a session again ends the cookie it had; a new session's first cookie works")
    func savingAgainEndsThePreviousCookie() async throws {
        let sessions = SessionStore(store: MemoryStore(), idleTimeout: 3_600, absoluteTimeout: 86_400, random: SystemRandom())
        let sid = sessions.newSessionID()
        let first = try await sessions.save(Self.record(sid: sid), now: Self.now, isNew: true)
        #expect(try await sessions.find(cookie: first, now: Self.now)?.session.sid == sid)
        let second = try await sessions.save(Self.record(sid: sid), now: Self.now)
        #expect(second != first)
        #expect(try await sessions.find(cookie: first, now: Self.now) == nil)
        #expect(try await sessions.find(cookie: second, now: Self.now)?.session.sid == sid)
    }
}
