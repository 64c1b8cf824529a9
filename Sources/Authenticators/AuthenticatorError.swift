/// The one error type of the Authenticators module: a stable ``code``, a reason for people, and where it was raised.
///
/// Equality and hashing use ``code`` only, so a test can compare a thrown error with a freshly built one
/// (`#expect(throws: AuthenticatorError.malformedHash(reason: ""))`) without repeating the reason text.
public struct AuthenticatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; stable for callers and tests.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case malformedHash
            case invalidParameters
            case derivationFailed
            case timeOutOfRange
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// A stored password hash is not in the `$scrypt$ln=…,r=…,p=…$salt$hash` form, or its parts are out of range.
        public static let malformedHash = Code(.malformedHash)
        /// A cost, policy or alphabet was built with values outside the accepted range.
        public static let invalidParameters = Code(.invalidParameters)
        /// The key derivation itself failed (BoringSSL refused the parameters or could not allocate memory).
        public static let derivationFailed = Code(.derivationFailed)
        /// A date cannot be turned into a time step (before 1970, or not finite).
        public static let timeOutOfRange = Code(.timeOutOfRange)

        /// The code's name, e.g. `malformedHash`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, for a person reading a log.
    public let reason: String
    /// The file that raised the error (`#fileID`).
    public let file: String
    /// The line that raised the error.
    public let line: UInt

    private init(code: Code, reason: String, file: String, line: UInt) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// A stored password hash that cannot be parsed or whose parameters are out of range.
    public static func malformedHash(reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .malformedHash, reason: reason, file: file, line: line)
    }

    /// A cost, policy or alphabet built with values outside the accepted range.
    public static func invalidParameters(reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .invalidParameters, reason: reason, file: file, line: line)
    }

    /// A key derivation that the underlying library refused to run.
    public static func derivationFailed(reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .derivationFailed, reason: reason, file: file, line: line)
    }

    /// A date that cannot be turned into a TOTP time step.
    public static func timeOutOfRange(reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(code: .timeOutOfRange, reason: reason, file: file, line: line)
    }

    /// `AuthenticatorError.<code>: <reason> <file>:<line>`.
    public var description: String { "AuthenticatorError.\(code): \(reason) \(file):\(line)" }

    /// Compares codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only, to agree with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
