import FlowEngine

/// One named check of a SAML Response, in the order ``SAMLResponseValidator`` runs them.
///
/// Each check tests one thing and fails with one precise ``FederationError``; the spec section it
/// implements is in its documentation.
public enum SAMLCheck: String, Sendable, Hashable, Codable, CaseIterable {
    /// The message is base64 (HTTP-POST binding, SAML Bindings §3.5.4) or raw XML.
    case decode
    /// The decoded message is within ``SAMLServiceProvider/maximumMessageSize``.
    case size
    /// Well-formed XML, parsed without network access, entity substitution or DTD; no DOCTYPE at all.
    case parse
    /// The root is a SAML 2.0 `samlp:Response` with ID and IssueInstant (SAML Core §3.2.2).
    case response
    /// The top-level StatusCode is Success (SAML Core §3.2.2.2); other codes map to a ``SAMLStatus``.
    case status
    /// The Response `Issuer`, when present, is the IdP's entityID (SAML Profiles §4.1.4.2).
    case responseIssuer
    /// Exactly one Assertion or EncryptedAssertion in the whole document, a direct child of the Response.
    case singleAssertion
    /// `ds:Signature` elements only as direct children of the Response or of that Assertion, one each.
    case signaturePlacement
    /// No ID value appears twice in the document.
    case uniqueIDs
    /// The Response signature, when present, is an enveloped signature of the Response by a trusted key.
    case responseSignature
    /// An EncryptedAssertion decrypts with the SP key into exactly one Assertion (SAML Core §2.3.4).
    case decryption
    /// The Assertion signature, when present, is an enveloped signature of the Assertion by a trusted key.
    case assertionSignature
    /// At least one of Response and Assertion is signed; the Assertion is when the connection wants it.
    case signatureRequired
    /// The Assertion is a SAML 2.0 Assertion with the required parts, read from the verified element.
    case assertion
    /// The Response `Destination` is our ACS URL; required when the Response is signed (SAML Bindings §3.5.5.2).
    case destination
    /// The Assertion `Issuer` is the IdP's entityID (SAML Profiles §4.1.4.2).
    case assertionIssuer
    /// A bearer SubjectConfirmation with our ACS as Recipient, a future NotOnOrAfter, a matching
    /// InResponseTo and no NotBefore (SAML Profiles §4.1.4.2).
    case subjectConfirmation
    /// Conditions NotBefore / NotOnOrAfter hold, with the clock skew (SAML Core §2.5.1.2).
    case conditions
    /// Every AudienceRestriction names our entityID (SAML Core §2.5.1.4, Profiles §4.1.4.2).
    case audience
    /// `InResponseTo` names this login's AuthnRequest, or the Response is an allowed unsolicited one.
    case inResponseTo
    /// At least one AuthnStatement, whose SessionNotOnOrAfter has not passed (SAML Profiles §4.1.4.2).
    case authnStatement
    /// The Subject has a non-empty NameID.
    case subject
    /// The Assertion ID has not been used before (SAML Profiles §4.1.4.5).
    case replay
    /// Attributes are mapped to claims and AuthnContextClassRef to a level.
    case mapping
}

/// How one check went.
public struct SAMLCheckResult: Sendable, Hashable, CustomStringConvertible {
    /// The check.
    public var check: SAMLCheck
    /// The outcome.
    public var outcome: Outcome

    /// The outcome of a check.
    public enum Outcome: Sendable, Hashable {
        /// It passed; the detail says what was found ("signed with RSA-SHA256 by certificate 1").
        case passed(String)
        /// It failed.
        case failed(FederationError)
        /// It did not run (an earlier check failed, or it does not apply), and why.
        case skipped(String)
    }

    /// Whether it passed.
    public var passed: Bool {
        if case .passed = outcome { return true }
        return false
    }

    /// `✓ check: detail`, `✗ check: reason` or `- check: why skipped`.
    public var description: String {
        switch outcome {
        case .passed(let detail): "✓ \(check.rawValue): \(detail)"
        case .failed(let error): "✗ \(check.rawValue): \(error.code): \(error.reason)"
        case .skipped(let why): "- \(check.rawValue): skipped (\(why))"
        }
    }
}

/// The verdict on one SAML Response: every check in order, and either the assertion or the error.
///
/// Like swift-certificates' `CertificateValidationResult`, it does not throw: the caller decides, and
/// `saml inspect` prints ``checks``.
public struct SAMLVerdict: Sendable {
    /// Every check, in order, with its outcome (checks after a failure are listed as skipped).
    public var checks: [SAMLCheckResult]
    /// The verified assertion, or the first failure.
    public var result: Result<SAMLAssertionResult, FederationError>
    /// The Response status, once read (also when it is not Success).
    public var status: SAMLStatus?

    /// The verified assertion.
    /// - Throws: The first failure.
    public func assertion() throws(FederationError) -> SAMLAssertionResult {
        try result.get()
    }

    /// Whether the Response was accepted.
    public var isAccepted: Bool {
        if case .success = result { return true }
        return false
    }

    /// The checks that failed.
    public var failures: [SAMLCheckResult] {
        checks.filter { if case .failed = $0.outcome { true } else { false } }
    }

    /// The verdict as the flow runner's event: the identity, or a failure whose `reason` is the
    /// SAML status kind (`authn_failed`, `request_denied`, …) for IdP refusals and the error code
    /// (`signatureInvalid`, `expired`, …) for Responses that fail verification.
    public func upstreamResponse(connection: ConnectionID) -> UpstreamResponse {
        switch result {
        case .success(let assertion):
            return .authenticated(assertion.upstreamIdentity(connection: connection))
        case .failure(let error):
            if let status, !status.isSuccess {
                return .failed(reason: status.kind.rawValue, message: status.userMessage)
            }
            return .failed(reason: error.code.description, message: "The response from your identity provider could not be verified.")
        }
    }
}
