import Authenticators
import Foundation
import Testing

struct AttemptLimiterTests {
    let policy = AttemptPolicy.standard
    let t0 = referenceTime

    func minutes(_ m: Double) -> Date { t0.addingTimeInterval(m * 60) }

    /// `count` failures, one a minute from `t0`.
    func failures(_ count: Int, from record: AttemptRecord = AttemptRecord()) -> AttemptRecord {
        (0..<count).reduce(record) { record, i in policy.recordFailure(record, now: minutes(Double(i))) }
    }

    @Test func freshRecordIsAllowed() {
        #expect(policy.check(AttemptRecord(), now: t0) == .allowed)
    }

    @Test func fourFailuresAreStillAllowed() {
        let record = failures(4)
        #expect(record.failures == 4)
        #expect(record.firstFailureAt == t0)
        #expect(record.lockedUntil == nil)
        #expect(policy.check(record, now: minutes(4)) == .allowed)
    }

    @Test func fifthFailureWithinTheWindowLocks() {
        let record = failures(5)
        #expect(record.lockedUntil == minutes(4 + 15))
        #expect(policy.check(record, now: minutes(5)) == .locked(until: minutes(19)))
    }

    @Test func failuresSpreadBeyondTheWindowDoNotLock() {
        var record = AttemptRecord()
        for m in [0.0, 4, 8, 12, 16] { record = policy.recordFailure(record, now: minutes(m)) }
        #expect(record.failures == 1)
        #expect(record.firstFailureAt == minutes(16))
        #expect(policy.check(record, now: minutes(16)) == .allowed)
    }

    @Test func lockEndsAfterTheLockout() {
        let record = failures(5)
        #expect(policy.check(record, now: minutes(19).addingTimeInterval(-1)) == .locked(until: minutes(19)))
        #expect(policy.check(record, now: minutes(19)) == .allowed)
    }

    @Test("failures while locked neither count nor extend the lock")
    func failureWhileLockedChangesNothing() {
        let record = failures(5)
        #expect(policy.recordFailure(record, now: minutes(10)) == record)
    }

    @Test func countingRestartsAfterALock() {
        let record = policy.recordFailure(failures(5), now: minutes(20))
        #expect(record == AttemptRecord(failures: 1, firstFailureAt: minutes(20), lockedUntil: nil))
        #expect(policy.check(record, now: minutes(20)) == .allowed)
    }

    @Test func successResets() {
        #expect(policy.recordSuccess() == AttemptRecord())
        #expect(policy.check(policy.recordSuccess(), now: minutes(5)) == .allowed)
    }

    @Test func oneAllowedFailureLocksAtOnce() throws {
        let strict = try AttemptPolicy(maxFailures: 1, window: 60, lockout: 30)
        let record = strict.recordFailure(AttemptRecord(), now: t0)
        #expect(strict.check(record, now: t0) == .locked(until: t0.addingTimeInterval(30)))
    }

    @Test func recordRoundTripsThroughJSON() throws {
        let record = failures(5)
        #expect(try JSONDecoder().decode(AttemptRecord.self, from: JSONEncoder().encode(record)) == record)
    }

    @Test(arguments: [
        (0, 900.0, 900.0), (5, 0, 900), (5, 900, 0), (5, -1, 900), (5, 900, .infinity), (5, .nan, 900),
    ])
    func rejectsInvalidPolicies(maxFailures: Int, window: TimeInterval, lockout: TimeInterval) {
        #expect(throws: AuthenticatorError.invalidParameters(reason: "")) {
            try AttemptPolicy(maxFailures: maxFailures, window: window, lockout: lockout)
        }
    }
}
