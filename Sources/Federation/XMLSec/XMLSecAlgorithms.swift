internal import CXMLSec

/// An XML-DSig signature method (XML Signature 1.1 §6.4.2, RFC 6931 §2.3), as named in
/// `SignatureMethod/@Algorithm` and in the HTTP-Redirect binding's `SigAlg` parameter.
///
/// Only RSA PKCS#1 v1.5 methods: the ones SAML IdPs use. SHA-1 exists to be refused by default and
/// accepted only where a connection opts in (``SAMLServiceProvider/allowSHA1``).
public enum XMLSignatureAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// `http://www.w3.org/2000/09/xmldsig#rsa-sha1`: weak, off unless a connection allows SHA-1.
    case rsaSHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    /// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`: the default.
    case rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    /// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha384`.
    case rsaSHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    /// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha512`.
    case rsaSHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"

    /// The algorithm URI.
    public var uri: String { rawValue }

    /// The digest method that goes with it in a `Reference`.
    public var digest: XMLDigestAlgorithm {
        switch self {
        case .rsaSHA1: .sha1
        case .rsaSHA256: .sha256
        case .rsaSHA384: .sha384
        case .rsaSHA512: .sha512
        }
    }

    /// Whether it hashes with SHA-1.
    public var usesSHA1: Bool { self == .rsaSHA1 }

    /// RSA-SHA256, -384 and -512: what a connection accepts unless configured otherwise.
    public static let defaultAllowed: Set<XMLSignatureAlgorithm> = [.rsaSHA256, .rsaSHA384, .rsaSHA512]

    var transform: xmlSecTransformId {
        switch self {
        case .rsaSHA1: gh_xmlsec_transform_rsa_sha1()
        case .rsaSHA256: gh_xmlsec_transform_rsa_sha256()
        case .rsaSHA384: gh_xmlsec_transform_rsa_sha384()
        case .rsaSHA512: gh_xmlsec_transform_rsa_sha512()
        }
    }
}

/// An XML-DSig digest method (`Reference/DigestMethod/@Algorithm`).
public enum XMLDigestAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// SHA-1: accepted only with ``XMLSignatureAlgorithm/rsaSHA1`` on a connection that allows SHA-1.
    case sha1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    /// SHA-256.
    case sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    /// SHA-384.
    case sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    /// SHA-512.
    case sha512 = "http://www.w3.org/2001/04/xmlenc#sha512"

    /// The algorithm URI.
    public var uri: String { rawValue }

    var transform: xmlSecTransformId {
        switch self {
        case .sha1: gh_xmlsec_transform_sha1()
        case .sha256: gh_xmlsec_transform_sha256()
        case .sha384: gh_xmlsec_transform_sha384()
        case .sha512: gh_xmlsec_transform_sha512()
        }
    }
}

/// An XML-Enc block cipher for `EncryptedData` (XML Encryption 1.1 §5.2).
public enum XMLEncryptionAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// AES-128-CBC.
    case aes128CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
    /// AES-192-CBC.
    case aes192CBC = "http://www.w3.org/2001/04/xmlenc#aes192-cbc"
    /// AES-256-CBC.
    case aes256CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
    /// AES-128-GCM.
    case aes128GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
    /// AES-192-GCM.
    case aes192GCM = "http://www.w3.org/2009/xmlenc11#aes192-gcm"
    /// AES-256-GCM.
    case aes256GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"

    /// The algorithm URI.
    public var uri: String { rawValue }

    /// The key length in bytes.
    public var keyByteCount: Int {
        switch self {
        case .aes128CBC, .aes128GCM: 16
        case .aes192CBC, .aes192GCM: 24
        case .aes256CBC, .aes256GCM: 32
        }
    }

    var transform: xmlSecTransformId {
        switch self {
        case .aes128CBC: gh_xmlsec_transform_aes128_cbc()
        case .aes192CBC: gh_xmlsec_transform_aes192_cbc()
        case .aes256CBC: gh_xmlsec_transform_aes256_cbc()
        case .aes128GCM: gh_xmlsec_transform_aes128_gcm()
        case .aes192GCM: gh_xmlsec_transform_aes192_gcm()
        case .aes256GCM: gh_xmlsec_transform_aes256_gcm()
        }
    }
}

/// XML-DSig and XML-Enc URIs that are not choices.
enum XMLSecURI {
    static let dsigNamespace = "http://www.w3.org/2000/09/xmldsig#"
    static let encNamespace = "http://www.w3.org/2001/04/xmlenc#"
    static let exclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    /// RSA-OAEP key transport with MGF1/SHA-1 (XML Encryption §5.4.2), the one libxmlsec1 1.2 offers.
    static let rsaOAEPMGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
    /// RSA PKCS#1 v1.5 key transport: refused (Bleichenbacher-style oracles).
    static let rsaPKCS1 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
    static let typeElement = "http://www.w3.org/2001/04/xmlenc#Element"
}
