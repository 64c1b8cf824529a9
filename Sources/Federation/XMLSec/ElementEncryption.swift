internal import CXMLSec

/// XML-Enc of one element for one recipient, the way SAML encrypts assertions (SAML Core §6):
/// an `xenc:EncryptedData` of type Element, its AES session key in an `xenc:EncryptedKey`
/// (RSA-OAEP) either inside `EncryptedData/ds:KeyInfo` or beside it in the SAML container.
///
/// Decryption is done in two explicit steps with libxmlsec1, so the message never chooses the key
/// or the algorithms: the `EncryptedKey` is decrypted with the SP's private key (RSA-OAEP only;
/// RSA PKCS#1 v1.5 is refused), then the `EncryptedData` with that session key (an allowed AES mode
/// only). `CipherReference` (which would make libxmlsec1 dereference a URI) is refused.
enum ElementEncryption {
    /// Decrypts the one `xenc:EncryptedData` child of `container` in place and returns the container's
    /// element children afterwards (the decrypted XML; `EncryptedKey` siblings are removed).
    /// - Parameters:
    ///   - container: A SAML `EncryptedAssertion` (or `EncryptedID`, `EncryptedAttribute`).
    ///   - key: The SP's RSA private key.
    ///   - allowed: The accepted block ciphers.
    /// - Throws: ``FederationError``: `malformedMessage` for an unexpected shape; `weakAlgorithm` for a
    ///   refused algorithm; `decryptionFailed` when no `EncryptedKey` opens with `key` or the data does not decrypt.
    static func decrypt(
        _ container: XMLSecElement, with key: XMLSecKey, allowed: Set<XMLEncryptionAlgorithm>
    ) throws(FederationError) -> [XMLSecElement] {
        let xenc = XMLSecURI.encNamespace
        let children = container.children
        for child in children where !(child.is("EncryptedData", in: xenc) || child.is("EncryptedKey", in: xenc)) {
            throw FederationError(.malformedMessage, "<\(container.name)> contains <\(child.name)>; only EncryptedData and EncryptedKey are accepted")
        }
        let data = container.children("EncryptedData", in: xenc)
        guard data.count == 1 else {
            throw FederationError(.malformedMessage, "<\(container.name)> must contain exactly one EncryptedData, not \(data.count)")
        }
        let encryptedData = data[0]
        guard encryptedData.attribute("Type") == XMLSecURI.typeElement else {
            throw FederationError(.malformedMessage, "<EncryptedData> must have Type=\"\(XMLSecURI.typeElement)\"")
        }
        try requireCipherValue(in: encryptedData)
        let methodURI = encryptedData.child("EncryptionMethod", in: xenc)?.attribute("Algorithm") ?? "(none)"
        guard let cipher = XMLEncryptionAlgorithm(rawValue: methodURI) else {
            throw FederationError(.weakAlgorithm, "<EncryptedData> uses the unsupported cipher \(methodURI)")
        }
        guard allowed.contains(cipher) else {
            throw FederationError(.weakAlgorithm, "<EncryptedData> uses \(methodURI), which this connection does not allow")
        }
        let inKeyInfo = encryptedData.child("KeyInfo", in: XMLSecURI.dsigNamespace)?.children("EncryptedKey", in: xenc) ?? []
        let candidates = inKeyInfo + container.children("EncryptedKey", in: xenc)
        guard !candidates.isEmpty else { throw FederationError(.malformedMessage, "<\(container.name)> has no EncryptedKey") }
        guard candidates.count <= 4 else {
            throw FederationError(.malformedMessage, "<\(container.name)> has \(candidates.count) EncryptedKey elements; at most 4 are tried")
        }

        try XMLSecErrorLog.capture { log throws(FederationError) in
            var sessionKey: XMLSecKey?
            for candidate in candidates {
                let transport = candidate.child("EncryptionMethod", in: xenc)?.attribute("Algorithm") ?? "(none)"
                guard transport == XMLSecURI.rsaOAEPMGF1P else {
                    throw FederationError(.weakAlgorithm, "<EncryptedKey> uses \(transport); only RSA-OAEP (\(XMLSecURI.rsaOAEPMGF1P)) is accepted")
                }
                try requireCipherValue(in: candidate)
                let context = try XMLSecEncContext(key: key, algorithm: gh_xmlsec_transform_rsa_oaep(), target: .encryptedKey)
                guard let bytes = try? context.decryptToBytes(candidate, log: log), bytes.count == cipher.keyByteCount else {
                    continue
                }
                sessionKey = try XMLSecKey.aes(bytes)
                break
            }
            guard let sessionKey else {
                throw log.error(.decryptionFailed, "no EncryptedKey in <\(container.name)> could be decrypted with the SP key")
            }
            for extra in container.children("EncryptedKey", in: xenc) {
                xmlUnlinkNode(extra.node)
                xmlFreeNode(extra.node)
            }
            try XMLSecEncContext(key: sessionKey, algorithm: cipher.transform, target: .encryptedData).decryptInPlace(encryptedData, log: log)
        }
        return container.children
    }

    /// Replaces `element` by an `xenc:EncryptedData` for `recipient` (its certificate's RSA key):
    /// `sessionKey` (random, ``XMLEncryptionAlgorithm/keyByteCount`` bytes) encrypts the element
    /// with `cipher`, and is itself encrypted with RSA-OAEP into `KeyInfo/EncryptedKey`.
    /// - Throws: ``FederationError`` `xmlSecurity` when libxmlsec1 fails.
    static func encrypt(
        _ element: XMLSecElement, for recipient: XMLSecKey, cipher: XMLEncryptionAlgorithm, sessionKey: [UInt8]
    ) throws(FederationError) {
        let key = try XMLSecKey.aes(sessionKey)
        try XMLSecErrorLog.capture { log throws(FederationError) in
            let template = try XMLSecTemplates.encryptedElement(in: element.document, cipher: cipher, log: log)
            try XMLSecEncContext(key: key, algorithm: cipher.transform, target: .encryptedData).encrypt(element, with: template, log: log)
            let encryptedData = XMLSecElement(document: element.document, node: template)
            let encryptedKey = try XMLSecTemplates.encryptedKey(in: encryptedData, log: log)
            try XMLSecEncContext(key: recipient, algorithm: gh_xmlsec_transform_rsa_oaep(), target: .encryptedKey).encrypt(sessionKey, into: encryptedKey, log: log)
        }
    }

    /// Refuses `CipherReference`: only an inline `CipherData/CipherValue` is accepted.
    private static func requireCipherValue(in element: XMLSecElement) throws(FederationError) {
        let xenc = XMLSecURI.encNamespace
        let cipherData = element.children("CipherData", in: xenc)
        guard cipherData.count == 1, cipherData[0].children.count == 1, cipherData[0].children[0].is("CipherValue", in: xenc) else {
            throw FederationError(.malformedMessage, "<\(element.name)> must carry exactly one CipherData/CipherValue (no CipherReference)")
        }
    }
}
