import Crypto
import CryptoExtras
import Foundation

/// An RSA private key and its certificate, loaded once, for the messages Gatehouse signs: AuthnRequests
/// (HTTP-Redirect query signatures with swift-crypto, HTTP-POST enveloped signatures with libxmlsec1)
/// and the test IdP's Responses and Assertions.
public struct SAMLSigningKey: Sendable {
    let rsa: _RSA.Signing.PrivateKey
    let xmlSecKey: XMLSecKey
    /// The certificate (PEM) published with the key (SP metadata, IdP metadata for the test IdP).
    public let certificatePEM: String

    /// Loads the key pair.
    /// - Parameters:
    ///   - privateKeyPEM: An unencrypted RSA key, PKCS#1 or PKCS#8, at least 2048 bits.
    ///   - certificatePEM: Its certificate.
    /// - Throws: ``FederationError`` `configuration` when either cannot be read or the key is too small.
    public init(privateKeyPEM: String, certificatePEM: String) throws(FederationError) {
        do {
            rsa = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw FederationError(.configuration, "the signing key is not an RSA private key in PEM: \(error)")
        }
        guard rsa.keySizeInBits >= IdPKeys.minimumRSAKeySize else {
            throw FederationError(.configuration, "the signing key has \(rsa.keySizeInBits) bits; at least \(IdPKeys.minimumRSAKeySize) are required")
        }
        xmlSecKey = try XMLSecKey.privateKey(pem: privateKeyPEM, certificatePEM: certificatePEM)
        self.certificatePEM = certificatePEM
    }

    /// Signs `bytes` with RSA PKCS#1 v1.5 and the hash of `algorithm` (the HTTP-Redirect binding's
    /// `Signature` parameter, SAML Bindings §3.4.4.1).
    func sign(_ bytes: [UInt8], algorithm: XMLSignatureAlgorithm) throws(FederationError) -> [UInt8] {
        do {
            let signature: _RSA.Signing.RSASignature
            switch algorithm {
            case .rsaSHA1: signature = try rsa.signature(for: Insecure.SHA1.hash(data: bytes), padding: .insecurePKCS1v1_5)
            case .rsaSHA256: signature = try rsa.signature(for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5)
            case .rsaSHA384: signature = try rsa.signature(for: SHA384.hash(data: bytes), padding: .insecurePKCS1v1_5)
            case .rsaSHA512: signature = try rsa.signature(for: SHA512.hash(data: bytes), padding: .insecurePKCS1v1_5)
            }
            return Array(signature.rawRepresentation)
        } catch {
            throw FederationError(.configuration, "RSA signing failed: \(error)")
        }
    }
}
