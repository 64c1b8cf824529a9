/// The algorithms the provider signs ID tokens with (`id_token_signing_alg_values_supported`).
public enum SigningAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// RSASSA-PKCS1-v1_5 with SHA-256 over an RSA-2048 key (RFC 7518 §3.3): the OIDC default, which
    /// every relying party supports (OIDC Core §15.1).
    case rs256 = "RS256"
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4), for clients that register it.
    case es256 = "ES256"
}
