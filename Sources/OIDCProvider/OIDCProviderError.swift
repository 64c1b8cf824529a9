/// The error the provider's own machinery throws: a client registration it cannot use, a key ring it
/// cannot open, a key it cannot make or use, a store that failed.
///
/// Protocol errors for clients and users are ``OAuthError`` values instead; this type is for the
/// operator (startup, configuration, storage). Equality and hashing compare ``code`` only, as
/// `DirectoryError` does; tests that care about the wording check ``reason`` too.
public struct OIDCProviderError: Error, Hashable, CustomStringConvertible {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case invalidClientRegistration
            case invalidConfiguration
            case invalidKeyEncryptionKey
            case wrongKeyEncryptionKey
            case corruptKeyRing
            case keyGeneration
            case signing
            case storage
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// An application's OIDC client settings cannot be used (unknown algorithm, malformed JWKS…).
        public static let invalidClientRegistration = Code(.invalidClientRegistration)
        /// The provider's own configuration is unusable (issuer, lifetimes, salt).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A key-encryption key could not be built (wrong length, bad base64, short passphrase).
        public static let invalidKeyEncryptionKey = Code(.invalidKeyEncryptionKey)
        /// The stored signing keys were sealed under another key-encryption key.
        public static let wrongKeyEncryptionKey = Code(.wrongKeyEncryptionKey)
        /// The stored signing keys could not be opened or decoded although the key-encryption key matches.
        public static let corruptKeyRing = Code(.corruptKeyRing)
        /// A signing key could not be generated or imported.
        public static let keyGeneration = Code(.keyGeneration)
        /// A token could not be signed.
        public static let signing = Code(.signing)
        /// The store failed; ``OIDCProviderError/underlying`` says how.
        public static let storage = Code(.storage)

        /// The code's name, as `description` prints it.
        public var description: String { backing.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, for a person. Never contains secrets.
    public let reason: String
    /// The underlying library error, described.
    public let underlying: String?
    /// The Gatehouse source file that raised the error (`#fileID`).
    public let file: String
    /// The line that raised the error.
    public let line: UInt

    init(_ code: Code, _ reason: String, underlying: (any Error)? = nil, file: String, line: UInt) {
        self.code = code
        self.reason = reason
        self.underlying = underlying.map { String(describing: $0) }
        self.file = file
        self.line = line
    }

    /// `OIDCProviderError.<code>: <reason> <file>:<line>`, with the underlying error when there is one.
    public var description: String {
        var text = "OIDCProviderError.\(code): \(reason) \(file):\(line)"
        if let underlying { text += " (\(underlying))" }
        return text
    }

    /// Compares codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// An application's client settings cannot be used.
    public static func invalidClientRegistration(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidClientRegistration, reason, file: file, line: line)
    }

    /// The provider configuration is unusable.
    public static func invalidConfiguration(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidConfiguration, reason, file: file, line: line)
    }

    /// A key-encryption key could not be built.
    public static func invalidKeyEncryptionKey(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidKeyEncryptionKey, reason, file: file, line: line)
    }

    /// The key ring was sealed under another key-encryption key.
    public static func wrongKeyEncryptionKey(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.wrongKeyEncryptionKey, reason, file: file, line: line)
    }

    /// The key ring cannot be opened or decoded.
    public static func corruptKeyRing(
        _ reason: String, underlying: (any Error)? = nil, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.corruptKeyRing, reason, underlying: underlying, file: file, line: line)
    }

    /// A key could not be generated or imported.
    public static func keyGeneration(
        _ reason: String, underlying: (any Error)? = nil, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.keyGeneration, reason, underlying: underlying, file: file, line: line)
    }

    /// A token could not be signed.
    public static func signing(_ reason: String, underlying: (any Error)? = nil, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.signing, reason, underlying: underlying, file: file, line: line)
    }

    /// The store failed.
    public static func storage(_ reason: String, underlying: (any Error)? = nil, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.storage, reason, underlying: underlying, file: file, line: line)
    }
}
