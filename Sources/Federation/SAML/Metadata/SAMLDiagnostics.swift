import Directory
import FlowEngine
import Foundation

/// What `gatehouse saml verify` and `saml inspect` check a Response against: the IdP (from its
/// metadata) and our side of the connection, as command-line values.
public struct SAMLDiagnosticSetup: Sendable {
    /// The IdP metadata XML.
    public var idpMetadata: [UInt8]
    /// The IdP entityID to take from the metadata (for an `EntitiesDescriptor` with several IdPs).
    public var idpEntityID: String?
    /// Certificates (PEM) that must have signed the metadata; empty: the metadata is not checked.
    public var metadataSigningCertificates: [String]
    /// Our SP entityID (the required Audience).
    public var spEntityID: String
    /// Our ACS URL (the required Destination and Recipient).
    public var assertionConsumerServiceURL: String
    /// The ID of the AuthnRequest the Response must answer; nil for none.
    public var inResponseTo: String?
    /// The time to check against.
    public var now: Date
    /// Our private key (PEM), to decrypt an EncryptedAssertion.
    public var spKeyPEM: String?
    /// Accept a Response without InResponseTo.
    public var allowUnsolicited: Bool
    /// Accept RSA-SHA1 signatures.
    public var allowSHA1: Bool
    /// Require a signed Assertion.
    public var wantAssertionsSigned: Bool
    /// AuthnContextClassRef → level, to show the level a Response reaches.
    public var levelMapping: [String: LevelName]

    /// Creates a setup; the flags default to the server's safe defaults.
    public init(
        idpMetadata: [UInt8], idpEntityID: String? = nil, metadataSigningCertificates: [String] = [], spEntityID: String,
        assertionConsumerServiceURL: String, inResponseTo: String? = nil, now: Date, spKeyPEM: String? = nil,
        allowUnsolicited: Bool = false, allowSHA1: Bool = false, wantAssertionsSigned: Bool = false, levelMapping: [String: LevelName] = [:]
    ) {
        self.idpMetadata = idpMetadata
        self.idpEntityID = idpEntityID
        self.metadataSigningCertificates = metadataSigningCertificates
        self.spEntityID = spEntityID
        self.assertionConsumerServiceURL = assertionConsumerServiceURL
        self.inResponseTo = inResponseTo
        self.now = now
        self.spKeyPEM = spKeyPEM
        self.allowUnsolicited = allowUnsolicited
        self.allowSHA1 = allowSHA1
        self.wantAssertionsSigned = wantAssertionsSigned
        self.levelMapping = levelMapping
    }

    /// The validator for these values, with a fresh in-memory replay cache (a check never consumes
    /// anything the server would see).
    /// - Throws: ``FederationError`` when the metadata cannot be used (its codes as in
    ///   ``SAMLIdPMetadata/init(parsing:policy:now:)``) or the SP key cannot be read (`configuration`).
    public func validator() throws(FederationError) -> SAMLResponseValidator {
        let policy = try SAMLMetadataPolicy(entityID: idpEntityID, signingCertificates: metadataSigningCertificates, allowSHA1: allowSHA1)
        let metadata = try SAMLIdPMetadata(parsing: idpMetadata, policy: policy, now: now)
        let serviceProvider = SAMLServiceProvider(
            connection: "cli", entityID: spEntityID, assertionConsumerServiceURL: assertionConsumerServiceURL,
            identityProvider: try metadata.identityProvider(), allowSHA1: allowSHA1, wantAssertionsSigned: wantAssertionsSigned,
            allowUnsolicited: allowUnsolicited, decryptionKeyPEM: spKeyPEM, levelMapping: levelMapping
        )
        return try SAMLResponseValidator(serviceProvider: serviceProvider, replayCache: DirectoryAssertionReplayCache(store: MemoryStore()))
    }
}

/// The logic of `gatehouse saml verify` and `saml inspect`, kept out of the command so it is tested.
public enum SAMLDiagnostics {
    /// Verifies a Response exactly as the ACS would (replay included, against an empty cache).
    /// - Parameters:
    ///   - input: The Response: XML, base64, or a form body / URL with `SAMLResponse`.
    ///   - setup: The IdP and SP values.
    /// - Returns: The verdict report; an input that is not a Response is a rejected verdict.
    /// - Throws: ``FederationError`` when the setup cannot be used (exit status ``DiagnosticExitStatus/usage``).
    public static func verify(_ input: String, setup: SAMLDiagnosticSetup) async throws(FederationError) -> VerdictReport {
        let validator = try setup.validator()
        let message = (try? DecodedSAMLMessage(decoding: input, maximumSize: validator.serviceProvider.maximumMessageSize))?.validatorInput ?? input
        return VerdictReport(await validator.validate(message, expectedRequestID: setup.inResponseTo, now: setup.now))
    }

    /// Decodes any SAML message and, for a Response when `setup` is given, runs every check without
    /// consuming anything (``SAMLResponseValidator/inspect(_:expectedRequestID:now:)``).
    /// - Throws: ``FederationError`` when the setup cannot be used; an undecodable message is a report
    ///   with ``SAMLMessageReport/decodingError``.
    public static func inspect(_ input: String, setup: SAMLDiagnosticSetup?) throws(FederationError) -> SAMLMessageReport {
        let validator = try setup.map { (setup) throws(FederationError) in try setup.validator() }
        let message: DecodedSAMLMessage
        do {
            message = try DecodedSAMLMessage(decoding: input)
        } catch {
            return SAMLMessageReport(message: nil, decodingError: error, inspection: nil, setup: setup)
        }
        guard let validator, let setup else {
            return SAMLMessageReport(message: message, decodingError: nil, inspection: nil, setup: nil)
        }
        guard message.kind == "Response", message.namespaceURI == SAML.Namespace.protocol else {
            return SAMLMessageReport(message: message, decodingError: nil, inspection: nil, setup: setup)
        }
        let inspection = validator.inspect(message.validatorInput, expectedRequestID: setup.inResponseTo, now: setup.now)
        return SAMLMessageReport(message: message, decodingError: nil, inspection: inspection, setup: setup)
    }
}

/// What `gatehouse saml inspect` prints: the decoded message and, when checked, every check.
public struct SAMLMessageReport: Sendable {
    /// The decoded message, unless it could not be decoded.
    public var message: DecodedSAMLMessage?
    /// Why the input could not be decoded.
    public var decodingError: FederationError?
    /// The checks, for a Response checked against IdP metadata and SP values.
    public var inspection: SAMLInspection?
    /// The values it was checked against.
    public var setup: SAMLDiagnosticSetup?

    /// `rejected` when the input could not be decoded or a check failed, else `valid`.
    public var exitStatus: DiagnosticExitStatus {
        if decodingError != nil { return .rejected }
        if let inspection, !inspection.verdict.isAccepted { return .rejected }
        return .valid
    }

    /// The report for people: the message's summary, its XML (when `includeXML`), and the checks.
    public func text(includeXML: Bool = true) -> String {
        var lines: [String] = []
        guard let message else {
            return "The input could not be decoded: \((decodingError?.reason) ?? "unknown error")\n"
        }
        let name = message.namespaceURI.map { "\(message.kind) (\($0))" } ?? message.kind
        var encoding = message.encoding == .xml ? "raw XML" : message.encoding.rawValue
        if let binding = message.binding { encoding += binding == .httpRedirect ? ", HTTP-Redirect binding" : ", HTTP-POST binding" }
        if let parameter = message.parameter { encoding += ", parameter \(parameter)" }
        var fields: [(String, String)] = [("Message", name), ("Encoding", encoding)]
        if let relayState = message.relayState { fields.append(("RelayState", relayState)) }
        if let algorithm = message.signatureAlgorithm { fields.append(("SigAlg", algorithm)) }
        if message.hasQuerySignature { fields.append(("Signature", "present in the query (not verified here)")) }
        fields += message.fields.map { ($0.name, $0.value) }
        let width = (fields.map(\.0.count).max() ?? 0) + 1
        lines.append("Message (as received, unverified):")
        lines += fields.map { "  " + ($0.0 + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + $0.1 }
        if includeXML {
            lines += ["", "XML:", message.prettyXML.trimmingXMLWhitespace()]
            if let decrypted = inspection?.decryptedAssertionXML {
                lines += ["", "Decrypted Assertion:", decrypted.trimmingXMLWhitespace()]
            }
        }
        lines.append("")
        guard let setup else {
            lines.append("Checks: not run (give --idp-metadata, --sp-entity-id and --acs-url to check a Response).")
            return lines.joined(separator: "\n") + "\n"
        }
        guard let inspection else {
            lines.append("Checks: not run (only a samlp:Response is checked; this is a \(message.kind)).")
            return lines.joined(separator: "\n") + "\n"
        }
        let answering = setup.inResponseTo.map { "the AuthnRequest \($0)" } ?? "no AuthnRequest (unsolicited)"
        lines.append("Checks (SP \(setup.spEntityID), ACS \(setup.assertionConsumerServiceURL), answering \(answering), at \(SAMLDateTime.format(setup.now))):")
        lines += inspection.verdict.checks.map { "  " + $0.description }
        lines.append("")
        switch inspection.verdict.result {
        case .success(let assertion):
            var summary = "Result: ACCEPTED (replay not checked): \(assertion.subject.value)"
            if let format = assertion.subject.format { summary += " (\(format.components(separatedBy: ":").last ?? format))" }
            summary += assertion.level.map { ", level \($0.rawValue)" } ?? ", no level mapped"
            lines.append(summary)
        case .failure(let error):
            let check = inspection.verdict.failures.first.map { "\($0.check.rawValue): " } ?? ""
            lines.append("Result: REJECTED at \(check)\(error.code): \(error.reason)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
