import FlowEngine

/// The error every failing Directory operation throws: a stable ``code`` to branch on, a reason for a
/// person, and where in Gatehouse it was raised.
///
/// Equality and hashing compare ``code`` only (as swift-certificates' `CertificateError` does), so
/// callers branch on `error.code == .invalidEmail`; tests that care about the wording check
/// ``reason`` as well.
public struct DirectoryError: Error, Hashable, CustomStringConvertible {
    /// What kind of failure this is; new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case fileNotFound
            case unreadableFile
            case fileTooLarge
            case notUTF8
            case invalidConfiguration
            case invalidEmail
            case invalidDomain
            case unknownUser
            case conflict
            case storage
            case schemaTooNew
            case closed
            case inUse
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// A file named by the caller does not exist.
        public static let fileNotFound = Code(.fileNotFound)
        /// A file exists but could not be read.
        public static let unreadableFile = Code(.unreadableFile)
        /// A file is larger than the configured limit.
        public static let fileTooLarge = Code(.fileTooLarge)
        /// A file is not valid UTF-8.
        public static let notUTF8 = Code(.notUTF8)
        /// A configuration file has errors; ``DirectoryError/diagnostics`` lists them.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// An email address could not be parsed.
        public static let invalidEmail = Code(.invalidEmail)
        /// A domain name is not a valid (internationalised) host name.
        public static let invalidDomain = Code(.invalidDomain)
        /// An operation named a user that does not exist.
        public static let unknownUser = Code(.unknownUser)
        /// A write would break uniqueness (an id or an email address already in use).
        public static let conflict = Code(.conflict)
        /// The storage engine failed; ``DirectoryError/underlying`` describes how.
        public static let storage = Code(.storage)
        /// A database was written by a newer Gatehouse than this one.
        public static let schemaTooNew = Code(.schemaTooNew)
        /// The store has been closed.
        public static let closed = Code(.closed)
        /// Another process has the database open in a way that excludes this opening
        /// (``SQLiteStore/Sharing``).
        public static let inUse = Code(.inUse)

        /// The code's name, as `description` prints it.
        public var description: String { backing.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, for a person. Never contains secrets.
    public let reason: String
    /// The Gatehouse source file that raised the error (`#fileID`).
    public let file: String
    /// The line that raised the error.
    public let line: UInt
    /// The located findings, for ``Code/invalidConfiguration``.
    public let diagnostics: [Diagnostic]
    /// The underlying library error, described, for ``Code/storage``.
    public let underlying: String?

    private init(
        _ code: Code, _ reason: String, diagnostics: [Diagnostic] = [], underlying: String? = nil, file: String, line: UInt
    ) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
        self.diagnostics = diagnostics
        self.underlying = underlying
    }

    /// `DirectoryError.<code>: <reason> <file>:<line>`, followed by one line per diagnostic.
    public var description: String {
        var text = "DirectoryError.\(code): \(reason) \(file):\(line)"
        if let underlying { text += " (\(underlying))" }
        for diagnostic in diagnostics { text += "\n  \(diagnostic)" }
        return text
    }

    /// Compares codes only.
    public static func == (lhs: DirectoryError, rhs: DirectoryError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A named file does not exist.
    public static func fileNotFound(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.fileNotFound, reason, file: file, line: line)
    }

    /// A file exists but could not be read.
    public static func unreadableFile(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.unreadableFile, reason, file: file, line: line)
    }

    /// A file is over its size limit.
    public static func fileTooLarge(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.fileTooLarge, reason, file: file, line: line)
    }

    /// A file is not valid UTF-8.
    public static func notUTF8(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.notUTF8, reason, file: file, line: line)
    }

    /// A configuration has errors, listed in `diagnostics`.
    public static func invalidConfiguration(
        _ reason: String, diagnostics: [Diagnostic], file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.invalidConfiguration, reason, diagnostics: diagnostics, file: file, line: line)
    }

    /// An email address could not be parsed.
    public static func invalidEmail(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidEmail, reason, file: file, line: line)
    }

    /// A domain name is not valid.
    public static func invalidDomain(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidDomain, reason, file: file, line: line)
    }

    /// An operation named a user that does not exist.
    public static func unknownUser(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.unknownUser, reason, file: file, line: line)
    }

    /// A write would break uniqueness.
    public static func conflict(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.conflict, reason, file: file, line: line)
    }

    /// The storage engine failed.
    public static func storage(
        _ reason: String, underlying: (any Error)? = nil, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.storage, reason, underlying: underlying.map { String(describing: $0) }, file: file, line: line)
    }

    /// A database was written by a newer schema than this build knows.
    public static func schemaTooNew(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.schemaTooNew, reason, file: file, line: line)
    }

    /// The store has been closed.
    public static func closed(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.closed, reason, file: file, line: line)
    }

    /// Another process has the database open in a way that excludes this opening.
    public static func inUse(_ reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.inUse, reason, file: file, line: line)
    }
}
