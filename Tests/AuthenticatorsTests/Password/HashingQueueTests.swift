import Foundation
import Synchronization
import Testing
@testable import Authenticators

@Suite("Hashing queue")
struct HashingQueueTests {
    struct Refused: Error, Equatable {}

    @Test("the work's result, or its error, comes back to the caller")
    func returnsResultOrError() async throws {
        let hasher = PasswordHasher(cost: .test)
        let encoded = try hasher.hash("correct horse", random: SeededRandom(seed: 1))
        #expect(try await HashingQueue.run { () throws(AuthenticatorError) in try hasher.verify("correct horse", against: encoded) })
        #expect(try await !HashingQueue.run { () throws(AuthenticatorError) in try hasher.verify("wrong", against: encoded) })
        await #expect(throws: Refused()) { try await HashingQueue.run { () throws(Refused) -> Int in throw Refused() } }
    }

    /// How many pieces of work run now, and the most that ever ran at once.
    final class Concurrency: Sendable {
        let counts = Mutex((now: 0, most: 0))
    }

    @Test("no more hashes run at once than there are cores")
    func boundedByCores() async {
        let running = Concurrency()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    await HashingQueue.run {
                        running.counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                        Thread.sleep(forTimeInterval: 0.005)
                        running.counts.withLock { $0.now -= 1 }
                    }
                }
            }
        }
        let most = running.counts.withLock { $0.most }
        #expect(most >= 1 && most <= ProcessInfo.processInfo.activeProcessorCount)
    }
}
