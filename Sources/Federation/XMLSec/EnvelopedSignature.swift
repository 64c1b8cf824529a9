/// Enveloped XML-DSig signatures over one element identified by an ID attribute: the only shape SAML
/// uses (SAML Core §5.4), verified and made with libxmlsec1.
///
/// Verification proves more than "some signature in the document verifies": it proves that *this*
/// element is what was signed. Before libxmlsec1 runs, the signature must be a direct child of the
/// element, have exactly one `Reference` whose `URI` is `#` + the element's own ID, with exactly the
/// enveloped transform followed by exclusive C14N, an allowed digest and signature method, and
/// exclusive C14N for `SignedInfo`; no `ds:Object`. The element's ID is registered (and only that
/// one), so the reference can resolve to nothing else; duplicated IDs are refused. Callers then read
/// data only from the element they passed in.
enum EnvelopedSignature {
    /// The result of a successful verification.
    struct Verified: Sendable, Hashable {
        /// The signature method used.
        var algorithm: XMLSignatureAlgorithm
        /// Which of the trusted keys verified it (its index in the list given).
        var keyIndex: Int
    }

    /// The `ds:Signature` direct child of `element`, if any.
    /// - Throws: ``FederationError`` `signatureWrapping` when there is more than one.
    static func signature(of element: XMLSecElement) throws(FederationError) -> XMLSecElement? {
        let signatures = element.children("Signature", in: XMLSecURI.dsigNamespace)
        guard signatures.count <= 1 else {
            throw FederationError(.signatureWrapping, "<\(element.name)> carries \(signatures.count) signatures; at most one is accepted")
        }
        return signatures.first
    }

    /// Verifies that `signature` is an enveloped signature over exactly `element`, made by one of `keys`.
    /// - Parameters:
    ///   - signature: The `ds:Signature` child of `element` (from ``signature(of:)``).
    ///   - element: The element that must be the one signed.
    ///   - idAttribute: The element's ID attribute (`ID` in SAML).
    ///   - keys: The trusted keys, tried in order (at most one usually verifies).
    ///   - allowed: The signature methods accepted; digests follow from them.
    ///   - label: What to call the signature in reasons ("the Response signature").
    /// - Throws: ``FederationError``: `signatureWrapping` when the reference does not point at
    ///   `element`; `weakAlgorithm` for a refused algorithm; `signatureInvalid` when the shape is wrong or
    ///   a digest does not match (content changed after signing); `untrustedKey` when no trusted key verifies.
    static func verify(
        _ signature: XMLSecElement, of element: XMLSecElement, idAttribute: String, keys: [XMLSecKey],
        allowed: Set<XMLSignatureAlgorithm>, label: String
    ) throws(FederationError) -> Verified {
        guard let parent = signature.parent, parent.isSameNode(as: element) else {
            throw FederationError(.signatureWrapping, "\(label) is not a direct child of <\(element.name)>")
        }
        guard let id = element.attribute(idAttribute), !id.isEmpty else {
            throw FederationError(.malformedMessage, "<\(element.name)> has no \(idAttribute), so \(label) cannot refer to it")
        }
        let algorithm = try checkShape(of: signature, referencing: id, allowed: allowed, label: label)
        try element.document.registerID(of: element, attribute: idAttribute)
        guard let resolved = element.document.element(withID: id), resolved.isSameNode(as: element) else {
            throw FederationError(.signatureWrapping, "the ID '\(id)' does not resolve to <\(element.name)>")
        }
        guard !keys.isEmpty else { throw FederationError(.configuration, "no trusted certificate to verify \(label) with") }

        return try XMLSecErrorLog.capture { log throws(FederationError) in
            for (index, key) in keys.enumerated() {
                let context = try XMLSecDSigContext(key: key, signatureMethod: algorithm)
                switch try context.verify(signature, log: log) {
                case .valid:
                    let references = context.references
                    guard references.count == 1, references[0].uri == "#" + id else {
                        throw FederationError(.signatureWrapping, "\(label) verified a reference other than '#\(id)'")
                    }
                    return Verified(algorithm: algorithm, keyIndex: index)
                case .digestMismatch:
                    throw log.error(.signatureInvalid, "\(label): the digest of <\(element.name) ID=\"\(id)\"> does not match; it was changed after signing")
                case .wrongKey:
                    log.clear()
                }
            }
            let count = keys.count == 1 ? "the trusted IdP certificate" : "any of the \(keys.count) trusted IdP certificates"
            throw FederationError(.untrustedKey, "\(label) does not verify with \(count)")
        }
    }

    /// Checks everything about the signature that does not need cryptography and returns its method.
    private static func checkShape(
        of signature: XMLSecElement, referencing id: String, allowed: Set<XMLSignatureAlgorithm>, label: String
    ) throws(FederationError) -> XMLSignatureAlgorithm {
        let ds = XMLSecURI.dsigNamespace
        let children = signature.children
        for child in children where child.namespaceURI != ds || !["SignedInfo", "SignatureValue", "KeyInfo"].contains(child.name) {
            throw FederationError(.signatureInvalid, "\(label) contains <\(child.name)>, which is not accepted (only SignedInfo, SignatureValue, KeyInfo)")
        }
        guard children.first?.is("SignedInfo", in: ds) == true, signature.children("SignedInfo", in: ds).count == 1,
            signature.children("SignatureValue", in: ds).count == 1, signature.children("KeyInfo", in: ds).count <= 1,
            let signedInfo = children.first
        else {
            throw FederationError(.signatureInvalid, "\(label) must have one SignedInfo, one SignatureValue and at most one KeyInfo")
        }

        let c14n = signedInfo.children("CanonicalizationMethod", in: ds)
        guard c14n.count == 1, c14n[0].attribute("Algorithm") == XMLSecURI.exclusiveC14N else {
            throw FederationError(.weakAlgorithm, "\(label) must canonicalise SignedInfo with exclusive C14N (\(XMLSecURI.exclusiveC14N))")
        }
        let methods = signedInfo.children("SignatureMethod", in: ds)
        guard methods.count == 1, let uri = methods[0].attribute("Algorithm") else {
            throw FederationError(.signatureInvalid, "\(label) must have exactly one SignatureMethod")
        }
        guard let algorithm = XMLSignatureAlgorithm(rawValue: uri) else {
            throw FederationError(.weakAlgorithm, "\(label) uses the unsupported signature method \(uri)")
        }
        guard allowed.contains(algorithm) else {
            throw FederationError(.weakAlgorithm, "\(label) uses \(uri), which this connection does not allow")
        }

        let references = signedInfo.children("Reference", in: ds)
        guard references.count == 1 else {
            throw FederationError(.signatureWrapping, "\(label) has \(references.count) references; exactly one is accepted")
        }
        let reference = references[0]
        let uriValue = reference.attribute("URI") ?? "(none)"
        guard uriValue == "#" + id else {
            throw FederationError(.signatureWrapping, "\(label) refers to '\(uriValue)', not to the element it signs ('#\(id)')")
        }
        let transforms = reference.child("Transforms", in: ds)?.children ?? []
        let transformURIs = transforms.map { $0.is("Transform", in: ds) ? $0.attribute("Algorithm") ?? "" : "<\($0.name)>" }
        guard transformURIs == [XMLSecURI.envelopedSignature, XMLSecURI.exclusiveC14N],
            transforms[0].children.isEmpty,
            transforms[1].children.allSatisfy({ $0.is("InclusiveNamespaces", in: XMLSecURI.exclusiveC14N) })
        else {
            throw FederationError(
                .signatureInvalid,
                "\(label) must use exactly the enveloped-signature transform then exclusive C14N; found [\(transformURIs.joined(separator: ", "))]"
            )
        }
        let digests = reference.children("DigestMethod", in: ds)
        guard digests.count == 1, let digestURI = digests[0].attribute("Algorithm") else {
            throw FederationError(.signatureInvalid, "\(label) must have exactly one DigestMethod")
        }
        guard let digest = XMLDigestAlgorithm(rawValue: digestURI), digest == algorithm.digest else {
            throw FederationError(.weakAlgorithm, "\(label) digests with \(digestURI); \(algorithm.digest.uri) is required with \(uri)")
        }
        return algorithm
    }

    /// Signs `element` with an enveloped signature (exclusive C14N, `algorithm`, its digest), placed
    /// right after `after` (SAML puts it after `Issuer`) or first, with the key's certificate in KeyInfo.
    /// For the test IdP and signed AuthnRequests.
    /// - Throws: ``FederationError`` `xmlSecurity` when libxmlsec1 fails.
    static func sign(
        _ element: XMLSecElement, idAttribute: String, key: XMLSecKey, algorithm: XMLSignatureAlgorithm,
        after: XMLSecElement?
    ) throws(FederationError) {
        guard let id = element.attribute(idAttribute) else {
            throw FederationError(.malformedMessage, "<\(element.name)> has no \(idAttribute) to sign")
        }
        try element.document.registerID(of: element, attribute: idAttribute)
        try XMLSecErrorLog.capture { log throws(FederationError) in
            let signature = try XMLSecTemplates.signature(
                in: element, after: after, referenceURI: "#" + id, algorithm: algorithm, log: log
            )
            try XMLSecDSigContext(key: key, signatureMethod: algorithm).sign(signature, log: log)
        }
    }
}
