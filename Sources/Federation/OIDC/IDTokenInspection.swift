import Foundation

/// ID token verification for people: `gatehouse oidc verify-id-token TOKEN --jwks FILE --issuer ISS
/// --audience AUD [--nonce N] [--now ISO8601]`.
///
/// Runs the same checks as a login (``IDTokenVerifier``) against a JWKS read from a file, and
/// returns every check's outcome. Without a nonce the ``IDTokenCheck/nonce`` check is reported as
/// skipped and the verdict is not valid: a login never accepts a token without its nonce.
public enum IDTokenInspection {
    /// Verifies `token` and returns the verdict.
    ///
    /// - Parameters:
    ///   - token: The compact JWS.
    ///   - jwks: The bytes of a JWKS document (`{"keys": [...]}`).
    ///   - issuer: The expected issuer; a `{tenantid}` placeholder makes it a Microsoft tenant template.
    ///   - audience: The expected `client_id`.
    ///   - nonce: The expected nonce, when known.
    ///   - now: The time to check `exp`/`iat`/`nbf` against.
    ///   - allowedAlgorithms: Algorithms accepted (default RS256, ES256). `HS256` cannot be checked here.
    ///   - clockSkew: Tolerance in seconds (default 120).
    /// - Returns: Every check's outcome; ``IDTokenVerdict/isValid`` only when all passed.
    /// - Throws: ``FederationError/Code/malformedMessage`` when `jwks` is not a JWKS.
    public static func verify(
        token: String, jwks: [UInt8], issuer: String, audience: String, nonce: String?, now: Date,
        allowedAlgorithms: [IDTokenAlgorithm] = IDTokenAlgorithm.defaultAllowed, clockSkew: TimeInterval = 120
    ) async throws -> IDTokenVerdict {
        let keys = try JWKSCache(issuer: issuer, jwks: jwks)
        let verifier = IDTokenVerifier(keys: keys, allowedAlgorithms: allowedAlgorithms, clockSkew: clockSkew, clientSecret: nil)
        let expected: ExpectedIssuer =
            issuer.contains(ExpectedIssuer.tenantPlaceholder) ? .tenantTemplate(issuer, allowedTenants: nil) : .exactly(issuer)
        return await verifier.inspect(
            token.trimmingCharacters(in: .whitespacesAndNewlines), expectedIssuer: expected, expectedAudience: audience, nonce: nonce,
            now: now)
    }

    /// Parses `--now`: an ISO 8601 date-time (`2026-01-31T12:00:00Z`, fractional seconds allowed) or
    /// seconds since the epoch.
    public static func parseTime(_ text: String) -> Date? {
        if let seconds = TimeInterval(text) { return Date(timeIntervalSince1970: seconds) }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
