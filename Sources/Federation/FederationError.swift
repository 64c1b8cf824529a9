import Foundation

/// Why an upstream message (SAML Response, metadata, ID token, token response) was refused, or an
/// upstream call failed. One struct for the module; `code` is stable, `reason` says exactly what and where.
///
/// Equality compares `code` only, so tests can compare with a freshly made error.
public struct FederationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String {
            case malformedMessage, messageTooLarge, signatureMissing, signatureInvalid, signatureWrapping, weakAlgorithm
            case untrustedKey, issuerMismatch, audienceMismatch, destinationMismatch, recipientMismatch
            case inResponseToMismatch, unsolicitedResponse, expired, notYetValid, replayed, statusNotSuccess
            case subjectConfirmationFailed, decryptionFailed, metadataInvalid, nonceMismatch, stateMismatch
            case unknownKey, tokenInvalid, upstreamHTTP, configuration, xmlSecurity
            case storeUnavailable
        }
        fileprivate let base: Base
        public var description: String { base.rawValue }

        /// Not well-formed, or not the expected message.
        public static let malformedMessage = Code(base: .malformedMessage)
        /// Larger than the configured limit.
        public static let messageTooLarge = Code(base: .messageTooLarge)
        /// No signature where one is required.
        public static let signatureMissing = Code(base: .signatureMissing)
        /// The signature does not verify.
        public static let signatureInvalid = Code(base: .signatureInvalid)
        /// The signed element is not the element being used (XML signature wrapping).
        public static let signatureWrapping = Code(base: .signatureWrapping)
        /// An algorithm the connection does not allow (SHA-1, `none`, HS256 with a public key, …).
        public static let weakAlgorithm = Code(base: .weakAlgorithm)
        /// Signed with a key or certificate the connection does not trust.
        public static let untrustedKey = Code(base: .untrustedKey)
        /// Issuer (SAML Issuer, OIDC `iss`) is not the connection's.
        public static let issuerMismatch = Code(base: .issuerMismatch)
        /// Audience (SAML AudienceRestriction, OIDC `aud`/`azp`) is not us.
        public static let audienceMismatch = Code(base: .audienceMismatch)
        /// SAML `Destination` is not our ACS URL.
        public static let destinationMismatch = Code(base: .destinationMismatch)
        /// SAML SubjectConfirmationData `Recipient` is not our ACS URL.
        public static let recipientMismatch = Code(base: .recipientMismatch)
        /// `InResponseTo` does not name this login's request.
        public static let inResponseToMismatch = Code(base: .inResponseToMismatch)
        /// An IdP-initiated response on a connection that does not allow them.
        public static let unsolicitedResponse = Code(base: .unsolicitedResponse)
        /// Past `NotOnOrAfter` / `exp` (with skew).
        public static let expired = Code(base: .expired)
        /// Before `NotBefore` / `iat` in the future (with skew).
        public static let notYetValid = Code(base: .notYetValid)
        /// An assertion or token already used.
        public static let replayed = Code(base: .replayed)
        /// The IdP answered with a non-success status or an OAuth error.
        public static let statusNotSuccess = Code(base: .statusNotSuccess)
        /// No bearer SubjectConfirmation satisfies SAML Profiles §4.1.4.2.
        public static let subjectConfirmationFailed = Code(base: .subjectConfirmationFailed)
        /// An encrypted assertion could not be decrypted with the SP key.
        public static let decryptionFailed = Code(base: .decryptionFailed)
        /// IdP metadata is malformed, unsigned where required, or lacks what is needed.
        public static let metadataInvalid = Code(base: .metadataInvalid)
        /// OIDC `nonce` missing or not the one sent.
        public static let nonceMismatch = Code(base: .nonceMismatch)
        /// OAuth `state` missing or not the one sent.
        public static let stateMismatch = Code(base: .stateMismatch)
        /// A `kid` not in the IdP's JWKS, even after a refetch.
        public static let unknownKey = Code(base: .unknownKey)
        /// Any other ID token or token-response defect.
        public static let tokenInvalid = Code(base: .tokenInvalid)
        /// An upstream HTTP call failed (status, timeout, size limit, redirect limit).
        public static let upstreamHTTP = Code(base: .upstreamHTTP)
        /// The connection's own settings are wrong.
        public static let configuration = Code(base: .configuration)
        /// libxml2 / libxmlsec1 reported an error (its messages are in `reason`).
        public static let xmlSecurity = Code(base: .xmlSecurity)
        /// The shared store (replay cache, login transactions) could not be reached; the message is refused.
        public static let storeUnavailable = Code(base: .storeUnavailable)
    }

    /// What failed.
    public let code: Code
    /// Exactly what and where, for logs and `saml inspect` (never secrets).
    public let reason: String
    /// The source file that raised it.
    public let file: String
    /// The line that raised it.
    public let line: UInt

    /// Creates an error.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// `FederationError.<code>: <reason> <file>:<line>`.
    public var description: String { "FederationError.\(code): \(reason) \(file):\(line)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
