import FlowEngine
import Foundation

/// One validation of one Response: the state the checks share and the record of their outcomes.
///
/// Checks run in ``SAMLCheck`` order. When validating, the first failure stops the run (later checks
/// are recorded as skipped), so nothing is read from a document whose signature did not verify. When
/// inspecting, checks keep running as long as what they need exists, to show everything wrong at once.
final class SAMLValidationRun {
    let validator: SAMLResponseValidator
    let message: String
    let expectedRequestID: String?
    let now: Date
    let inspecting: Bool

    private(set) var checks: [SAMLCheckResult] = []
    private var firstFailure: FederationError?

    // What the checks find, in the order they find it.
    private var bytes: [UInt8]?
    private var document: XMLSecDocument?
    private var response: SAML.Response?
    private var container: XMLSecElement?  // the Assertion or EncryptedAssertion child of the Response
    private var assertionElement: XMLSecElement?  // the Assertion (decrypted if it was encrypted)
    private var responseSignature: EnvelopedSignature.Verified?
    private var assertionSignature: EnvelopedSignature.Verified?
    private var encrypted = false
    private var assertion: SAML.Assertion?
    private var confirmationNotOnOrAfter: Date?
    private var result: SAMLAssertionResult?
    private(set) var decryptedAssertionXML: String?

    init(validator: SAMLResponseValidator, message: String, expectedRequestID: String?, now: Date, inspecting: Bool) {
        self.validator = validator
        self.message = message
        self.expectedRequestID = expectedRequestID
        self.now = now
        self.inspecting = inspecting
    }

    private var sp: SAMLServiceProvider { validator.serviceProvider }

    /// The verdict so far.
    var verdict: SAMLVerdict {
        let outcome: Result<SAMLAssertionResult, FederationError>
        if let firstFailure {
            outcome = .failure(firstFailure)
        } else if let result {
            outcome = .success(result)
        } else {
            outcome = .failure(FederationError(.malformedMessage, "the Response was not fully checked"))
        }
        return SAMLVerdict(checks: checks, result: outcome, status: response?.status)
    }

    /// The decoded message for display, as received (before any decryption).
    var prettyXML: String {
        if let receivedXML { return receivedXML }
        if let bytes { return String(decoding: bytes, as: UTF8.self) }
        return message
    }
    private var receivedXML: String?

    // MARK: Running

    /// An intermediate outcome a check returns.
    enum Step {
        /// Passed, with what was found.
        case passed(String)
        /// Could not run: something it needs is missing (only while inspecting).
        case skipped(String)
    }

    func record(_ check: SAMLCheck, _ outcome: SAMLCheckResult.Outcome) {
        if case .failed(let error) = outcome, firstFailure == nil { firstFailure = error }
        checks.append(SAMLCheckResult(check: check, outcome: outcome))
    }

    private func run(_ check: SAMLCheck, _ body: Body) {
        if firstFailure != nil && !inspecting {
            record(check, .skipped("an earlier check failed"))
            return
        }
        do {
            switch try body(self) {
            case .passed(let detail) where firstFailure != nil:
                // Only while inspecting: the content may be unverified, so say so.
                record(check, .passed(detail + " (informational: an earlier check failed)"))
            case .passed(let detail): record(check, .passed(detail))
            case .skipped(let why): record(check, .skipped(why))
            }
        } catch {
            record(check, .failed(error))
        }
    }

    /// A synchronous check, run on a validation run.
    private typealias Body = @Sendable (SAMLValidationRun) throws(FederationError) -> Step

    /// The synchronous checks in order: one table for every run (closures that capture nothing, so
    /// running the checks allocates no closures).
    private static let synchronousChecks: [(SAMLCheck, Body)] = [
        (.decode, { run throws(FederationError) in try run.decode() }),
        (.size, { run throws(FederationError) in try run.size() }),
        (.parse, { run throws(FederationError) in try run.parse() }),
        (.response, { run throws(FederationError) in try run.readResponse() }),
        (.status, { run throws(FederationError) in try run.status() }),
        (.responseIssuer, { run throws(FederationError) in try run.responseIssuer() }),
        (.singleAssertion, { run throws(FederationError) in try run.singleAssertion() }),
        (.signaturePlacement, { run throws(FederationError) in try run.signaturePlacement() }),
        (.uniqueIDs, { run throws(FederationError) in try run.uniqueIDs() }),
        (.responseSignature, { run throws(FederationError) in try run.verifyResponseSignature() }),
        (.decryption, { run throws(FederationError) in try run.decrypt() }),
        (.assertionSignature, { run throws(FederationError) in try run.verifyAssertionSignature() }),
        (.signatureRequired, { run throws(FederationError) in try run.signatureRequired() }),
        (.assertion, { run throws(FederationError) in try run.readAssertion() }),
        (.destination, { run throws(FederationError) in try run.destination() }),
        (.assertionIssuer, { run throws(FederationError) in try run.assertionIssuer() }),
        (.subjectConfirmation, { run throws(FederationError) in try run.subjectConfirmation() }),
        (.conditions, { run throws(FederationError) in try run.conditions() }),
        (.audience, { run throws(FederationError) in try run.audience() }),
        (.inResponseTo, { run throws(FederationError) in try run.inResponseTo() }),
        (.authnStatement, { run throws(FederationError) in try run.authnStatement() }),
        (.subject, { run throws(FederationError) in try run.subject() }),
        (.mapping, { run throws(FederationError) in try run.mapping() }),
    ]

    /// Runs the synchronous checks up to and including `last`.
    func runChecks(through last: SAMLCheck) {
        for (check, body) in Self.synchronousChecks {
            run(check, body)
            if check == last { return }
        }
    }

    /// Runs the synchronous checks from `first` on.
    func runChecks(from first: SAMLCheck) {
        for (check, body) in Self.synchronousChecks.drop(while: { $0.0 != first }) {
            run(check, body)
        }
    }

    /// ``SAMLCheck/replay``: claims the Assertion ID until the assertion expires (plus skew).
    func claimReplay() async {
        if firstFailure != nil {
            record(.replay, .skipped("an earlier check failed"))
            return
        }
        guard let assertion, let until = expiry else {
            record(.replay, .failed(FederationError(.malformedMessage, "no assertion to claim")))
            return
        }
        do {
            let claimed = try await validator.replayCache.claim(id: assertion.replayKey, until: until + sp.clockSkew, now: now)
            record(
                .replay,
                claimed
                    ? .passed("assertion ID \(assertion.id) claimed until \(SAMLDateTime.format(until + sp.clockSkew))")
                    : .failed(FederationError(.replayed, "the assertion ID '\(assertion.id)' from \(assertion.issuer.value) was already used"))
            )
        } catch {
            record(.replay, .failed(FederationError(.storeUnavailable, "the replay cache could not be reached: \(error)")))
        }
    }

    /// The earliest of Conditions/@NotOnOrAfter and the chosen bearer confirmation's NotOnOrAfter.
    private var expiry: Date? {
        [assertion?.conditions?.notOnOrAfter, confirmationNotOnOrAfter].compactMap { $0 }.min()
    }

    // MARK: Message checks

    private func decode() throws(FederationError) -> Step {
        // On the UTF-8 bytes: going through Characters (grapheme breaking) cost more than the XML parse.
        let utf8 = message.utf8
        if let first = utf8.firstIndex(where: { !Self.isXMLWhitespace($0) }), utf8[first] == UInt8(ascii: "<"),
            let last = utf8.lastIndex(where: { !Self.isXMLWhitespace($0) })
        {
            bytes = Array(utf8[first...last])
            return .passed("raw XML, \(bytes!.count) bytes")
        }
        var (encoded, percent) = Self.withoutXMLWhitespace(message)
        if percent, let unescaped = message.removingPercentEncoding {
            encoded = Self.withoutXMLWhitespace(unescaped).bytes
        }
        let limit = sp.maximumMessageSize
        guard encoded.count <= (limit / 3 + 1) * 4 else {
            throw FederationError(.messageTooLarge, "the encoded message is \(encoded.count) characters, more than \(limit) bytes can encode to")
        }
        guard let data = Data(base64Encoded: Data(encoded)) else {
            throw FederationError(.malformedMessage, "the message is neither base64 nor XML")
        }
        bytes = Array(data)
        return .passed("base64, \(data.count) bytes decoded")
    }

    /// The UTF-8 of `text` without XML white space, copied in one pass over contiguous bytes, and
    /// whether it holds a `%` (a percent-encoded field).
    private static func withoutXMLWhitespace(_ text: String) -> (bytes: [UInt8], percent: Bool) {
        var text = text
        return text.withUTF8 { source in
            // A form-posted SAMLResponse usually has no white space at all: one branch-free pass (which
            // the compiler vectorises) finds that, and the bytes are then copied as they are.
            var controlOrSpace: UInt8 = 0
            var percent: UInt8 = 0
            for byte in source {
                controlOrSpace |= byte <= 0x20 ? 1 : 0
                percent |= byte == UInt8(ascii: "%") ? 1 : 0
            }
            if controlOrSpace == 0 { return (Array(source), percent != 0) }
            let bytes = [UInt8](unsafeUninitializedCapacity: source.count) { target, count in
                for byte in source where !isXMLWhitespace(byte) {
                    target[count] = byte
                    count += 1
                }
            }
            return (bytes, percent != 0)
        }
    }

    /// Space, tab, CR, LF: the white space XML and form encodings put around and inside base64.
    private static func isXMLWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private func size() throws(FederationError) -> Step {
        guard let bytes else { return .skipped("nothing decoded") }
        guard bytes.count <= sp.maximumMessageSize else {
            throw FederationError(.messageTooLarge, "the message is \(bytes.count) bytes; the limit is \(sp.maximumMessageSize)")
        }
        return .passed("\(bytes.count) bytes, limit \(sp.maximumMessageSize)")
    }

    private func parse() throws(FederationError) -> Step {
        guard let bytes, bytes.count <= sp.maximumMessageSize else { return .skipped("no message within the size limit") }
        let document = try XMLSecDocument(parsing: bytes, maximumSize: sp.maximumMessageSize)
        self.document = document
        if inspecting { receivedXML = document.prettyPrinted() }
        return .passed("well-formed XML, no DOCTYPE")
    }

    private func readResponse() throws(FederationError) -> Step {
        guard let document else { return .skipped("no document") }
        let response = try SAML.Response(element: document.root)
        self.response = response
        return .passed("samlp:Response ID=\(response.id) IssueInstant=\(SAMLDateTime.format(response.issueInstant))")
    }

    private func status() throws(FederationError) -> Step {
        guard let response else { return .skipped("no Response") }
        guard response.status.isSuccess else {
            throw FederationError(.statusNotSuccess, "the IdP answered \(response.status) (\(response.status.kind.rawValue))")
        }
        return .passed("Success")
    }

    private func responseIssuer() throws(FederationError) -> Step {
        guard let response else { return .skipped("no Response") }
        guard let issuer = response.issuer else { return .passed("no Issuer on the Response (allowed)") }
        try checkIssuer(issuer, of: "Response")
        return .passed(issuer.value)
    }

    private func checkIssuer(_ issuer: SAML.Issuer, of element: String) throws(FederationError) {
        let expected = sp.identityProvider.entityID
        guard issuer.value == expected else {
            throw FederationError(.issuerMismatch, "the \(element) Issuer is '\(issuer.value)', not the IdP '\(expected)'")
        }
        guard issuer.format == nil || issuer.format == SAML.NameIDFormat.entity else {
            throw FederationError(.issuerMismatch, "the \(element) Issuer has Format '\(issuer.format!)', not entity")
        }
    }

    // MARK: Structure checks (XML signature wrapping)

    private func singleAssertion() throws(FederationError) -> Step {
        guard let document, response != nil else { return .skipped("no Response") }
        let root = document.root
        let saml = SAML.Namespace.assertion
        let found = root.descendants { $0.is("Assertion", in: saml) || $0.is("EncryptedAssertion", in: saml) }
        guard found.count == 1 else {
            let places = found.map(\.path).joined(separator: ", ")
            throw FederationError(
                found.isEmpty ? .malformedMessage : .signatureWrapping,
                found.isEmpty ? "the Response contains no Assertion" : "the document contains \(found.count) assertions (\(places)); exactly one is accepted"
            )
        }
        guard let parent = found[0].parent, parent.isSameNode(as: root) else {
            throw FederationError(.signatureWrapping, "the assertion at \(found[0].path) is not a direct child of the Response")
        }
        container = found[0]
        return .passed("one <\(found[0].name)>, a child of the Response")
    }

    private func signaturePlacement() throws(FederationError) -> Step {
        guard let document, let container else { return .skipped("no single assertion") }
        let allowedParents = container.name == "Assertion" ? [document.root, container] : [document.root]
        try Self.checkSignaturePlacement(in: document.root, allowedParents: allowedParents)
        return .passed("signatures only on the Response and the Assertion")
    }

    /// Every `ds:Signature` below `root` (and `root` itself) must be a direct child of one of
    /// `allowedParents`, at most one per parent.
    private static func checkSignaturePlacement(in root: XMLSecElement, allowedParents: [XMLSecElement]) throws(FederationError) {
        let isSignature = { (element: XMLSecElement) in element.is("Signature", in: XMLSecURI.dsigNamespace) }
        for signature in [root].filter(isSignature) + root.descendants(where: isSignature) {
            guard let parent = signature.parent, allowedParents.contains(where: { $0.isSameNode(as: parent) }) else {
                throw FederationError(.signatureWrapping, "a signature at \(signature.path) is not on the Response or the Assertion")
            }
        }
        for parent in allowedParents {
            _ = try EnvelopedSignature.signature(of: parent)
        }
    }

    private func uniqueIDs() throws(FederationError) -> Step {
        guard let document else { return .skipped("no document") }
        let count = try Self.checkUniqueIDs(in: document.root)
        return .passed("\(count) IDs, all distinct")
    }

    /// ID-like attributes (`ID`, `Id`, `id`, `AssertionID`, `xml:id`) must not repeat a value anywhere.
    private static func checkUniqueIDs(in root: XMLSecElement) throws(FederationError) -> Int {
        var seen: [String: XMLSecElement] = [:]
        for element in [root] + root.descendants {
            for attribute in element.attributes(named: idAttributes) {
                if let first = seen[attribute.value] {
                    throw FederationError(.signatureWrapping, "the ID '\(attribute.value)' appears on \(first.path) and on \(element.path)")
                }
                seen[attribute.value] = element
            }
        }
        return seen.count
    }

    private static let idAttributes: [(name: String, namespaceURI: String?)] = [
        ("ID", nil), ("Id", nil), ("id", nil), ("AssertionID", nil), ("id", SAML.Namespace.xml),
    ]

    // MARK: Signatures and decryption

    private func verifyResponseSignature() throws(FederationError) -> Step {
        guard let document, response != nil, container != nil else { return .skipped("no single assertion") }
        let root = document.root
        guard let signature = try EnvelopedSignature.signature(of: root) else { return .passed("the Response is not signed") }
        let verified = try verify(signature, of: root, label: "the Response signature")
        responseSignature = verified
        return .passed(describe(verified, of: "Response"))
    }

    private func verifyAssertionSignature() throws(FederationError) -> Step {
        guard let assertionElement else { return .skipped("no readable Assertion") }
        guard let signature = try EnvelopedSignature.signature(of: assertionElement) else { return .passed("the Assertion is not signed") }
        let verified = try verify(signature, of: assertionElement, label: "the Assertion signature")
        assertionSignature = verified
        return .passed(describe(verified, of: "Assertion"))
    }

    private func verify(_ signature: XMLSecElement, of element: XMLSecElement, label: String) throws(FederationError) -> EnvelopedSignature.Verified {
        // KeyInfo only orders the keys to try, so with one trusted key there is nothing to read.
        let keys = validator.idpKeys.count == 1 ? validator.idpKeys.keys : validator.idpKeys.keys(hintedBy: Self.keyInfoCertificates(in: signature))
        var verified = try EnvelopedSignature.verify(
            signature, of: element, idAttribute: "ID", keys: keys, allowed: sp.acceptedSignatureAlgorithms, label: label
        )
        // Report the index in configuration order, not in the hinted order.
        verified.keyIndex = validator.idpKeys.keys.firstIndex { $0 === keys[verified.keyIndex] } ?? verified.keyIndex
        return verified
    }

    /// The DER of every `X509Certificate` in a signature's KeyInfo (unreadable ones left out).
    private static func keyInfoCertificates(in signature: XMLSecElement) -> [[UInt8]] {
        signature.descendants { $0.is("X509Certificate", in: XMLSecURI.dsigNamespace) }.compactMap { certificate in
            Data(base64Encoded: Data(withoutXMLWhitespace(certificate.text).bytes)).map(Array.init)
        }
    }

    private func describe(_ verified: EnvelopedSignature.Verified, of element: String) -> String {
        let uri = verified.algorithm.uri
        let name = uri.utf8.lastIndex(of: UInt8(ascii: "#")).map { String(uri[uri.index(after: $0)...]) } ?? uri
        return "enveloped signature of the \(element), \(name), IdP certificate \(verified.keyIndex + 1) of \(validator.idpKeys.count)"
    }

    private func decrypt() throws(FederationError) -> Step {
        guard let document, let container else { return .skipped("no single assertion") }
        guard container.name == "EncryptedAssertion" else {
            assertionElement = container
            return .passed("not encrypted")
        }
        guard let key = validator.decryptionKey else {
            throw FederationError(.decryptionFailed, "the Assertion is encrypted but the connection has no SP decryption key")
        }
        let decrypted: XMLSecElement
        do {
            decrypted = try decryptedAssertion(in: container, document: document, key: key)
        } catch where error.code == .decryptionFailed || error.code == .signatureWrapping {
            // Without a verified Response signature over the ciphertext, distinct errors after
            // decryption would be an oracle (CBC padding vs. XML parsing: Jager & Somorovsky, 2011).
            guard responseSignature == nil, !inspecting else { throw error }
            throw FederationError(.decryptionFailed, "the EncryptedAssertion could not be decrypted into one Assertion")
        }
        assertionElement = decrypted
        encrypted = true
        if inspecting {
            decryptedAssertionXML = decrypted.serialized(pretty: true)
        }
        return .passed("decrypted with the SP key into one Assertion")
    }

    /// Decrypts `container` in place and checks the result is exactly one Assertion with nothing hidden in it.
    private func decryptedAssertion(in container: XMLSecElement, document: XMLSecDocument, key: XMLSecKey) throws(FederationError) -> XMLSecElement {
        let children = try ElementEncryption.decrypt(container, with: key, allowed: sp.allowedEncryptionAlgorithms)
        guard children.count == 1, children[0].is("Assertion", in: SAML.Namespace.assertion) else {
            throw FederationError(.signatureWrapping, "the EncryptedAssertion decrypted to \(children.map { "<\($0.name)>" }.joined(separator: ", ")), not one <Assertion>")
        }
        let decrypted = children[0]
        let nested = decrypted.descendants.filter { $0.is("Assertion", in: SAML.Namespace.assertion) || $0.is("EncryptedAssertion", in: SAML.Namespace.assertion) }
        guard nested.isEmpty else {
            throw FederationError(.signatureWrapping, "the decrypted Assertion contains another assertion at \(nested[0].path)")
        }
        try Self.checkSignaturePlacement(in: document.root, allowedParents: [document.root, decrypted])
        _ = try Self.checkUniqueIDs(in: document.root)
        return decrypted
    }

    private func signatureRequired() throws(FederationError) -> Step {
        guard response != nil else { return .skipped("no Response") }
        guard responseSignature != nil || assertionSignature != nil else {
            throw FederationError(.signatureMissing, "neither the Response nor the Assertion carries a verified signature")
        }
        guard !sp.wantAssertionsSigned || assertionSignature != nil else {
            throw FederationError(.signatureMissing, "the connection requires a signed Assertion; only the Response is signed")
        }
        let signed = [responseSignature.map { _ in "Response" }, assertionSignature.map { _ in "Assertion" }].compactMap { $0 }
        return .passed("signed: " + signed.joined(separator: " and "))
    }

    // MARK: Assertion checks (on values read from the verified element)

    private func readAssertion() throws(FederationError) -> Step {
        guard let assertionElement else { return .skipped("no readable Assertion") }
        let assertion = try SAML.Assertion(element: assertionElement)
        self.assertion = assertion
        return .passed("Assertion ID=\(assertion.id) IssueInstant=\(SAMLDateTime.format(assertion.issueInstant))")
    }

    private func destination() throws(FederationError) -> Step {
        guard let response else { return .skipped("no Response") }
        let acs = sp.assertionConsumerServiceURL
        guard let destination = response.destination else {
            guard responseSignature == nil else {
                throw FederationError(.destinationMismatch, "the Response is signed but has no Destination (SAML Bindings §3.5.5.2)")
            }
            return .passed("no Destination (allowed on an unsigned Response)")
        }
        guard destination == acs else {
            throw FederationError(.destinationMismatch, "the Response Destination is '\(destination)', not our ACS '\(acs)'")
        }
        return .passed(destination)
    }

    private func assertionIssuer() throws(FederationError) -> Step {
        guard let assertion else { return .skipped("no Assertion") }
        try checkIssuer(assertion.issuer, of: "Assertion")
        return .passed(assertion.issuer.value)
    }

    private func subjectConfirmation() throws(FederationError) -> Step {
        guard let assertion else { return .skipped("no Assertion") }
        let bearers = assertion.subjectConfirmations.filter { $0.method == SAML.bearerMethod }
        guard !bearers.isEmpty else {
            throw FederationError(.subjectConfirmationFailed, "the Assertion has no bearer SubjectConfirmation")
        }
        var firstProblem: FederationError?
        for bearer in bearers {
            do throws(FederationError) {
                let notOnOrAfter = try checkBearer(bearer.data)
                confirmationNotOnOrAfter = notOnOrAfter
                return .passed("bearer, Recipient \(sp.assertionConsumerServiceURL), NotOnOrAfter \(SAMLDateTime.format(notOnOrAfter))")
            } catch {
                firstProblem = firstProblem ?? error
            }
        }
        throw firstProblem!
    }

    /// One bearer confirmation against SAML Profiles §4.1.4.2; returns its NotOnOrAfter.
    private func checkBearer(_ data: SAML.SubjectConfirmationData?) throws(FederationError) -> Date {
        guard let data else {
            throw FederationError(.subjectConfirmationFailed, "the bearer SubjectConfirmation has no SubjectConfirmationData")
        }
        guard data.notBefore == nil else {
            throw FederationError(.subjectConfirmationFailed, "a bearer SubjectConfirmationData must not have NotBefore")
        }
        let acs = sp.assertionConsumerServiceURL
        guard let recipient = data.recipient else {
            throw FederationError(.recipientMismatch, "the bearer SubjectConfirmationData has no Recipient")
        }
        guard recipient == acs else {
            throw FederationError(.recipientMismatch, "the bearer Recipient is '\(recipient)', not our ACS '\(acs)'")
        }
        guard let notOnOrAfter = data.notOnOrAfter else {
            throw FederationError(.subjectConfirmationFailed, "the bearer SubjectConfirmationData has no NotOnOrAfter")
        }
        guard now < notOnOrAfter + sp.clockSkew else {
            throw FederationError(.expired, "the bearer confirmation expired at \(SAMLDateTime.format(notOnOrAfter)) (now \(SAMLDateTime.format(now)), skew \(Int(sp.clockSkew)) s)")
        }
        if let inResponseTo = data.inResponseTo, inResponseTo != expectedRequestID {
            throw FederationError(.inResponseToMismatch, "the bearer confirmation answers '\(inResponseTo)', not this login's request '\(expectedRequestID ?? "(none)")'")
        }
        return notOnOrAfter
    }

    private func conditions() throws(FederationError) -> Step {
        guard let assertion else { return .skipped("no Assertion") }
        let skew = sp.clockSkew
        guard assertion.issueInstant <= now + skew else {
            throw FederationError(.notYetValid, "the Assertion was issued in the future (\(SAMLDateTime.format(assertion.issueInstant)))")
        }
        guard let conditions = assertion.conditions else { return .passed("no Conditions") }
        if let unknown = conditions.unknownConditions.first {
            throw FederationError(.malformedMessage, "the Assertion has a condition Gatehouse does not understand (<\(unknown)>), so its validity is indeterminate (SAML Core §2.5.1)")
        }
        if let notBefore = conditions.notBefore, now + skew < notBefore {
            throw FederationError(.notYetValid, "the Assertion is valid from \(SAMLDateTime.format(notBefore)) (now \(SAMLDateTime.format(now)), skew \(Int(skew)) s)")
        }
        if let notOnOrAfter = conditions.notOnOrAfter, now >= notOnOrAfter + skew {
            throw FederationError(.expired, "the Assertion expired at \(SAMLDateTime.format(notOnOrAfter)) (now \(SAMLDateTime.format(now)), skew \(Int(skew)) s)")
        }
        let window = [conditions.notBefore.map { "from " + SAMLDateTime.format($0) }, conditions.notOnOrAfter.map { "until " + SAMLDateTime.format($0) }]
        return .passed("valid " + window.compactMap { $0 }.joined(separator: " "))
    }

    private func audience() throws(FederationError) -> Step {
        guard let assertion else { return .skipped("no Assertion") }
        let restrictions = assertion.conditions?.audienceRestrictions ?? []
        guard !restrictions.isEmpty else {
            throw FederationError(.audienceMismatch, "the Assertion has no AudienceRestriction (SAML Profiles §4.1.4.2)")
        }
        for audiences in restrictions where !audiences.contains(sp.entityID) {
            throw FederationError(.audienceMismatch, "an AudienceRestriction names \(audiences), not our entityID '\(sp.entityID)'")
        }
        return .passed(sp.entityID)
    }

    private func inResponseTo() throws(FederationError) -> Step {
        guard let response else { return .skipped("no Response") }
        guard let inResponseTo = response.inResponseTo else {
            guard sp.allowUnsolicited else {
                throw FederationError(.unsolicitedResponse, "the Response has no InResponseTo and the connection does not accept unsolicited (IdP-initiated) Responses")
            }
            return .passed("unsolicited, allowed by the connection")
        }
        guard inResponseTo == expectedRequestID else {
            throw FederationError(.inResponseToMismatch, "the Response answers '\(inResponseTo)', not this login's request '\(expectedRequestID ?? "(none)")'")
        }
        return .passed(inResponseTo)
    }

    private func authnStatement() throws(FederationError) -> Step {
        guard let assertion else { return .skipped("no Assertion") }
        guard let statement = assertion.authnStatements.first else {
            throw FederationError(.malformedMessage, "the Assertion has no AuthnStatement (SAML Profiles §4.1.4.2)")
        }
        if let sessionEnd = statement.sessionNotOnOrAfter, now >= sessionEnd + sp.clockSkew {
            throw FederationError(.expired, "the IdP session ended at \(SAMLDateTime.format(sessionEnd))")
        }
        return .passed("AuthnInstant \(SAMLDateTime.format(statement.authnInstant)), class \(statement.authnContextClassRef ?? "(none)")")
    }

    private func subject() throws(FederationError) -> Step {
        guard let assertion else { return .skipped("no Assertion") }
        guard !assertion.hasEncryptedID else {
            throw FederationError(.malformedMessage, "the Subject holds an EncryptedID, which Gatehouse does not support")
        }
        guard let nameID = assertion.nameID, !nameID.value.isEmpty else {
            throw FederationError(.malformedMessage, "the Assertion has no NameID")
        }
        return .passed("NameID '\(nameID.value)'" + (nameID.format.map { " (\($0))" } ?? ""))
    }

    // MARK: Mapping

    private func mapping() throws(FederationError) -> Step {
        guard let assertion else { return .skipped("no Assertion") }
        guard let response else { return .skipped("no Response") }
        guard let nameID = assertion.nameID, let expiry else { return .skipped("no subject or no expiry") }
        var attributes: [String: [String]] = [:]
        for attribute in assertion.attributes {
            attributes[attribute.name, default: []] += attribute.values
        }
        var claims: [String: [String]] = [:]
        for (name, claim) in sp.attributeMapping {
            if let values = attributes[name], !values.isEmpty { claims[claim, default: []] += values }
        }
        let statement = assertion.authnStatements.first
        let classRef = statement?.authnContextClassRef
        let level = classRef.flatMap { sp.levelMapping[$0] }
        let email = claims["email"]?.first ?? (nameID.format == SAML.NameIDFormat.emailAddress ? nameID.value : nil)
        result = SAMLAssertionResult(
            subject: nameID, sessionIndex: statement?.sessionIndex, attributes: attributes, claims: claims,
            authnContextClassRef: classRef, level: level, email: email, issuer: assertion.issuer.value,
            assertionID: assertion.id, responseID: response.id, inResponseTo: response.inResponseTo, notOnOrAfter: expiry,
            authnInstant: statement?.authnInstant, responseSigned: responseSignature != nil,
            assertionSigned: assertionSignature != nil, wasEncrypted: encrypted
        )
        let levelText = level.map { "level \($0.rawValue)" } ?? "no level mapped"
        return .passed("\(claims.count) of \(attributes.count) attributes mapped to claims, \(levelText)")
    }
}
