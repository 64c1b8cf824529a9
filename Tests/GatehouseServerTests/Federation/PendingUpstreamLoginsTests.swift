import Directory
import FlowEngine
import Foundation
import Testing
@testable import GatehouseServer

@Suite("Pending upstream logins: saved when the browser leaves for the IdP, taken once when it comes back")
struct PendingUpstreamLoginsTests {
    static let now = Date(timeIntervalSince1970: 1_765_000_000)
    static let pending = PendingUpstreamLogin(
        transaction: LoginTransactionID("4T7Nb9ULOnHhj5LrxP1dDw")!, connection: "acme-saml", samlRequestID: "_0a1b", oauth: nil)

    @Test("the node that saved it takes it once; the token is the key, not another")
    func takenOnce() async throws {
        let logins = PendingUpstreamLogins(store: MemoryStore())
        try await logins.save(Self.pending, token: "relay-1", now: Self.now)
        #expect(try await logins.take(token: "relay-2", now: Self.now) == nil)
        #expect(try await logins.take(token: "relay-1", now: Self.now) == Self.pending)
        #expect(try await logins.take(token: "relay-1", now: Self.now) == nil)
    }

    @Test("another node reads what this one saved from the store; an expired one is gone")
    func anotherNodeTakesIt() async throws {
        let store = MemoryStore()
        try await PendingUpstreamLogins(store: store).save(Self.pending, token: "relay-1", now: Self.now)
        try await PendingUpstreamLogins(store: store).save(Self.pending, token: "relay-2", now: Self.now)
        let other = PendingUpstreamLogins(store: store)
        #expect(try await other.take(token: "relay-1", now: Self.now) == Self.pending)
        #expect(try await other.take(token: "relay-2", now: Self.now.addingTimeInterval(PendingUpstreamLogins.lifetime + 1)) == nil)
    }
}
