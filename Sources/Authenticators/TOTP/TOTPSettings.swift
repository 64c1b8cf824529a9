/// The HMAC hash a TOTP uses (RFC 6238 §1.2), named as in the `otpauth://` URI's `algorithm` parameter.
public enum TOTPAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// HMAC-SHA-1: the RFC 4226 default and the only one every authenticator app supports.
    case sha1 = "SHA1"
    /// HMAC-SHA-256.
    case sha256 = "SHA256"
    /// HMAC-SHA-512.
    case sha512 = "SHA512"
}

/// How TOTP codes are made and how much clock drift verification tolerates.
public struct TOTPSettings: Sendable, Hashable {
    /// Digits per code, 6…8 (RFC 4226 §5.3 asks for at least 6).
    public let digits: Int
    /// Seconds per time step `X` (RFC 6238 §4.1), 1…3600.
    public let period: Int
    /// The HMAC hash.
    public let algorithm: TOTPAlgorithm
    /// Steps accepted on either side of the current one, 0…10 (RFC 6238 §5.2 recommends at most one).
    public let allowedDrift: Int

    /// Creates settings.
    /// - Throws: ``AuthenticatorError/Code/invalidParameters`` when a value is out of its range.
    public init(digits: Int = 6, period: Int = 30, algorithm: TOTPAlgorithm = .sha1, allowedDrift: Int = 1) throws(AuthenticatorError) {
        guard (6...8).contains(digits) else { throw .invalidParameters(reason: "TOTP digits must be 6…8, got \(digits)") }
        guard (1...3600).contains(period) else { throw .invalidParameters(reason: "TOTP period must be 1…3600 s, got \(period)") }
        guard (0...10).contains(allowedDrift) else {
            throw .invalidParameters(reason: "TOTP allowedDrift must be 0…10 steps, got \(allowedDrift)")
        }
        self.init(unchecked: digits, period, algorithm, allowedDrift)
    }

    private init(unchecked digits: Int, _ period: Int, _ algorithm: TOTPAlgorithm, _ allowedDrift: Int) {
        self.digits = digits
        self.period = period
        self.algorithm = algorithm
        self.allowedDrift = allowedDrift
    }

    /// 6 digits, 30 s, SHA-1, one step of drift: what authenticator apps use when the URI says nothing.
    public static let standard = TOTPSettings(unchecked: 6, 30, .sha1, 1)
}
