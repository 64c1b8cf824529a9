import Foundation

/// One of the named checks an ID token goes through (OIDC Core §3.1.3.7), in the order they run.
public enum IDTokenCheck: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A compact JWS of three base64url parts whose header and payload are JSON objects; no `crit`.
    case format
    /// The header's `alg` is in the connection's allow-list (never `none`; `HS256` only with a client secret).
    case algorithm = "alg"
    /// The signature verifies with the provider's key for `kid` (or the client secret for `HS256`).
    case signature
    /// `iss` is exactly the connection's issuer (or its tenant template filled from `tid`).
    case issuer = "iss"
    /// `aud` contains our `client_id`.
    case audience = "aud"
    /// `azp`, when present, is our `client_id`; it is required when `aud` has several values.
    case authorizedParty = "azp"
    /// `exp` is present and not passed (with the clock skew).
    case expiry = "exp"
    /// `iat` is present and not in the future (with the clock skew).
    case issuedAt = "iat"
    /// `nbf`, when present, is not in the future (with the clock skew).
    case notBefore = "nbf"
    /// `nonce` is present and equals the login's nonce.
    case nonce
    /// `sub` is present: a non-empty string of at most 255 ASCII characters.
    case subject = "sub"

    /// The check's name as printed (`alg`, `iss`, `signature`, …).
    public var description: String { rawValue }
}

/// What one check found.
public struct IDTokenCheckResult: Sendable, Hashable, CustomStringConvertible {
    /// Passed, failed or not run.
    public enum Status: Sendable, Hashable {
        /// The check passed; the text says what was seen ("RS256", "key 'k1'").
        case passed(String)
        /// The check failed, with the error a verification would throw.
        case failed(FederationError)
        /// The check could not run (an earlier check failed, or nothing to compare with was given).
        case skipped(String)
    }

    /// Which check.
    public var check: IDTokenCheck
    /// Its outcome.
    public var status: Status

    /// Creates a result.
    public init(check: IDTokenCheck, status: Status) {
        self.check = check
        self.status = status
    }

    /// Whether the check passed.
    public var passed: Bool { if case .passed = status { true } else { false } }

    /// `iss: ok (https://idp.example)`, `exp: FAILED expired: …`, `nonce: skipped (no nonce given)`.
    public var description: String {
        switch status {
        case .passed(let detail): "\(check): ok" + (detail.isEmpty ? "" : " (\(detail))")
        case .failed(let error): "\(check): FAILED \(error.code): \(error.reason)"
        case .skipped(let reason): "\(check): skipped (\(reason))"
        }
    }
}

/// Every check an ID token went through and what each found, like a certificate verifier's list of
/// policy failures: what `gatehouse oidc verify-id-token` prints.
///
/// A token is accepted only when **every** check passed; a skipped check is not a pass.
public struct IDTokenVerdict: Sendable, Hashable, CustomStringConvertible {
    /// The checks, in the order they ran.
    public var checks: [IDTokenCheckResult]
    /// The token's header, when it could be decoded.
    public var header: JOSEHeader?
    /// The token's claims, when they could be decoded (unverified unless ``isValid``).
    public var claims: IDTokenClaims?

    /// Creates a verdict.
    public init(checks: [IDTokenCheckResult], header: JOSEHeader?, claims: IDTokenClaims?) {
        self.checks = checks
        self.header = header
        self.claims = claims
    }

    /// Whether every check passed.
    public var isValid: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

    /// The failures, in order.
    public var failures: [FederationError] {
        checks.compactMap { if case .failed(let error) = $0.status { error } else { nil } }
    }

    /// What a verification throws: the first failure, or the first skipped check's reason.
    public var firstProblem: FederationError? {
        if let failure = failures.first { return failure }
        for result in checks {
            if case .skipped(let reason) = result.status {
                return FederationError(.tokenInvalid, "\(result.check) was not checked: \(reason)")
            }
        }
        return checks.isEmpty ? FederationError(.tokenInvalid, "no check ran") : nil
    }

    /// `valid` or `invalid`, then one line per check.
    public var description: String {
        ([isValid ? "ID token: valid" : "ID token: INVALID"] + checks.map { "  " + $0.description }).joined(separator: "\n")
    }
}

/// An ID token that passed every check.
public struct VerifiedIDToken: Sendable, Hashable {
    /// The token as received.
    public let token: String
    /// Its header.
    public let header: JOSEHeader
    /// Its claims, now trusted.
    public let claims: IDTokenClaims
    /// The checks it passed, by name; what each saw is described only by
    /// ``IDTokenVerifier/inspect(_:expectedIssuer:expectedAudience:nonce:now:)``, since a
    /// verification never shows it.
    public let verdict: IDTokenVerdict
    /// `sub`, which a passed ``IDTokenCheck/subject`` check guarantees.
    public var subject: String { claims.subject ?? "" }
}
