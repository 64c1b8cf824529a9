import FlowEngine
import Foundation

/// The claim checks of OIDC Core §3.1.3.7, one function each, each returning one precise outcome.
///
/// The header and signature checks need keys and live in ``IDTokenVerifier``; everything here is a
/// pure function of the claims, the expectations and the clock.
///
/// `explain` says whether a passed check describes what it saw (for `inspect`) or only passes (for
/// verification, which never shows it). A failure always says what is wrong.
enum IDTokenChecks {
    typealias Status = IDTokenCheckResult.Status

    /// A pass, with `detail` worked out only when it will be shown.
    static func passed(_ detail: @autoclosure () -> String, explain: Bool) -> Status {
        .passed(explain ? detail() : "")
    }

    /// Step 2: `iss` exactly the issuer (or the tenant template filled from `tid`).
    static func issuer(_ claims: IDTokenClaims, expected: ExpectedIssuer, explain: Bool) -> Status {
        guard let iss = claims.issuer else { return .failed(FederationError(.issuerMismatch, "iss is missing")) }
        if let mismatch = expected.mismatch(iss: iss, tenant: claims.tenantID) {
            return .failed(FederationError(.issuerMismatch, mismatch))
        }
        return passed(shown(iss), explain: explain)
    }

    /// Step 3: `aud` contains our `client_id`.
    static func audience(_ claims: IDTokenClaims, expected: String, explain: Bool) -> Status {
        let audiences = claims.audiences
        guard !audiences.isEmpty else { return .failed(FederationError(.audienceMismatch, "aud is missing")) }
        guard !expected.isEmpty, audiences.contains(expected) else {
            return .failed(
                FederationError(
                    .audienceMismatch, "aud [\(audiences.map(shown).joined(separator: ", "))] does not contain our client_id '\(expected)'"))
        }
        return passed(audiences.map(shown).joined(separator: ", "), explain: explain)
    }

    /// Steps 4–5: `azp` is our `client_id` when present, and present when there are several audiences.
    static func authorizedParty(_ claims: IDTokenClaims, expected: String, explain: Bool) -> Status {
        if claims.all["azp"] != nil {
            guard let azp = claims.authorizedParty else {
                return .failed(FederationError(.audienceMismatch, "azp is not a string"))
            }
            guard azp == expected else {
                return .failed(FederationError(.audienceMismatch, "azp '\(shown(azp))' is not our client_id '\(expected)'"))
            }
            return passed(azp, explain: explain)
        }
        if claims.audiences.count > 1 {
            return .failed(FederationError(.audienceMismatch, "aud has \(claims.audiences.count) values but there is no azp"))
        }
        return passed("absent; single audience", explain: explain)
    }

    /// Step 9: `exp` present and `now` before it (plus skew).
    static func expiry(_ claims: IDTokenClaims, now: Date, skew: TimeInterval, explain: Bool) -> Status {
        guard let exp = claims.expiresAt else {
            return .failed(FederationError(.tokenInvalid, claims.all["exp"] == nil ? "exp is missing" : "exp is not a number"))
        }
        guard now < exp.addingTimeInterval(skew) else {
            return .failed(
                FederationError(.expired, "expired at \(timestamp(exp)); now is \(timestamp(now)) (skew \(Int(skew)) s)"))
        }
        return passed("until \(timestamp(exp))", explain: explain)
    }

    /// Step 10: `iat` present and not in the future (beyond the skew).
    static func issuedAt(_ claims: IDTokenClaims, now: Date, skew: TimeInterval, explain: Bool) -> Status {
        guard let iat = claims.issuedAt else {
            return .failed(FederationError(.tokenInvalid, claims.all["iat"] == nil ? "iat is missing" : "iat is not a number"))
        }
        guard iat <= now.addingTimeInterval(skew) else {
            return .failed(
                FederationError(.notYetValid, "issued at \(timestamp(iat)), in the future; now is \(timestamp(now)) (skew \(Int(skew)) s)"))
        }
        return passed(timestamp(iat), explain: explain)
    }

    /// RFC 7519 §4.1.5: `nbf`, when present, not in the future (beyond the skew).
    static func notBefore(_ claims: IDTokenClaims, now: Date, skew: TimeInterval, explain: Bool) -> Status {
        guard claims.all["nbf"] != nil else { return passed("absent", explain: explain) }
        guard let nbf = claims.notBefore else { return .failed(FederationError(.tokenInvalid, "nbf is not a number")) }
        guard nbf <= now.addingTimeInterval(skew) else {
            return .failed(FederationError(.notYetValid, "not valid before \(timestamp(nbf)); now is \(timestamp(now))"))
        }
        return passed(timestamp(nbf), explain: explain)
    }

    /// Step 11: `nonce` present and equal to the one sent (compared in constant time).
    static func nonce(_ claims: IDTokenClaims, expected: String?, explain: Bool) -> Status {
        guard let expected else { return .skipped("no nonce given to compare with") }
        guard let nonce = claims.nonce else {
            return .failed(FederationError(.nonceMismatch, "nonce is missing; the login sent one"))
        }
        guard !expected.isEmpty, ConstantTime.equals(nonce, expected) else {
            return .failed(FederationError(.nonceMismatch, "nonce is not the one this login sent"))
        }
        return passed("matches", explain: explain)
    }

    /// OIDC Core §2: `sub` present, at most 255 ASCII characters, not empty.
    static func subject(_ claims: IDTokenClaims, explain: Bool) -> Status {
        guard let sub = claims.subject else {
            return .failed(FederationError(.tokenInvalid, claims.all["sub"] == nil ? "sub is missing" : "sub is not a string"))
        }
        guard !sub.isEmpty, sub.utf8.count <= 255, sub.unicodeScalars.allSatisfy(\.isASCII) else {
            return .failed(FederationError(.tokenInvalid, "sub must be 1 to 255 ASCII characters"))
        }
        return passed(shown(sub), explain: explain)
    }

    /// A value from the token, made safe for messages and logs.
    static func shown(_ value: String) -> String { AuthorizationResponseValidation.printable(value) }

    /// `2026-03-01T10:05:00Z`: the same text as Foundation's `.iso8601` style, without its formatter
    /// (which cost more than the rest of a claim check).
    static func timestamp(_ date: Date) -> String {
        SAMLDateTime.format(date)
    }
}
