import Foundation
import HummingbirdOTP

/// The outcome of checking a TOTP code.
public enum TOTPVerdict: Sendable, Hashable {
    /// The code matches time step `step`; store it as the account's last used step.
    case valid(step: Int64)
    /// The code matches no step in the drift window, or is not `digits` ASCII digits.
    case invalid
    /// The code matches a step at or before the last used one: a replayed or older code (RFC 6238 §5.2).
    case reused
}

/// What a user needs to add an account to an authenticator app; the caller stores ``secret``.
public struct TOTPEnrollment: Sendable, Hashable, Codable {
    /// The shared secret; its UTF-8 bytes are the HMAC key.
    public var secret: String
    /// The `otpauth://totp/…` URI to show as a QR code (Google Authenticator Key Uri Format).
    public var otpauthURI: String
    /// The base32 secret in groups of four, for typing by hand.
    public var manualKey: String

    /// Creates an enrollment.
    public init(secret: String, otpauthURI: String, manualKey: String) {
        self.secret = secret
        self.otpauthURI = otpauthURI
        self.manualKey = manualKey
    }
}

/// Time-based one-time passwords (RFC 6238) over HummingbirdOTP's `TOTP`, with drift and replay checks.
///
/// Stateless: the caller stores the secret and the last used step per account and passes them in, along
/// with the current time.
///
/// ```swift
/// switch totp.verify(code: input, secret: account.totpSecret, now: now, lastUsedStep: account.totpLastStep) {
/// case .valid(let step): account.totpLastStep = step
/// case .invalid, .reused: // count a failure
/// }
/// ```
public struct TOTPAuthenticator: Sendable, Hashable {
    /// Code length, period, hash and drift.
    public let settings: TOTPSettings

    /// Characters in a generated secret: 32 alphanumerics, about 190 bits.
    public static let secretLength = 32

    /// Creates an authenticator.
    public init(settings: TOTPSettings = .standard) {
        self.settings = settings
    }

    /// The time step containing `date`: `floor(unix time / period)` (RFC 6238 §4.2).
    /// - Throws: ``AuthenticatorError/Code/timeOutOfRange`` for a date before 1970 or not finite.
    public func step(at date: Date) throws(AuthenticatorError) -> Int64 {
        let seconds = date.timeIntervalSince1970
        // Below 2^52 s every step times the period is an exact Double, which `code(secret:step:)` relies on.
        guard seconds >= 0, seconds < Double(1 << 52) else {
            throw .timeOutOfRange(reason: "\(seconds) s since 1970 has no TOTP time step")
        }
        return Int64(seconds / Double(settings.period))
    }

    /// The code for `date`, zero-padded to ``TOTPSettings/digits``; for tests and demo tools.
    /// - Throws: ``AuthenticatorError/Code/timeOutOfRange`` for a date before 1970 or not finite.
    public func code(secret: String, at date: Date) throws(AuthenticatorError) -> String {
        try code(secret: secret, step: step(at: date))
    }

    /// Checks `code` against the steps within ``TOTPSettings/allowedDrift`` of `now`.
    ///
    /// A code that is not exactly ``TOTPSettings/digits`` ASCII digits is ``TOTPVerdict/invalid`` before any
    /// HMAC is computed. Every candidate step is computed and compared in constant time. A match at or before
    /// `lastUsedStep` is ``TOTPVerdict/reused``, so each code, and any code older than one already used,
    /// works once.
    public func verify(code: String, secret: String, now: Date, lastUsedStep: Int64?) -> TOTPVerdict {
        guard code.utf8.count == settings.digits, code.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let current = try? step(at: now)
        else { return .invalid }
        let drift = Int64(settings.allowedDrift)
        var fresh: Int64?
        var reused = false
        for step in max(0, current - drift)...(current + drift)
        where Bytes.constantTimeEquals(self.code(secret: secret, step: step).utf8, code.utf8) {
            if let lastUsedStep, step <= lastUsedStep { reused = true } else { fresh = step }
        }
        if let fresh { return .valid(step: fresh) }
        return reused ? .reused : .invalid
    }

    /// A new secret and the ways to hand it to an authenticator app.
    ///
    /// The URI follows the Key Uri Format: `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=…&digits=…&period=…`.
    /// It is built here rather than with HummingbirdOTP's `createAuthenticatorURL`, which leaves out parameters
    /// at their defaults and adds the others in dictionary order, so its text changes from run to run and
    /// replayed enrollments would not compare equal. The base32 secret is the same in both.
    /// - Parameters:
    ///   - accountName: The user's name in the app, usually the email address.
    ///   - issuer: The service name shown above the code; may be empty.
    ///   - random: The source of the secret.
    public func enrollment(accountName: String, issuer: String, random: some RandomSource) -> TOTPEnrollment {
        let secret = random.randomString(length: Self.secretLength, alphabet: .alphanumeric)
        let key = Base32.encode(secret.utf8)
        var label = Self.percentEncoded(accountName)
        var query = "secret=\(key)"
        if !issuer.isEmpty {
            label = Self.percentEncoded(issuer) + ":" + label
            query += "&issuer=\(Self.percentEncoded(issuer))"
        }
        query += "&algorithm=\(settings.algorithm.rawValue)&digits=\(settings.digits)&period=\(settings.period)"
        let groups = stride(from: 0, to: key.count, by: 4).map { offset in
            String(key.dropFirst(offset).prefix(4))
        }
        return TOTPEnrollment(secret: secret, otpauthURI: "otpauth://totp/\(label)?\(query)", manualKey: groups.joined(separator: " "))
    }

    /// The code for a step `step` in `0..<2^52 / period`, which ``step(at:)`` guarantees.
    private func code(secret: String, step: Int64) -> String {
        let totp = TOTP(secret: secret, length: settings.digits, timeStep: settings.period, hashFunction: hashFunction)
        let value = totp.compute(date: Date(timeIntervalSince1970: Double(step) * Double(settings.period)))
        let digits = String(value)
        return String(repeating: "0", count: max(0, settings.digits - digits.count)) + digits
    }

    private var hashFunction: OTPHashFunction {
        switch settings.algorithm {
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha512: .sha512
        }
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    private static func percentEncoded(_ text: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
