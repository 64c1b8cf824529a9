internal import CXMLSec

/// Owns one libxmlsec1 encryption context (`xmlSecEncCtxPtr`), freed in `deinit`.
///
/// Like ``XMLSecDSigContext``: one operation per context, the key borrowed from an ``XMLSecKey`` (set
/// as `encKey`, cleared before `xmlSecEncCtxDestroy`), no keys manager, so KeyInfo inside the message
/// is never used to pick a key, and only the one expected algorithm enabled.
final class XMLSecEncContext {
    let pointer: xmlSecEncCtxPtr
    private let key: XMLSecKey

    /// What the context processes: libxmlsec1 checks the element name against its mode.
    enum Target {
        /// `xenc:EncryptedData` (the content).
        case encryptedData
        /// `xenc:EncryptedKey` (a wrapped session key).
        case encryptedKey
    }

    /// Creates a context that uses `key` with `algorithm` (an `xmlSecTransformId`) only, on `target` elements.
    /// - Throws: ``FederationError`` `xmlSecurity` when libxmlsec1 cannot create it.
    init(key: XMLSecKey, algorithm: xmlSecTransformId, target: Target) throws(FederationError) {
        try XMLSecLibrary.ensureInitialized()
        guard let pointer = xmlSecEncCtxCreate(nil) else {
            throw FederationError(.xmlSecurity, "libxmlsec1 could not create an encryption context")
        }
        self.pointer = pointer
        self.key = key
        pointer.pointee.encKey = key.pointer
        pointer.pointee.mode = target == .encryptedKey ? xmlEncCtxModeEncryptedKey : xmlEncCtxModeEncryptedData
        pointer.pointee.transformCtx.enabledUris = 0  // no CipherReference URI of any kind
        let offset = MemoryLayout<xmlSecEncCtx>.offset(of: \.transformCtx)! + MemoryLayout<xmlSecTransformCtx>.offset(of: \.enabledTransforms)!
        let enabled = (UnsafeMutableRawPointer(pointer) + offset).assumingMemoryBound(to: xmlSecPtrList.self)
        guard xmlSecPtrListAdd(enabled, UnsafeMutableRawPointer(mutating: UnsafeRawPointer(algorithm))) >= 0 else {
            throw FederationError(.xmlSecurity, "libxmlsec1 could not restrict the encryption algorithm")
        }
    }

    deinit {
        pointer.pointee.encKey = nil
        xmlSecEncCtxDestroy(pointer)
    }

    /// Decrypts an `EncryptedKey` or `EncryptedData` element and returns the plaintext bytes.
    /// - Throws: ``FederationError`` `decryptionFailed`.
    func decryptToBytes(_ element: XMLSecElement, log: XMLSecErrorLog) throws(FederationError) -> [UInt8] {
        guard let buffer = xmlSecEncCtxDecryptToBuffer(pointer, element.node), let data = xmlSecBufferGetData(buffer) else {
            throw log.error(.decryptionFailed, "<\(element.name)> could not be decrypted")
        }
        return Array(UnsafeBufferPointer(start: data, count: Int(xmlSecBufferGetSize(buffer))))
    }

    /// Decrypts an `EncryptedData` element of type Element and replaces it, in its document, with the
    /// XML it contained (parsed by libxmlsec1 in the context of the parent, with the options set in
    /// ``XMLSecLibrary``).
    /// - Throws: ``FederationError`` `decryptionFailed`.
    func decryptInPlace(_ element: XMLSecElement, log: XMLSecErrorLog) throws(FederationError) {
        guard xmlSecEncCtxDecrypt(pointer, element.node) >= 0, pointer.pointee.resultReplaced != 0 else {
            throw log.error(.decryptionFailed, "<\(element.name)> could not be decrypted into XML")
        }
    }

    /// Encrypts `bytes` into the template `template` (an `EncryptedKey` for a session key).
    func encrypt(_ bytes: [UInt8], into template: XMLSecElement, log: XMLSecErrorLog) throws(FederationError) {
        let status = bytes.withUnsafeBufferPointer {
            xmlSecEncCtxBinaryEncrypt(pointer, template.node, $0.baseAddress, numericCast($0.count))
        }
        guard status >= 0 else { throw log.error(.xmlSecurity, "libxmlsec1 could not encrypt the key") }
    }

    /// Encrypts `element` with the `EncryptedData` template `template`, which takes its place.
    func encrypt(_ element: XMLSecElement, with template: xmlNodePtr, log: XMLSecErrorLog) throws(FederationError) {
        guard xmlSecEncCtxXmlEncrypt(pointer, template, element.node) >= 0 else {
            throw log.error(.xmlSecurity, "libxmlsec1 could not encrypt <\(element.name)>")
        }
    }
}
