import Foundation

/// The pieces the metadata writers share: the document frame, `KeyDescriptor`s and signing.
///
/// Metadata is written as text, two spaces per level, attributes in a fixed order, so the same
/// values always give the same bytes (and a diff of two exports shows what changed).
enum SAMLMetadataXML {
    /// The XML declaration, `lines`, and a final newline.
    static func document(_ lines: [String]) -> String {
        (["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"] + lines).joined(separator: "\n") + "\n"
    }

    /// A `KeyDescriptor` (SAML Metadata §2.4.1.1) with one certificate, at the role descriptor's
    /// child level, followed by `encryptionMethods` (XML Encryption algorithm URIs).
    /// - Throws: ``FederationError`` `configuration` when `certificatePEM` holds no usable RSA certificate.
    static func keyDescriptor(use: String, certificatePEM: String, encryptionMethods: [String] = []) throws(FederationError) -> [String] {
        var lines = ["    <md:KeyDescriptor use=\"\(use)\">", "      <ds:KeyInfo>", "        <ds:X509Data>"]
        for der in try certificates(certificatePEM) {
            lines.append("          <ds:X509Certificate>\(Data(der).base64EncodedString())</ds:X509Certificate>")
        }
        lines += ["        </ds:X509Data>", "      </ds:KeyInfo>"]
        lines += encryptionMethods.map { "      <md:EncryptionMethod Algorithm=\"\(SAMLEncoding.xmlEscape($0))\"/>" }
        lines.append("    </md:KeyDescriptor>")
        return lines
    }

    /// The DER certificates in `pem`, each checked to be RSA of at least ``IdPKeys/minimumRSAKeySize`` bits.
    /// - Throws: ``FederationError`` `configuration` otherwise.
    static func certificates(_ pem: String) throws(FederationError) -> [[UInt8]] {
        let blocks = try PEM.decode(pem, label: "CERTIFICATE")
        for der in blocks {
            let bits = try XMLSecKey.certificate(der: der).rsaKeySizeInBits
            guard let bits, bits >= IdPKeys.minimumRSAKeySize else {
                throw FederationError(
                    .configuration,
                    bits == nil ? "a metadata certificate does not hold an RSA key" : "a metadata certificate has a \(bits!)-bit RSA key; at least \(IdPKeys.minimumRSAKeySize) are required"
                )
            }
        }
        return blocks
    }

    /// `xml` with an enveloped signature by `key` over its root element (which must carry an `ID`),
    /// inserted as the root's first child (SAML Metadata §3.1; the schema puts `ds:Signature` first).
    /// - Throws: ``FederationError`` when parsing or signing fails.
    static func sign(_ xml: String, with key: SAMLSigningKey, algorithm: XMLSignatureAlgorithm) throws(FederationError) -> String {
        let document = try XMLSecDocument(parsing: Array(xml.utf8), maximumSize: .max)
        try EnvelopedSignature.sign(document.root, idAttribute: "ID", key: key.xmlSecKey, algorithm: algorithm, after: nil)
        return String(decoding: document.serialized(), as: UTF8.self)
    }
}
