import Foundation

/// Verifies SAML Responses posted to our AssertionConsumerService for one connection (SAML Profiles
/// §4.1.4.3, Web Browser SSO), as a list of small named checks (``SAMLCheck``).
///
/// Build one per connection when the connection is loaded and keep it: it holds the IdP keys
/// (``IdPKeys``) and our decryption key, parsed once. It is `Sendable` and safe to use from many tasks
/// at once.
///
/// ```swift
/// let validator = try SAMLResponseValidator(
///     serviceProvider: serviceProvider, replayCache: DirectoryAssertionReplayCache(store: store))
/// let verdict = await validator.validate(form["SAMLResponse"], expectedRequestID: transaction.samlRequestID, now: now)
/// let event = verdict.upstreamResponse(connection: serviceProvider.connection)
/// ```
///
/// What it defends against, and where:
/// - XXE, entity expansion, oversized input: ``SAMLCheck/size``, ``SAMLCheck/parse`` (safe parser, no DOCTYPE);
/// - XML signature wrapping (moved, cloned, nested assertions, duplicate IDs, signatures over another
///   element): ``SAMLCheck/singleAssertion``, ``SAMLCheck/signaturePlacement``, ``SAMLCheck/uniqueIDs``,
///   and the signature checks, which prove the signed element is the one then read;
/// - forged or altered content, wrong key, weak algorithms: the signature checks (libxmlsec1);
/// - replay and misdirection: ``SAMLCheck/replay``, destination, recipient, audience, InResponseTo, times.
public struct SAMLResponseValidator: Sendable {
    /// The connection's configuration.
    public let serviceProvider: SAMLServiceProvider
    /// The trusted IdP keys.
    public let idpKeys: IdPKeys
    let decryptionKey: XMLSecKey?
    let replayCache: any AssertionReplayCache

    /// Creates the validator, loading the IdP certificates and our decryption key once.
    /// - Throws: ``FederationError`` `configuration` when a certificate or the key cannot be used.
    public init(serviceProvider: SAMLServiceProvider, replayCache: any AssertionReplayCache) throws(FederationError) {
        try self.init(
            serviceProvider: serviceProvider, idpKeys: IdPKeys(certificatesPEM: serviceProvider.identityProvider.signingCertificates),
            replayCache: replayCache
        )
    }

    /// Creates the validator with IdP keys already loaded (to share them, or in benchmarks).
    /// - Throws: ``FederationError`` `configuration` when the decryption key cannot be used.
    public init(serviceProvider: SAMLServiceProvider, idpKeys: IdPKeys, replayCache: any AssertionReplayCache) throws(FederationError) {
        self.serviceProvider = serviceProvider
        self.idpKeys = idpKeys
        self.replayCache = replayCache
        if let pem = serviceProvider.decryptionKeyPEM {
            let key = try XMLSecKey.privateKey(pem: pem)
            guard key.isPrivate, key.rsaKeySizeInBits != nil else {
                throw FederationError(.configuration, "the SP decryption key must be an RSA private key")
            }
            decryptionKey = key
        } else {
            decryptionKey = nil
        }
    }

    /// Validates a Response and, when every check passes, claims its Assertion ID in the replay cache.
    /// - Parameters:
    ///   - message: The `SAMLResponse` form field (base64), or the Response XML itself.
    ///   - expectedRequestID: The ID of the AuthnRequest this login transaction sent; nil when it sent
    ///     none (then only an unsolicited Response can be accepted, and only if the connection allows it).
    ///   - now: The current time.
    /// - Returns: The verdict: every check, and the assertion or the first failure.
    public func validate(_ message: String, expectedRequestID: String?, now: Date) async -> SAMLVerdict {
        let run = SAMLValidationRun(validator: self, message: message, expectedRequestID: expectedRequestID, now: now, inspecting: false)
        run.runChecks(through: .subject)
        await run.claimReplay()
        run.runChecks(from: .mapping)
        return run.verdict
    }

    /// Runs every check without consuming the Assertion ID, and keeps going after a failure as far as
    /// the message allows, for `gatehouse saml inspect`.
    /// - Returns: The decoded XML (indented), the decrypted Assertion if any, and every check.
    public func inspect(_ message: String, expectedRequestID: String?, now: Date) -> SAMLInspection {
        let run = SAMLValidationRun(validator: self, message: message, expectedRequestID: expectedRequestID, now: now, inspecting: true)
        run.runChecks(through: .subject)
        run.record(.replay, .skipped("inspect never consumes the assertion ID"))
        run.runChecks(from: .mapping)
        return SAMLInspection(
            xml: run.prettyXML, decryptedAssertionXML: run.decryptedAssertionXML, verdict: run.verdict
        )
    }
}

/// The output of ``SAMLResponseValidator/inspect(_:expectedRequestID:now:)``.
public struct SAMLInspection: Sendable {
    /// The decoded message, indented (or the raw text when it is not XML).
    public var xml: String
    /// The decrypted Assertion, indented, when the Response carried an EncryptedAssertion that decrypted.
    public var decryptedAssertionXML: String?
    /// Every check with its outcome, and the result the validator would give (replay aside).
    public var verdict: SAMLVerdict

    /// The checks, one per line (`✓ status: Success`, `✗ audience: …`).
    public var report: String {
        verdict.checks.map(\.description).joined(separator: "\n")
    }
}
