import Foundation

/// A connection's trusted IdP signing keys, loaded into libxmlsec1 once and reused by every
/// verification.
///
/// Building an `xmlSecKey` from a certificate costs a PEM/DER parse and an OpenSSL key import; doing
/// it (or `xmlSecKeyDuplicate`) per verification roughly halves throughput (measured in issue 4:
/// ~7,000 verifies/s with a reused key against ~3,200/s with a copy per call). So the keys live here,
/// built when the connection is loaded, and are shared.
///
/// **Concurrency.** The keys are immutable after `init`. Each verification creates its own cheap
/// signature context that only *borrows* a key (no keys manager, no lookup, no copy); libxmlsec1's
/// RSA transforms take their own OpenSSL reference (`EVP_PKEY_up_ref`, atomic) and never write to the
/// key. So any number of tasks may verify with one `IdPKeys` at the same time; there is no pool and no
/// lock. That is why the type is `Sendable`.
public final class IdPKeys: Sendable {
    /// The certificates as DER, in configuration order.
    let certificates: [[UInt8]]
    let keys: [XMLSecKey]

    /// The smallest RSA key accepted for IdP signatures.
    public static let minimumRSAKeySize = 2048

    /// Loads the IdP's signing certificates (PEM; each string may hold one or more certificates).
    /// Certificate validity dates are not checked: like metadata-pinned keys in every SAML SP, trust
    /// comes from configuration, and an expired IdP certificate must not stop logins by surprise.
    /// - Throws: ``FederationError`` `configuration` when there is no certificate, one cannot be read,
    ///   is not RSA, or is smaller than ``minimumRSAKeySize`` bits.
    public init(certificatesPEM: [String]) throws(FederationError) {
        var certificates: [[UInt8]] = []
        for pem in certificatesPEM {
            certificates += try PEM.decode(pem, label: "CERTIFICATE")
        }
        guard !certificates.isEmpty else { throw FederationError(.configuration, "no IdP signing certificate is configured") }
        var keys: [XMLSecKey] = []
        for (index, der) in certificates.enumerated() {
            let key = try XMLSecKey.certificate(der: der)
            guard let bits = key.rsaKeySizeInBits else {
                throw FederationError(.configuration, "IdP certificate \(index + 1) does not hold an RSA key")
            }
            guard bits >= Self.minimumRSAKeySize else {
                throw FederationError(.configuration, "IdP certificate \(index + 1) has a \(bits)-bit RSA key; at least \(Self.minimumRSAKeySize) bits are required")
            }
            keys.append(key)
        }
        self.certificates = certificates
        self.keys = keys
    }

    /// How many certificates are trusted.
    public var count: Int { keys.count }

    /// The keys to try for a signature, most likely first: when the signature's KeyInfo carries one of
    /// our certificates, that one goes first. KeyInfo is only a hint for ordering; it is never trusted.
    func keys(hintedBy keyInfoCertificates: [[UInt8]]) -> [XMLSecKey] {
        guard let hinted = certificates.firstIndex(where: { keyInfoCertificates.contains($0) }), hinted != 0 else { return keys }
        var ordered = keys
        ordered.swapAt(0, hinted)
        return ordered
    }
}

/// PEM (RFC 7468) blocks: base64 between `-----BEGIN label-----` and `-----END label-----`.
enum PEM {
    /// The DER bytes of every block labelled `label` in `text`.
    /// - Throws: ``FederationError`` `configuration` when there is none or one is not base64.
    static func decode(_ text: String, label: String) throws(FederationError) -> [[UInt8]] {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        var blocks: [[UInt8]] = []
        var rest = Substring(text)
        while let start = rest.range(of: begin) {
            guard let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex) else { break }
            let body = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            guard let der = Data(base64Encoded: String(body)), !der.isEmpty else {
                throw FederationError(.configuration, "a PEM \(label) block is not valid base64")
            }
            blocks.append(Array(der))
            rest = rest[stop.upperBound...]
        }
        guard !blocks.isEmpty else { throw FederationError(.configuration, "no PEM \(label) block found") }
        return blocks
    }
}
