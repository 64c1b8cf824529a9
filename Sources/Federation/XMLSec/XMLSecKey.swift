internal import CXMLSec

/// Owns one libxmlsec1 key (`xmlSecKeyPtr`), freed in `deinit`: an IdP certificate's public key, the
/// SP's private key, or a symmetric session key.
///
/// A key is built once and then only read. Signature and encryption contexts *borrow* it
/// (``XMLSecDSigContext``, ``XMLSecEncContext`` set `signKey`/`encKey` to this pointer and clear it
/// before the context is destroyed) instead of duplicating it per call: libxmlsec1's transforms take
/// their own reference to the underlying OpenSSL `EVP_PKEY` (`EVP_PKEY_up_ref`, atomic) and never write
/// to the key, so concurrent verifications with one key are safe, and about twice as fast as
/// `xmlSecKeyDuplicate` per call. Hence `@unchecked Sendable`.
final class XMLSecKey: @unchecked Sendable {
    let pointer: xmlSecKeyPtr

    private init(pointer: xmlSecKeyPtr) {
        self.pointer = pointer
    }

    deinit {
        xmlSecKeyDestroy(pointer)
    }

    /// The RSA modulus size in bits, or nil when this is not an RSA key.
    var rsaKeySizeInBits: Int? {
        guard let value = xmlSecKeyGetValue(pointer), value.pointee.id == gh_xmlsec_key_data_rsa() else { return nil }
        return Int(xmlSecKeyDataGetSize(value))
    }

    /// Whether the key holds a private part (signing, decryption) rather than only a public one.
    var isPrivate: Bool {
        (xmlSecKeyGetType(pointer) & xmlSecKeyDataType(xmlSecKeyDataTypePrivate)) != 0
    }

    /// The public key of an X.509 certificate (DER), with the certificate attached.
    /// - Throws: ``FederationError`` `configuration` when libxmlsec1 cannot read it.
    static func certificate(der: [UInt8]) throws(FederationError) -> XMLSecKey {
        try load(der, format: xmlSecKeyDataFormatCertDer, what: "the certificate")
    }

    /// A private key in PEM (PKCS#1 or PKCS#8, unencrypted), optionally with its certificate in PEM.
    /// - Throws: ``FederationError`` `configuration` when either cannot be read.
    static func privateKey(pem: String, certificatePEM: String? = nil) throws(FederationError) -> XMLSecKey {
        let key = try load(Array(pem.utf8), format: xmlSecKeyDataFormatPem, what: "the private key")
        if let certificatePEM {
            let bytes = Array(certificatePEM.utf8)
            try XMLSecErrorLog.capture { log throws(FederationError) in
                let status = bytes.withUnsafeBytes {
                    gh_xmlsec_key_cert_load_memory(key.pointer, $0.baseAddress!, $0.count, xmlSecKeyDataFormatPem)
                }
                guard status >= 0 else { throw log.error(.configuration, "libxmlsec1 could not read the certificate") }
            }
        }
        return key
    }

    /// An AES key made of `bytes` (16, 24 or 32 of them).
    /// - Throws: ``FederationError`` `decryptionFailed` for any other length or a libxmlsec1 failure.
    static func aes(_ bytes: [UInt8]) throws(FederationError) -> XMLSecKey {
        try XMLSecLibrary.ensureInitialized()
        guard [16, 24, 32].contains(bytes.count) else {
            throw FederationError(.decryptionFailed, "the session key is \(bytes.count) bytes; AES needs 16, 24 or 32")
        }
        return try XMLSecErrorLog.capture { log throws(FederationError) in
            let pointer = bytes.withUnsafeBufferPointer {
                xmlSecKeyReadMemory(gh_xmlsec_key_data_aes(), $0.baseAddress, numericCast($0.count))
            }
            guard let pointer else { throw log.error(.decryptionFailed, "libxmlsec1 could not make an AES key") }
            return XMLSecKey(pointer: pointer)
        }
    }

    private static func load(_ bytes: [UInt8], format: xmlSecKeyDataFormat, what: String) throws(FederationError) -> XMLSecKey {
        try XMLSecLibrary.ensureInitialized()
        guard !bytes.isEmpty else { throw FederationError(.configuration, "\(what) is empty") }
        return try XMLSecErrorLog.capture { log throws(FederationError) in
            let pointer = bytes.withUnsafeBytes { gh_xmlsec_key_load_memory($0.baseAddress!, $0.count, format) }
            guard let pointer else { throw log.error(.configuration, "libxmlsec1 could not read \(what)") }
            return XMLSecKey(pointer: pointer)
        }
    }
}
