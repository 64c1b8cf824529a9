/// How an authorization response travels back to the client (OAuth 2.0 Multiple Response Type
/// Encoding Practices §2.1 and OAuth 2.0 Form Post Response Mode §2).
public enum ResponseMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Parameters appended to the redirect URI's query (the default for `response_type=code`).
    case query
    /// Parameters posted by an auto-submitting HTML form, so they stay out of URLs and logs.
    case formPost = "form_post"
}

/// A response to send to the client's `redirect_uri`: the code on success, or an error, always with
/// `state` when the request had one and `iss` (RFC 9207 §2, mix-up defence).
///
/// For ``ResponseMode/query`` the server answers `303 See Other` with ``location``; for
/// ``ResponseMode/formPost`` it renders a page whose form posts ``parameters`` to ``redirectURI``.
public struct AuthorizationResponse: Sendable, Hashable {
    /// One response parameter.
    public struct Parameter: Sendable, Hashable {
        /// The parameter name (`code`, `state`, `iss`, `error`, `error_description`).
        public let name: String
        /// Its value.
        public let value: String
    }

    /// The exact registered redirect URI the request named.
    public let redirectURI: String
    /// How to deliver the parameters.
    public let responseMode: ResponseMode
    /// The parameters, in order.
    public let parameters: [Parameter]

    /// Creates a response.
    public init(redirectURI: String, responseMode: ResponseMode, parameters: [Parameter]) {
        self.redirectURI = redirectURI
        self.responseMode = responseMode
        self.parameters = parameters
    }

    /// The success response carrying `code` (RFC 6749 §4.1.2).
    public static func success(code: String, for request: AuthorizationRequest, issuer: String) -> Self {
        make([Parameter(name: "code", value: code)], redirectURI: request.redirectURI, state: request.state,
            responseMode: ResponseMode(rawValue: request.responseMode) ?? .query, issuer: issuer)
    }

    /// An error response for a request that was valid but cannot be completed (`login_required`,
    /// `access_denied`, `consent_required`…, RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6).
    public static func error(_ error: OAuthError, for request: AuthorizationRequest, issuer: String) -> Self {
        self.error(error, redirectURI: request.redirectURI, state: request.state,
            responseMode: ResponseMode(rawValue: request.responseMode) ?? .query, issuer: issuer)
    }

    static func error(
        _ error: OAuthError, redirectURI: String, state: String?, responseMode: ResponseMode, issuer: String
    ) -> Self {
        make(
            [Parameter(name: "error", value: error.error), Parameter(name: "error_description", value: error.description)],
            redirectURI: redirectURI, state: state, responseMode: responseMode, issuer: issuer)
    }

    private static func make(
        _ first: [Parameter], redirectURI: String, state: String?, responseMode: ResponseMode, issuer: String
    ) -> Self {
        var parameters = first
        if let state { parameters.append(Parameter(name: "state", value: state)) }
        parameters.append(Parameter(name: "iss", value: issuer))
        return Self(redirectURI: redirectURI, responseMode: responseMode, parameters: parameters)
    }

    /// The redirect URI with the parameters added to its query, keeping any query it already has
    /// (RFC 6749 §3.1.2: "MUST retain the query component"); the `Location` for ``ResponseMode/query``.
    public var location: String {
        let encoded = OAuthParameters.encode(parameters.map { ($0.name, $0.value) })
        return OAuthParameters.appending(encoded, to: redirectURI)
    }
}
