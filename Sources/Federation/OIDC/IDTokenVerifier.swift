import FlowEngine
import Foundation
import JWTKit

/// Verifies ID tokens for one connection (OIDC Core §3.1.3.7) as a list of named checks.
///
/// The signature is verified by jwt-kit: with the provider's key for the token's `kid` from a
/// ``JWKSCache``, or — for `HS256`, and only when the connection allows it — with the client
/// secret. The claims are then checked one by one (``IDTokenCheck``); every check runs, so that a
/// verdict can show all that is wrong, and a token is accepted only when all of them passed.
///
/// ```swift
/// let verifier = IDTokenVerifier(keys: cache, allowedAlgorithms: [.rs256, .es256], clockSkew: 120, clientSecret: nil)
/// let token = try await verifier.verifyIDToken(
///     idToken, expectedIssuer: .exactly("https://idp.example"), expectedAudience: "gatehouse",
///     nonce: transaction.nonce, now: now)
/// ```
public struct IDTokenVerifier: Sendable {
    /// The provider's keys.
    public let keys: JWKSCache
    /// Algorithms accepted.
    public let allowedAlgorithms: [IDTokenAlgorithm]
    /// Tolerance, in seconds, for `exp`, `iat` and `nbf`.
    public let clockSkew: TimeInterval
    private let clientSecret: Secret?

    /// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    static let minimumHMACSecretBytes = 32

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - keys: The provider's keys.
    ///   - allowedAlgorithms: Algorithms accepted; `HS256` only takes effect with a `clientSecret`.
    ///   - clockSkew: Tolerance in seconds (OIDC suggests "a few minutes" at most).
    ///   - clientSecret: The client secret, for `HS256` only.
    public init(keys: JWKSCache, allowedAlgorithms: [IDTokenAlgorithm], clockSkew: TimeInterval, clientSecret: Secret?) {
        self.keys = keys
        self.allowedAlgorithms = allowedAlgorithms
        self.clockSkew = clockSkew
        self.clientSecret = clientSecret
    }

    /// Verifies an ID token and returns it with its trusted claims.
    ///
    /// There are deliberately no defaults: an ID token is only meaningful for one issuer, one
    /// audience (our `client_id`) and one login (its `nonce`), and a check left out is a token
    /// accepted from someone else.
    ///
    /// - Parameters:
    ///   - token: The compact JWS from the token response.
    ///   - expectedIssuer: The connection's issuer.
    ///   - expectedAudience: Our `client_id` at that issuer.
    ///   - nonce: The `nonce` the authorization request carried.
    ///   - now: The current time (injected, so replay and tests are deterministic).
    /// - Throws: The first failed check's ``FederationError``.
    public func verifyIDToken(
        _ token: String, expectedIssuer: ExpectedIssuer, expectedAudience: String, nonce: String, now: Date
    ) async throws -> VerifiedIDToken {
        let verdict = await evaluate(
            token, expectedIssuer: expectedIssuer, expectedAudience: expectedAudience, nonce: nonce, now: now, explain: false)
        guard verdict.isValid, let header = verdict.header, let claims = verdict.claims else {
            throw verdict.firstProblem ?? FederationError(.tokenInvalid, "the ID token was not accepted")
        }
        return VerifiedIDToken(token: token, header: header, claims: claims, verdict: verdict)
    }

    /// Runs every check and returns what each found, without throwing: for diagnostics
    /// (`gatehouse oidc verify-id-token`), never for letting someone in.
    ///
    /// - Parameter nonce: The expected nonce; `nil` leaves the ``IDTokenCheck/nonce`` check skipped,
    ///   and so the verdict invalid.
    public func inspect(
        _ token: String, expectedIssuer: ExpectedIssuer, expectedAudience: String, nonce: String?, now: Date
    ) async -> IDTokenVerdict {
        await evaluate(token, expectedIssuer: expectedIssuer, expectedAudience: expectedAudience, nonce: nonce, now: now, explain: true)
    }

    /// Every check, in order. `explain` fills in what each passed check saw (see ``IDTokenChecks``).
    private func evaluate(
        _ token: String, expectedIssuer: ExpectedIssuer, expectedAudience: String, nonce: String?, now: Date, explain: Bool
    ) async -> IDTokenVerdict {
        var results: [IDTokenCheckResult] = []
        results.reserveCapacity(IDTokenCheck.allCases.count)
        func record(_ check: IDTokenCheck, _ status: IDTokenCheckResult.Status) {
            results.append(IDTokenCheckResult(check: check, status: status))
        }

        let jws: CompactJWS
        do {
            jws = try CompactJWS(token)
        } catch {
            record(.format, .failed(error as? FederationError ?? FederationError(.malformedMessage, "\(error)")))
            for check in IDTokenCheck.allCases.dropFirst() { record(check, .skipped("the token could not be parsed")) }
            return IDTokenVerdict(checks: results, header: nil, claims: nil)
        }
        record(.format, formatStatus(jws.header, explain: explain))

        let algorithmStatus = algorithm(jws.header, explain: explain)
        record(.algorithm, algorithmStatus.status)
        if let algorithm = algorithmStatus.algorithm {
            record(.signature, await signature(jws, algorithm: algorithm, now: now, explain: explain))
        } else {
            record(.signature, .skipped("the algorithm is not acceptable"))
        }

        let claims = jws.claims
        record(.issuer, IDTokenChecks.issuer(claims, expected: expectedIssuer, explain: explain))
        record(.audience, IDTokenChecks.audience(claims, expected: expectedAudience, explain: explain))
        record(.authorizedParty, IDTokenChecks.authorizedParty(claims, expected: expectedAudience, explain: explain))
        record(.expiry, IDTokenChecks.expiry(claims, now: now, skew: clockSkew, explain: explain))
        record(.issuedAt, IDTokenChecks.issuedAt(claims, now: now, skew: clockSkew, explain: explain))
        record(.notBefore, IDTokenChecks.notBefore(claims, now: now, skew: clockSkew, explain: explain))
        record(.nonce, IDTokenChecks.nonce(claims, expected: nonce, explain: explain))
        record(.subject, IDTokenChecks.subject(claims, explain: explain))
        return IDTokenVerdict(checks: results, header: jws.header, claims: claims)
    }

    /// RFC 7515 §4.1.11: a `crit` header names extensions we would have to understand; we understand none.
    private func formatStatus(_ header: JOSEHeader, explain: Bool) -> IDTokenCheckResult.Status {
        if header.critical != nil {
            return .failed(FederationError(.tokenInvalid, "the header lists critical extensions (crit), which are not supported"))
        }
        return IDTokenChecks.passed(header.type.map { "typ \($0)" } ?? "", explain: explain)
    }

    /// The header's `alg`, when the connection accepts it.
    private func algorithm(_ header: JOSEHeader, explain: Bool) -> (status: IDTokenCheckResult.Status, algorithm: IDTokenAlgorithm?) {
        guard let name = header.algorithm else {
            return (.failed(FederationError(.weakAlgorithm, "the header has no alg")), nil)
        }
        if name.utf8.count == 4, name.lowercased() == "none" {
            return (.failed(FederationError(.weakAlgorithm, "alg none: an unsigned ID token is never accepted")), nil)
        }
        guard let algorithm = IDTokenAlgorithm(rawValue: name) else {
            return (.failed(FederationError(.weakAlgorithm, "alg '\(IDTokenChecks.shown(name))' is not supported")), nil)
        }
        guard allowedAlgorithms.contains(algorithm) else {
            let allowed = allowedAlgorithms.map(\.rawValue).joined(separator: ", ")
            return (.failed(FederationError(.weakAlgorithm, "alg \(name) is not allowed for this connection (allowed: \(allowed))")), nil)
        }
        if algorithm.isSymmetric {
            guard let clientSecret else {
                return (.failed(FederationError(.weakAlgorithm, "alg \(name) needs a client secret, and the connection has none")), nil)
            }
            guard clientSecret.value.utf8.count >= Self.minimumHMACSecretBytes else {
                return (.failed(FederationError(.weakAlgorithm, "alg \(name) needs a client secret of at least 32 bytes (RFC 7518 §3.2)")), nil)
            }
        }
        return (IDTokenChecks.passed(name, explain: explain), algorithm)
    }

    /// The signature, by jwt-kit, with exactly one key bound to `algorithm`, over the token as parsed
    /// once by ``CompactJWS``.
    private func signature(_ jws: CompactJWS, algorithm: IDTokenAlgorithm, now: Date, explain: Bool) async -> IDTokenCheckResult.Status {
        let key: any JWTAlgorithm
        let keyName: String
        do {
            if algorithm.isSymmetric, let clientSecret {
                // Never a key from the JWKS: an HMAC keyed with a public key is the key-confusion attack.
                key = try await JWTKeyCollection().add(hmac: HMACKey(from: clientSecret.value), digestAlgorithm: .sha256).getKey()
                keyName = "client secret"
            } else {
                (key, keyName) = try await keys.verifier(kid: jws.header.keyID, algorithm: algorithm, now: now)
            }
        } catch {
            return .failed(error as? FederationError ?? FederationError(.untrustedKey, "\(error)"))
        }
        do {
            guard try key.verify(jws.signature, signs: jws.signingInput) else {
                return .failed(FederationError(.signatureInvalid, "the \(algorithm) signature does not verify with \(keyName)"))
            }
            return IDTokenChecks.passed("\(algorithm), \(keyName)", explain: explain)
        } catch {
            return .failed(FederationError(.signatureInvalid, "the \(algorithm) signature does not verify with \(keyName): \(error)"))
        }
    }
}
