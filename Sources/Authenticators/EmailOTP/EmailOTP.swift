import Foundation

/// A pending email code, stored by the caller between sending the email and the user typing the code.
public struct EmailOTPChallenge: Codable, Sendable, Hashable {
    /// Lower-case hex SHA-256 of the code; the code itself is never stored.
    public var codeHash: String
    /// The first instant at which the code no longer works.
    public var expiresAt: Date
    /// Verifications left; each one, right or wrong, uses one.
    public var attemptsLeft: Int

    /// Creates a challenge.
    public init(codeHash: String, expiresAt: Date, attemptsLeft: Int) {
        self.codeHash = codeHash
        self.expiresAt = expiresAt
        self.attemptsLeft = attemptsLeft
    }
}

/// The outcome of checking an email code.
public enum EmailOTPVerdict: Sendable, Hashable {
    /// The code is right; the challenge is used up.
    case valid
    /// The code is wrong or malformed; one attempt was used.
    case invalid
    /// The challenge's lifetime has passed; nothing was compared.
    case expired
    /// No attempts are left (too many wrong codes, or the code was already used); nothing was compared.
    case exhausted
}

/// One-time codes sent by email: issue a challenge, then verify what the user types against it.
///
/// The code has few digits, so the limits do the protecting: a short lifetime and few attempts per
/// challenge. The hash keeps the code out of storage dumps at rest but is no obstacle to someone holding the
/// stored challenge, who can try all 10^digits codes.
///
/// ```swift
/// let (code, challenge) = policy.issue(random: random, now: now)
/// await outbox.send(EmailMessage(to: email, subject: "Your code", body: "Your code is \(code)"))
/// // later
/// let (verdict, updated) = policy.verify(input, challenge: challenge, now: now)
/// ```
public struct EmailOTPPolicy: Sendable, Hashable {
    /// Digits per code, 4…10.
    public let digits: Int
    /// Seconds a code works after it is issued, more than 0.
    public let lifetime: TimeInterval
    /// Verifications allowed per challenge, at least 1.
    public let maxAttempts: Int

    /// Creates a policy.
    /// - Throws: ``AuthenticatorError/Code/invalidParameters`` when a value is out of its range.
    public init(digits: Int = 6, lifetime: TimeInterval = 10 * 60, maxAttempts: Int = 5) throws(AuthenticatorError) {
        guard (4...10).contains(digits) else { throw .invalidParameters(reason: "email code digits must be 4…10, got \(digits)") }
        guard lifetime > 0, lifetime.isFinite else { throw .invalidParameters(reason: "lifetime must be positive, got \(lifetime)") }
        guard maxAttempts >= 1 else { throw .invalidParameters(reason: "maxAttempts must be at least 1, got \(maxAttempts)") }
        self.init(unchecked: digits, lifetime, maxAttempts)
    }

    private init(unchecked digits: Int, _ lifetime: TimeInterval, _ maxAttempts: Int) {
        self.digits = digits
        self.lifetime = lifetime
        self.maxAttempts = maxAttempts
    }

    /// 6 digits, 10 minutes, 5 attempts.
    public static let standard = EmailOTPPolicy(unchecked: 6, 10 * 60, 5)

    /// A new code to email and the challenge to store.
    public func issue(random: some RandomSource, now: Date) -> (code: String, challenge: EmailOTPChallenge) {
        let code = random.randomDigits(digits)
        let challenge = EmailOTPChallenge(codeHash: Bytes.sha256Hex(code), expiresAt: now.addingTimeInterval(lifetime), attemptsLeft: maxAttempts)
        return (code, challenge)
    }

    /// Checks `code` against `challenge` at `now`.
    ///
    /// Expiry is checked first, then attempts left; neither uses an attempt. Otherwise the attempt is used
    /// whatever the outcome, and a right code uses up all of them, so the same challenge never verifies twice.
    /// - Returns: The verdict and the challenge to store in place of the old one.
    public func verify(_ code: String, challenge: EmailOTPChallenge, now: Date) -> (verdict: EmailOTPVerdict, challenge: EmailOTPChallenge) {
        if now >= challenge.expiresAt { return (.expired, challenge) }
        if challenge.attemptsLeft <= 0 { return (.exhausted, challenge) }
        var updated = challenge
        if Bytes.constantTimeEquals(Bytes.sha256Hex(code).utf8, challenge.codeHash.utf8) {
            updated.attemptsLeft = 0
            return (.valid, updated)
        }
        updated.attemptsLeft -= 1
        return (.invalid, updated)
    }
}
