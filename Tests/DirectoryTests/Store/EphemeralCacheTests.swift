import FlowEngine
import Foundation
import Testing
@testable import Directory

@Suite("Ephemeral cache: a read that raced a write never keeps what the write replaced")
struct EphemeralCacheTests {
    private let later = now.addingTimeInterval(60)

    private func put(_ key: String, _ byte: UInt8) -> EphemeralWrite {
        .put(namespace: "ns", key: key, value: Data([byte]), expiresAt: later)
    }

    /// The answer memory gives, or "miss" / "miss, do not fill".
    private func answer(_ cache: EphemeralCache, _ key: String) -> String {
        switch cache.lookup(namespace: "ns", key: key, now: now) {
        case .answer(let value?): "\(value.first!)"
        case .answer(nil): "none"
        case .miss(_?): "miss"
        case .miss(nil): "miss, do not fill"
        }
    }

    private func ticket(_ cache: EphemeralCache, _ key: String) throws -> EphemeralCache.Ticket {
        guard case .miss(let ticket?) = cache.lookup(namespace: "ns", key: key, now: now) else {
            throw CacheTestError.noTicket
        }
        return ticket
    }

    private enum CacheTestError: Error { case noTicket }

    @Test("a miss filled from the file is kept, rows and missing rows")
    func fills() throws {
        let cache = EphemeralCache()
        cache.fill(namespace: "ns", key: "a", row: (Data([1]), later.timeIntervalSince1970), ticket: try ticket(cache, "a"))
        cache.fill(namespace: "ns", key: "b", row: nil, ticket: try ticket(cache, "b"))
        #expect(answer(cache, "a") == "1")
        #expect(answer(cache, "b") == "none")
    }

    @Test("a fill after the write's commit is dropped: the write's own row stays")
    func fillAfterAWriteIsDropped() throws {
        let cache = EphemeralCache()
        let stale = try ticket(cache, "a")
        cache.forget([put("a", 2)])
        cache.remember([put("a", 2)])
        cache.fill(namespace: "ns", key: "a", row: (Data([1]), later.timeIntervalSince1970), ticket: stale)
        #expect(answer(cache, "a") == "2")
    }

    @Test("while a write runs, reads go to the file and keep nothing; a failed write leaves the key to the file")
    func runningWriteBlocksFills() throws {
        let cache = EphemeralCache()
        let stale = try ticket(cache, "a")
        cache.forget([put("a", 2)])
        #expect(answer(cache, "a") == "miss, do not fill")
        cache.fill(namespace: "ns", key: "a", row: (Data([1]), later.timeIntervalSince1970), ticket: stale)
        #expect(answer(cache, "a") == "miss, do not fill")
    }

    @Test("a fill with a ticket from before a generation was retired is dropped")
    func retirementVoidsTickets() throws {
        let cache = EphemeralCache()
        let stale = try ticket(cache, "a")
        cache.remember((0...EphemeralCache.generationLimit).map { put("k\($0)", 0) })
        cache.fill(namespace: "ns", key: "a", row: (Data([1]), later.timeIntervalSince1970), ticket: stale)
        #expect(answer(cache, "a") == "miss")
    }

    @Test("committed writes apply in order: a delete leaves a missing row, a put after it a row")
    func writesApplyInOrder() {
        let cache = EphemeralCache()
        cache.remember([put("a", 1), .delete(namespace: "ns", key: "a")])
        #expect(answer(cache, "a") == "none")
        cache.remember([.delete(namespace: "ns", key: "a"), put("a", 3)])
        #expect(answer(cache, "a") == "3")
        #expect(cache.hits == 2)
    }

    @Test("a closed store's cache answers nothing")
    func removeAll() {
        let cache = EphemeralCache()
        cache.remember([put("a", 1)])
        cache.removeAll()
        #expect(answer(cache, "a") == "miss")
    }
}

@Suite("Row cache: a read that raced a write never keeps the row it read")
struct RowCacheTests {
    @Test("a row read after a miss is kept, unless a write of that row or an import started or ended since")
    func fillsOnlyWithAValidTicket() {
        let cache = RowCache<UserID, UserRecord>()
        let old = UserRecord(id: "u-a", email: "a@x.test", name: "Old")
        let ticket = cache.lookup("u-a").ticket
        cache.fill("u-a", old, ticket: ticket)
        #expect(cache.lookup("u-a").value?.name == "Old")

        let stale = cache.lookup("u-b").ticket
        cache.invalidate("u-a")  // a save of u-a started
        #expect(cache.lookup("u-a").value == nil)
        cache.fill("u-b", UserRecord(id: "u-b", email: "b@x.test"), ticket: stale)
        #expect(cache.lookup("u-b").value == nil)

        cache.fill("u-a", old, ticket: cache.lookup("u-a").ticket)
        cache.invalidate(nil)  // an import
        #expect(cache.lookup("u-a").value == nil)
    }

    @Test("a missing row is kept as missing, and the cache never holds more than its capacity")
    func keepsAbsenceAndStaysBounded() {
        let cache = RowCache<CredentialKey, Data?>(capacity: 4)
        let absent = CredentialKey(user: "u-a", kind: "recovery-codes")
        cache.fill(absent, nil, ticket: cache.lookup(absent).ticket)
        #expect(cache.lookup(absent).value == .some(nil))  // known: no such credential
        for index in 0..<9 {
            let key = CredentialKey(user: UserID("u-\(index)"), kind: "totp")
            cache.fill(key, Data([UInt8(index)]), ticket: cache.lookup(key).ticket)
        }
        let kept = (0..<9).filter { cache.lookup(CredentialKey(user: UserID("u-\($0)"), kind: "totp")).value != nil }
        #expect(kept.count <= 4)
        #expect(kept.contains(8))
    }
}
