import Foundation

/// What the caller stores per account to limit password guessing; start with ``AttemptRecord/init()``.
public struct AttemptRecord: Codable, Sendable, Hashable {
    /// Failures counted in the current window.
    public var failures: Int
    /// When the current window started (the first failure counted in it); nil when nothing is counted.
    public var firstFailureAt: Date?
    /// Until when attempts are refused; nil when the account was never locked since the last reset.
    public var lockedUntil: Date?

    /// Creates a record; the defaults describe an account with no failures.
    public init(failures: Int = 0, firstFailureAt: Date? = nil, lockedUntil: Date? = nil) {
        self.failures = failures
        self.firstFailureAt = firstFailureAt
        self.lockedUntil = lockedUntil
    }
}

/// Whether an attempt may go ahead.
public enum AttemptDecision: Sendable, Hashable {
    /// Verify the credential.
    case allowed
    /// Refuse without verifying; attempts are accepted again at `until`.
    case locked(until: Date)
}

/// Per-account attempt limiting as pure functions over an ``AttemptRecord``.
///
/// `maxFailures` failures within `window` of the first one lock the account for `lockout`. The lock always
/// ends: failures while locked neither count nor extend it, so someone who knows a victim's user name can
/// slow the victim down but never lock them out for good. After the window or the lock has passed, counting
/// starts again from zero.
///
/// ```swift
/// guard case .allowed = policy.check(record, now: now) else { return .locked }
/// record = try hasher.verify(password, against: hash)
///     ? policy.recordSuccess() : policy.recordFailure(record, now: now)
/// ```
public struct AttemptPolicy: Sendable, Hashable {
    /// Failures within ``window`` that lock the account (at least 1).
    public let maxFailures: Int
    /// How long, from the first counted failure, failures add up (seconds, more than 0).
    public let window: TimeInterval
    /// How long a lock lasts (seconds, more than 0).
    public let lockout: TimeInterval

    /// Creates a policy.
    /// - Throws: ``AuthenticatorError/Code/invalidParameters`` when `maxFailures` is below 1 or a duration is
    ///   not a positive finite number.
    public init(maxFailures: Int = 5, window: TimeInterval = 15 * 60, lockout: TimeInterval = 15 * 60) throws(AuthenticatorError) {
        guard maxFailures >= 1 else { throw .invalidParameters(reason: "maxFailures must be at least 1, got \(maxFailures)") }
        guard window > 0, window.isFinite else { throw .invalidParameters(reason: "window must be positive, got \(window)") }
        guard lockout > 0, lockout.isFinite else { throw .invalidParameters(reason: "lockout must be positive, got \(lockout)") }
        self.init(unchecked: maxFailures, window, lockout)
    }

    private init(unchecked maxFailures: Int, _ window: TimeInterval, _ lockout: TimeInterval) {
        self.maxFailures = maxFailures
        self.window = window
        self.lockout = lockout
    }

    /// 5 failures within 15 minutes lock the account for 15 minutes.
    public static let standard = AttemptPolicy(unchecked: 5, 15 * 60, 15 * 60)

    /// Whether an attempt at `now` may be verified.
    public func check(_ record: AttemptRecord, now: Date) -> AttemptDecision {
        if let lockedUntil = record.lockedUntil, now < lockedUntil { return .locked(until: lockedUntil) }
        return .allowed
    }

    /// The record after a failed attempt at `now`.
    ///
    /// A failure while locked returns the record unchanged. Otherwise the failure is counted in the current
    /// window, or starts a new one if there is none, it has passed, or a lock has ended; reaching
    /// ``maxFailures`` sets `lockedUntil` to `now + lockout`.
    public func recordFailure(_ record: AttemptRecord, now: Date) -> AttemptRecord {
        if case .locked = check(record, now: now) { return record }
        var updated = record
        let windowOpen = record.firstFailureAt.map { now < $0.addingTimeInterval(window) } ?? false
        if !windowOpen || record.lockedUntil != nil {
            updated = AttemptRecord(failures: 0, firstFailureAt: now)
        }
        updated.failures += 1
        if updated.failures >= maxFailures {
            updated.lockedUntil = now.addingTimeInterval(lockout)
        }
        return updated
    }

    /// The record after a successful attempt: nothing counted, no lock.
    public func recordSuccess() -> AttemptRecord {
        AttemptRecord()
    }
}
