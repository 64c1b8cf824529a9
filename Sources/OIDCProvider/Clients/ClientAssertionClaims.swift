import JWTKit

/// The claims of a `private_key_jwt` client assertion (RFC 7523 §3, OIDC Core §9).
///
/// ``verify(using:)`` checks nothing: ``ClientAuthenticator`` checks every claim itself against the
/// injected clock, so that tests and replays are deterministic.
struct ClientAssertionClaims: JWTPayload {
    /// Issuer: the client id.
    var iss: String
    /// Subject: the client id.
    var sub: String
    /// Audience: the token endpoint URL or the issuer.
    var aud: AudienceClaim
    /// Expiry, a NumericDate (may have a fraction, RFC 7519 §2).
    var exp: Double
    /// Not before.
    var nbf: Double?
    /// Issued at.
    var iat: Double?
    /// The assertion's unique id, remembered until `exp` to refuse replays.
    var jti: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
