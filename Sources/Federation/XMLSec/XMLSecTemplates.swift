internal import CXMLSec

/// libxmlsec1 templates: the empty `ds:Signature` and `xenc:EncryptedData`/`EncryptedKey` skeletons
/// that `xmlSecDSigCtxSign` and `xmlSecEncCtx…Encrypt` fill in. Used to make messages (test IdP,
/// signed AuthnRequests), never to read them.
enum XMLSecTemplates {
    /// Inserts an enveloped-signature template into `element` (after `after`, or as its first child):
    /// exclusive C14N, `algorithm`, one reference to `referenceURI` with the enveloped transform and
    /// exclusive C14N, and KeyInfo/X509Data/X509Certificate.
    static func signature(
        in element: XMLSecElement, after: XMLSecElement?, referenceURI: String, algorithm: XMLSignatureAlgorithm,
        log: XMLSecErrorLog
    ) throws(FederationError) -> XMLSecElement {
        let document = element.document
        let c14n = gh_xmlsec_transform_exc_c14n()
        let node = withXMLString("ds") { xmlSecTmplSignatureCreateNsPref(document.pointer, c14n, algorithm.transform, nil, $0) }
        guard let node else { throw log.error(.xmlSecurity, "libxmlsec1 could not create a signature template") }
        if let after {
            xmlAddNextSibling(after.node, node)
        } else if let first = element.node.pointee.children {
            xmlAddPrevSibling(first, node)
        } else {
            xmlAddChild(element.node, node)
        }
        let reference = withXMLString(referenceURI) {
            xmlSecTmplSignatureAddReference(node, algorithm.digest.transform, nil, $0, nil)
        }
        guard let reference,
            xmlSecTmplReferenceAddTransform(reference, gh_xmlsec_transform_enveloped()) != nil,
            xmlSecTmplReferenceAddTransform(reference, c14n) != nil,
            let keyInfo = xmlSecTmplSignatureEnsureKeyInfo(node, nil),
            let x509Data = xmlSecTmplKeyInfoAddX509Data(keyInfo),
            xmlSecTmplX509DataAddCertificate(x509Data) != nil
        else { throw log.error(.xmlSecurity, "libxmlsec1 could not fill the signature template") }
        return XMLSecElement(document: document, node: node)
    }

    /// A detached `xenc:EncryptedData` template of type Element with a CipherValue, for `cipher`.
    static func encryptedElement(in document: XMLSecDocument, cipher: XMLEncryptionAlgorithm, log: XMLSecErrorLog) throws(FederationError) -> xmlNodePtr {
        let node = withXMLString(XMLSecURI.typeElement) {
            xmlSecTmplEncDataCreate(document.pointer, cipher.transform, nil, $0, nil, nil)
        }
        guard let node, xmlSecTmplEncDataEnsureCipherValue(node) != nil else {
            throw log.error(.xmlSecurity, "libxmlsec1 could not create an EncryptedData template")
        }
        return node
    }

    /// Adds `KeyInfo/EncryptedKey` (RSA-OAEP-MGF1P) with a CipherValue to `encryptedData`.
    static func encryptedKey(in encryptedData: XMLSecElement, log: XMLSecErrorLog) throws(FederationError) -> XMLSecElement {
        guard let keyInfo = xmlSecTmplEncDataEnsureKeyInfo(encryptedData.node, nil),
            let encryptedKey = xmlSecTmplKeyInfoAddEncryptedKey(keyInfo, gh_xmlsec_transform_rsa_oaep(), nil, nil, nil),
            xmlSecTmplEncDataEnsureCipherValue(encryptedKey) != nil
        else { throw log.error(.xmlSecurity, "libxmlsec1 could not create an EncryptedKey template") }
        return XMLSecElement(document: encryptedData.document, node: encryptedKey)
    }
}
