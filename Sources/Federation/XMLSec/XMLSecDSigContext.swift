internal import CXMLSec

/// Owns one libxmlsec1 signature context (`xmlSecDSigCtxPtr`), freed in `deinit`.
///
/// A context is cheap and used once: one verification (or one signature) per context, each with its
/// own transforms and buffers, so concurrent verifications never share mutable C state. The key is
/// borrowed from an ``XMLSecKey`` that outlives the context (see there why that is safe); `deinit`
/// clears `signKey` before `xmlSecDSigCtxDestroy` so libxmlsec1 does not free it.
///
/// The context is locked down before use: same-document references only, manifests ignored, and only
/// the transforms passed to ``init(key:signatureMethod:)`` enabled (exclusive C14N, the enveloped
/// transform, the one signature method and its digest), so nothing else (XSLT, XPath, inclusive C14N,
/// external URIs) can run even if a document asks for it.
final class XMLSecDSigContext {
    let pointer: xmlSecDSigCtxPtr
    private let key: XMLSecKey

    /// Creates a context that signs or verifies with `key` and accepts only `signatureMethod`.
    /// - Throws: ``FederationError`` `xmlSecurity` when libxmlsec1 cannot create it.
    init(key: XMLSecKey, signatureMethod: XMLSignatureAlgorithm) throws(FederationError) {
        try XMLSecLibrary.ensureInitialized()
        guard let pointer = xmlSecDSigCtxCreate(nil) else {
            throw FederationError(.xmlSecurity, "libxmlsec1 could not create a signature context")
        }
        self.pointer = pointer
        self.key = key
        pointer.pointee.signKey = key.pointer
        pointer.pointee.enabledReferenceUris = xmlSecTransformUriType(xmlSecTransformUriTypeSameDocument)
        pointer.pointee.flags |= UInt32(XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS)
        let c14n = gh_xmlsec_transform_exc_c14n()
        var enabled = xmlSecDSigCtxEnableSignatureTransform(pointer, c14n) >= 0
        enabled = enabled && xmlSecDSigCtxEnableSignatureTransform(pointer, signatureMethod.transform) >= 0
        for transform in [gh_xmlsec_transform_enveloped(), c14n, signatureMethod.digest.transform] {
            enabled = enabled && xmlSecDSigCtxEnableReferenceTransform(pointer, transform) >= 0
        }
        guard enabled else {
            throw FederationError(.xmlSecurity, "libxmlsec1 could not restrict the signature transforms")
        }
    }

    deinit {
        pointer.pointee.signKey = nil
        xmlSecDSigCtxDestroy(pointer)
    }

    /// The outcome of ``verify(_:log:)``.
    enum Verification {
        /// The signature value and every reference digest verify.
        case valid
        /// A reference digest does not match: the signed content changed (whatever the key).
        case digestMismatch
        /// The digests match but the signature value does not verify with this key.
        case wrongKey
    }

    /// Verifies the `ds:Signature` element `signature`.
    /// - Throws: ``FederationError`` `signatureInvalid` when libxmlsec1 cannot process the signature
    ///   at all (a malformed or disallowed element, an unresolvable reference).
    func verify(_ signature: XMLSecElement, log: XMLSecErrorLog) throws(FederationError) -> Verification {
        guard xmlSecDSigCtxVerify(pointer, signature.node) >= 0 else {
            throw log.error(.signatureInvalid, "libxmlsec1 could not process the signature")
        }
        if pointer.pointee.status == xmlSecDSigStatusSucceeded { return .valid }
        return references.contains { $0.status != xmlSecDSigStatusSucceeded } ? .digestMismatch : .wrongKey
    }

    /// The `URI` of every `SignedInfo/Reference` libxmlsec1 processed, with its status.
    var references: [(uri: String?, status: xmlSecDSigStatus)] {
        let offset = MemoryLayout<xmlSecDSigCtx>.offset(of: \.signedInfoReferences)!
        let list = (UnsafeMutableRawPointer(pointer) + offset).assumingMemoryBound(to: xmlSecPtrList.self)
        return (0..<xmlSecPtrListGetSize(list)).compactMap { index in
            guard let item = xmlSecPtrListGetItem(list, index) else { return nil }
            let reference = item.assumingMemoryBound(to: xmlSecDSigReferenceCtx.self)
            return (reference.pointee.uri.map { String(cString: $0) }, reference.pointee.status)
        }
    }

    /// Signs the `ds:Signature` template `signature` (digests, signature value, KeyInfo).
    /// - Throws: ``FederationError`` `xmlSecurity` when libxmlsec1 fails.
    func sign(_ signature: XMLSecElement, log: XMLSecErrorLog) throws(FederationError) {
        guard xmlSecDSigCtxSign(pointer, signature.node) >= 0 else {
            throw log.error(.xmlSecurity, "libxmlsec1 could not sign")
        }
    }
}
