/// Why an authorization request was refused, and where the refusal may be shown.
///
/// RFC 6749 §4.1.2.1 and RFC 9700 §4.11: when the client is unknown or the redirect URI is missing,
/// malformed or not registered, the server "MUST NOT automatically redirect the user-agent to the
/// invalid redirection URI" — that would make it an open redirector — so those errors are shown on
/// an error page. Every other error goes back to the client's (checked) redirect URI with `state`
/// and `iss`.
public enum AuthorizationFailure: Error, Sendable, Hashable {
    /// Show an error page to the user; never redirect.
    case errorPage(OAuthError)
    /// Send the error to the client: deliver ``AuthorizationResponse`` as its mode says.
    case redirect(OAuthError, AuthorizationResponse)

    /// The OAuth error either way.
    public var error: OAuthError {
        switch self {
        case .errorPage(let error), .redirect(let error, _): error
        }
    }

    /// The response to deliver to the client, nil when the error must stay on an error page.
    public var response: AuthorizationResponse? {
        if case .redirect(_, let response) = self { return response }
        return nil
    }
}
