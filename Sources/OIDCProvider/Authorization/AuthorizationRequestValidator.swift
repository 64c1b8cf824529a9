import FlowEngine

/// Checks an `/authorize` request (OIDC Core §3.1.2.1 and §3.1.2.2, RFC 6749 §4.1.1, RFC 7636,
/// RFC 9700) and turns it into an ``AuthorizationRequest``, or says exactly why not and whether the
/// answer may go back to the client.
///
/// The checks run in two stages. First the ones that decide whether the request can be answered at
/// all: the parameter count, `client_id` (known) and `redirect_uri` (present, single, registered by
/// exact string match). Their failures are ``AuthorizationFailure/errorPage(_:)``. Then, in order,
/// each rule below; the first that fails is sent to the redirect URI (with `state` and `iss`):
///
/// | rule | error |
/// |---|---|
/// | a parameter is repeated or over its ``ParameterLimits`` | `invalid_request` |
/// | `response_mode` is not `query` or `form_post` | `invalid_request` |
/// | `request` / `request_uri` / `registration` present | `request_not_supported` / `request_uri_not_supported` / `registration_not_supported` |
/// | `response_type` missing | `invalid_request` |
/// | `response_type` other than `code` | `unsupported_response_type` |
/// | `scope` missing, malformed, or without `openid` | `invalid_scope` |
/// | `code_challenge_method` other than `S256` (`plain`, or a challenge without a method) | `invalid_request` |
/// | `code_challenge` malformed, or a method without a challenge | `invalid_request` |
/// | a public client without `code_challenge` | `invalid_request` |
/// | `prompt` has an unknown value, or `none` with another value | `invalid_request` |
/// | `max_age` is not a non-negative integer | `invalid_request` |
///
/// Scope values other than ``Scope/supported`` are dropped, and `acr_values` not among the configured
/// levels are dropped (OIDC Core §3.1.2.1: `acr_values` is a voluntary request). The validator is
/// pure: it reads only its registry and configuration.
public struct AuthorizationRequestValidator: Sendable {
    /// The known clients.
    public let registry: ClientRegistry
    /// The issuer (for `iss` in error responses) and the configured levels.
    public let configuration: ProviderConfiguration
    /// Size limits.
    public let limits: ParameterLimits

    /// The `prompt` values understood (OIDC Core §3.1.2.1).
    public static let promptValues = ["none", "login", "consent", "select_account"]

    /// Creates a validator.
    public init(registry: ClientRegistry, configuration: ProviderConfiguration, limits: ParameterLimits = .default) {
        self.registry = registry
        self.configuration = configuration
        self.limits = limits
    }

    /// Validates the parameters of an authorization request (query string for GET, form body for POST).
    /// - Parameter parameters: Every parameter name with every value it was given.
    /// - Returns: The validated request, or the failure and where to show it.
    public func validate(parameters: [String: [String]]) -> Result<AuthorizationRequest, AuthorizationFailure> {
        let reader = ParameterReader(parameters: parameters)
        let client: OIDCClient
        let redirectURI: String
        do throws(OAuthError) {
            (client, redirectURI) = try checkClientAndRedirectURI(reader)
        } catch {
            return .failure(.errorPage(error))
        }
        let state = try? reader.single("state", limit: limits.state)
        let mode = (try? reader.single("response_mode", limit: limits.keyword)).flatMap { $0 }.flatMap(ResponseMode.init(rawValue:))
        do throws(OAuthError) {
            return .success(try checkRest(reader, client: client, redirectURI: redirectURI))
        } catch {
            let response = AuthorizationResponse.error(
                error, redirectURI: redirectURI, state: state ?? nil, responseMode: mode ?? .query, issuer: configuration.issuer)
            return .failure(.redirect(error, response))
        }
    }

    // MARK: Stage 1: may the request be answered by redirect at all?

    private func checkClientAndRedirectURI(_ reader: ParameterReader) throws(OAuthError) -> (OIDCClient, String) {
        guard reader.parameters.count <= limits.parameterCount else {
            throw .invalidRequest("the request has more than \(limits.parameterCount) parameters")
        }
        let clientID = try read(reader, "client_id", limits.clientID)
        guard let clientID else { throw .invalidRequest("the request has no client_id") }
        guard let client = registry.client(id: clientID) else {
            throw OAuthError("invalid_client", "there is no client '\(clientID)'", status: 400)
        }
        guard let redirectURI = try read(reader, "redirect_uri", limits.redirectURI) else {
            throw .invalidRequest("the request has no redirect_uri")
        }
        guard client.isRegistered(redirectURI: redirectURI) else {
            throw .invalidRequest("the redirect_uri is not registered for client '\(clientID)'")
        }
        return (client, redirectURI)
    }

    // MARK: Stage 2: errors returned to the client

    private func checkRest(_ reader: ParameterReader, client: OIDCClient, redirectURI: String) throws(OAuthError) -> AuthorizationRequest {
        let state = try read(reader, "state", limits.state)
        try checkNoRepeats(reader)
        let responseMode = try checkResponseMode(reader)
        try checkUnsupportedFeatures(reader)
        try checkResponseType(reader)
        let scopes = try checkScope(reader)
        let codeChallenge = try checkPKCE(reader, client: client)
        let prompt = try checkPrompt(reader)
        let maxAge = try checkMaxAge(reader)
        try checkOtherSizes(reader)
        return AuthorizationRequest(
            clientID: client.id, redirectURI: redirectURI, scopes: scopes, state: state,
            nonce: try read(reader, "nonce", limits.nonce), codeChallenge: codeChallenge, prompt: prompt, maxAge: maxAge,
            acrValues: try checkACRValues(reader), loginHint: try read(reader, "login_hint", limits.loginHint),
            organizationHint: try read(reader, "organization", limits.organization).map(OrgID.init),
            responseMode: responseMode.rawValue)
    }

    /// RFC 6749 §3.1: parameters MUST NOT be included more than once.
    private func checkNoRepeats(_ reader: ParameterReader) throws(OAuthError) {
        if let name = reader.repeatedNames.first { throw ParameterReader.Problem.repeated(name).oauthError }
    }

    /// `response_mode`: `query` (default) or `form_post`.
    private func checkResponseMode(_ reader: ParameterReader) throws(OAuthError) -> ResponseMode {
        guard let value = try read(reader, "response_mode", limits.keyword) else { return .query }
        guard let mode = ResponseMode(rawValue: value) else {
            throw .invalidRequest("response_mode '\(value)' is not supported; use 'query' or 'form_post'")
        }
        return mode
    }

    /// Request objects and dynamic registration are not supported (OIDC Core §3.1.2.6, §6).
    private func checkUnsupportedFeatures(_ reader: ParameterReader) throws(OAuthError) {
        if reader.parameters["request"] != nil { throw .requestNotSupported("request objects are not supported") }
        if reader.parameters["request_uri"] != nil { throw .requestURINotSupported("request_uri is not supported") }
        if reader.parameters["registration"] != nil { throw .registrationNotSupported("the registration parameter is not supported") }
    }

    /// Only the authorization code flow (RFC 9700 §2.1.2: no implicit grant).
    private func checkResponseType(_ reader: ParameterReader) throws(OAuthError) {
        guard let value = try read(reader, "response_type", limits.keyword) else {
            throw .invalidRequest("the request has no response_type")
        }
        guard value == "code" else {
            throw .unsupportedResponseType("response_type '\(value)' is not supported; only 'code' is")
        }
    }

    /// `scope` must contain `openid` (OIDC Core §3.1.2.1); unsupported values are dropped.
    private func checkScope(_ reader: ParameterReader) throws(OAuthError) -> [String] {
        guard let text = try read(reader, "scope", limits.scope) else { throw .invalidScope("the request has no scope") }
        guard let values = Scope.parse(text) else { throw .invalidScope("the scope has a character RFC 6749 §3.3 does not allow") }
        guard values.contains(Scope.openid) else { throw .invalidScope("the scope must contain 'openid'") }
        return values.filter(Scope.supported.contains)
    }

    /// PKCE S256: required for public clients, accepted from every client, `plain` refused.
    private func checkPKCE(_ reader: ParameterReader, client: OIDCClient) throws(OAuthError) -> String? {
        let challenge = try read(reader, "code_challenge", limits.codeChallenge)
        let method = try read(reader, "code_challenge_method", limits.keyword)
        switch (challenge, method) {
        case (nil, nil):
            if client.requiresPKCE { throw .invalidRequest("a public client must send a code_challenge (PKCE, S256)") }
            return nil
        case (nil, .some):
            throw .invalidRequest("code_challenge_method is given without a code_challenge")
        case (.some, nil):
            // RFC 7636 §4.3: an absent method means `plain`.
            throw .invalidRequest("code_challenge_method is missing (it would default to 'plain'); use S256")
        case (.some(let challenge), .some(let method)):
            guard method == PKCE.method else {
                throw .invalidRequest("code_challenge_method '\(method)' is not supported; use S256")
            }
            guard PKCE.isWellFormed(challenge: challenge) else {
                throw .invalidRequest("the code_challenge is not 43 base64url characters")
            }
            return challenge
        }
    }

    /// `prompt`: known values only, and `none` alone (OIDC Core §3.1.2.1).
    private func checkPrompt(_ reader: ParameterReader) throws(OAuthError) -> [String] {
        guard let text = try read(reader, "prompt", limits.keyword) else { return [] }
        var values: [String] = []
        for value in text.split(separator: " ").map(String.init) where !values.contains(value) {
            guard Self.promptValues.contains(value) else { throw .invalidRequest("prompt '\(value)' is not supported") }
            values.append(value)
        }
        if values.contains("none"), values.count > 1 {
            throw .invalidRequest("prompt 'none' cannot be combined with other values")
        }
        return values
    }

    /// `max_age`: a non-negative number of seconds.
    private func checkMaxAge(_ reader: ParameterReader) throws(OAuthError) -> Int? {
        guard let text = try read(reader, "max_age", limits.keyword) else { return nil }
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = Int(text) else {
            throw .invalidRequest("max_age must be a non-negative integer")
        }
        return value
    }

    /// `acr_values`: configured levels only, in the order asked.
    private func checkACRValues(_ reader: ParameterReader) throws(OAuthError) -> [String] {
        guard let text = try read(reader, "acr_values", limits.acrValues) else { return [] }
        let known = Set(configuration.levels.map(\.rawValue))
        var values: [String] = []
        for value in text.split(separator: " ").map(String.init) where known.contains(value) && !values.contains(value) {
            values.append(value)
        }
        return values
    }

    /// Every parameter not read above still has a size limit.
    private func checkOtherSizes(_ reader: ParameterReader) throws(OAuthError) {
        let read: Set = [
            "client_id", "redirect_uri", "state", "response_mode", "response_type", "scope", "code_challenge",
            "code_challenge_method", "prompt", "max_age", "nonce", "acr_values", "login_hint", "organization",
        ]
        for name in reader.parameters.keys.sorted() where !read.contains(name) {
            _ = try self.read(reader, name, limits.other)
        }
    }

    private func read(_ reader: ParameterReader, _ name: String, _ limit: Int) throws(OAuthError) -> String? {
        do {
            return try reader.single(name, limit: limit)
        } catch {
            throw error.oauthError
        }
    }
}
