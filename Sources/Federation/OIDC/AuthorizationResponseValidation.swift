import Foundation

/// The checks on the IdP's answer at our redirect URI, before any code is redeemed.
enum AuthorizationResponseValidation {
    /// Returns the authorization code once the answer is bound to this login and this IdP.
    ///
    /// 1. `state` equals the transaction's, compared in constant time (RFC 6749 §10.12) — first, so
    ///    that even an error answer is only believed when it belongs to this login.
    /// 2. `iss` (RFC 9207 §2.4): required when the IdP advertises
    ///    `authorization_response_iss_parameter_supported`, and whenever present it must name the
    ///    connection's issuer. This stops the IdP mix-up attack: a code from another IdP the user was
    ///    also sent to is not redeemed at this one.
    /// 3. `error` (RFC 6749 §4.1.2.1) becomes ``FederationError/Code/statusNotSuccess``.
    /// 4. `code` must be present.
    static func code(
        from response: AuthorizationResponse, transaction: AuthorizationTransaction, issuer: ExpectedIssuer,
        issuerParameterRequired: Bool
    ) throws -> String {
        guard let state = response.state else {
            throw FederationError(.stateMismatch, "the answer has no state")
        }
        guard ConstantTime.equals(state, transaction.state) else {
            throw FederationError(.stateMismatch, "the answer's state is not this login's")
        }
        if let iss = response.issuer {
            guard issuer.matchesResponseParameter(iss) else {
                throw FederationError(.issuerMismatch, "the answer's iss '\(printable(iss))' is not the connection's issuer '\(issuer.configured)'")
            }
        } else if issuerParameterRequired {
            throw FederationError(
                .issuerMismatch, "the answer has no iss, but the IdP advertises authorization_response_iss_parameter_supported")
        }
        if let error = response.error {
            let detail = response.errorDescription.map { ": " + printable($0) } ?? ""
            throw FederationError(.statusNotSuccess, "the IdP answered \(printable(error))\(detail)")
        }
        guard let code = response.code, !code.isEmpty else {
            throw FederationError(.malformedMessage, "the answer has neither code nor error")
        }
        return code
    }

    /// A peer-controlled string made safe for a log line: printable ASCII only, at most 200 characters.
    static func printable(_ text: String) -> String {
        // The usual case, a short printable ASCII value, needs no copy.
        if text.utf8.count <= 200, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        let cleaned = String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
        return cleaned.count > 200 ? String(cleaned.prefix(200)) + "…" : cleaned
    }
}
