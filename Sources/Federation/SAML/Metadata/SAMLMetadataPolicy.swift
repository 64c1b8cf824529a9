import Foundation

/// How metadata is read and trusted: which entity to take from it, which certificates must have
/// signed it, and how large it may be.
///
/// With metadata signing certificates configured, metadata is accepted only when signed by one of them
/// (SAML Metadata §3: the signature is what lets metadata fetched over any channel be trusted);
/// unsigned metadata is then refused. Without any, the metadata is trusted as the channel it came
/// through (a file an administrator chose, an HTTPS URL), and a signature in it is not checked.
///
/// ```swift
/// let policy = try SAMLMetadataPolicy(entityID: "http://www.okta.com/exk1", signingCertificates: [federationCertificatePEM])
/// let metadata = try SAMLIdPMetadata(parsing: bytes, policy: policy, now: now)
/// ```
public struct SAMLMetadataPolicy: Sendable {
    /// The default size limit: 1 MiB, ample for one entity (an aggregate of a research federation
    /// needs far more, and should be given its own limit).
    public static let defaultMaximumSize = 1 << 20

    /// The entityID to take; nil takes the only suitable entity of the document.
    public var entityID: String?
    /// The metadata signing keys, loaded once; nil when metadata is not required to be signed.
    public let signingKeys: IdPKeys?
    /// Accept RSA-SHA1 metadata signatures. Off by default.
    public var allowSHA1: Bool
    /// The largest document accepted, in bytes.
    public var maximumSize: Int

    /// Creates a policy.
    /// - Parameters:
    ///   - entityID: The entity to take (required for an `EntitiesDescriptor` describing several IdPs).
    ///   - signingCertificates: PEM certificates of the metadata signer; non-empty makes a valid
    ///     signature by one of them mandatory.
    ///   - allowSHA1: Accept RSA-SHA1 signatures.
    ///   - maximumSize: The largest document accepted.
    /// - Throws: ``FederationError`` `configuration` when a certificate cannot be used (not RSA, < 2048 bits).
    public init(
        entityID: String? = nil, signingCertificates: [String] = [], allowSHA1: Bool = false,
        maximumSize: Int = SAMLMetadataPolicy.defaultMaximumSize
    ) throws(FederationError) {
        self.entityID = entityID
        if signingCertificates.isEmpty {
            signingKeys = nil
        } else {
            do {
                signingKeys = try IdPKeys(certificatesPEM: signingCertificates)
            } catch {
                throw FederationError(.configuration, "metadata signing certificate: \(error.reason)")
            }
        }
        self.allowSHA1 = allowSHA1
        self.maximumSize = maximumSize
    }

    /// The signature methods accepted on metadata.
    var acceptedSignatureAlgorithms: Set<XMLSignatureAlgorithm> {
        allowSHA1 ? XMLSignatureAlgorithm.defaultAllowed.union([.rsaSHA1]) : XMLSignatureAlgorithm.defaultAllowed
    }
}

/// A metadata signature that verified: on which element, with which method and certificate.
public struct SAMLMetadataSignature: Sendable, Hashable {
    /// The signed element's path (`/EntitiesDescriptor`, `/EntitiesDescriptor/EntityDescriptor`).
    public var element: String
    /// The signature method.
    public var algorithm: XMLSignatureAlgorithm
    /// Which metadata signing certificate verified it (0-based, in configuration order).
    public var certificateIndex: Int
}
