import FlowEngine
import Foundation

/// A checked RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0 §2): which session to
/// end, and where the user may be sent afterwards.
public struct EndSessionRequest: Sendable, Hashable {
    /// The client that asked (from `id_token_hint`'s `aud` or `client_id`), when known.
    public var clientID: AppID?
    /// The `sub` of the hinted ID token (the client's view of the user; pairwise for pairwise clients).
    public var subject: String?
    /// The `sid` of the hinted ID token: the SSO session to end.
    public var sid: String?
    /// Where to send the user once logged out: the registered `post_logout_redirect_uri` with `state`
    /// added; nil to show Gatehouse's own logged-out page.
    public var redirectLocation: String?
    /// The `state` to return.
    public var state: String?
    /// True without a valid `id_token_hint`: the spec says the OP SHOULD then ask the user to confirm,
    /// since anyone can link to the logout endpoint.
    public var requiresConfirmation: Bool
}

/// Checks an `end_session_endpoint` request.
///
/// `id_token_hint` must be an ID token this provider signed (with a key still published) for a known
/// client, with our `iss`; its `exp` is not checked, because RPs log out long after their ID tokens
/// expire and the spec says the OP SHOULD accept them. `post_logout_redirect_uri` must exactly match
/// one registered for the client, which the hint or `client_id` must name (and they must agree).
/// Every failure is shown on an error page: nothing here may redirect to an unchecked URI.
public struct EndSessionValidator: Sendable {
    /// The provider's keys, for `id_token_hint`.
    public let keys: SigningKeyStore
    /// The known clients.
    public let registry: ClientRegistry
    /// The issuer.
    public let configuration: ProviderConfiguration

    /// Creates a validator.
    public init(keys: SigningKeyStore, registry: ClientRegistry, configuration: ProviderConfiguration) {
        self.keys = keys
        self.registry = registry
        self.configuration = configuration
    }

    /// Validates the query (GET) or form (POST) parameters of a logout request.
    /// - Returns: What to end and where to go, or `invalid_request` to show on an error page.
    public func validate(parameters: [String: [String]], now: Date) async -> Result<EndSessionRequest, OAuthError> {
        do throws(OAuthError) {
            return .success(try await check(parameters, now: now))
        } catch {
            return .failure(error)
        }
    }

    private func check(_ parameters: [String: [String]], now: Date) async throws(OAuthError) -> EndSessionRequest {
        let reader = ParameterReader(parameters: parameters)
        let hint: String?
        let clientParameter: String?
        let redirectURI: String?
        let state: String?
        do throws(ParameterReader.Problem) {
            if let name = reader.repeatedNames.first { throw ParameterReader.Problem.repeated(name) }
            hint = try reader.single("id_token_hint", limit: 16_384)
            clientParameter = try reader.single("client_id", limit: 256)
            redirectURI = try reader.single("post_logout_redirect_uri", limit: 2_048)
            state = try reader.single("state", limit: 2_048)
            for name in reader.parameters.keys { _ = try reader.single(name, limit: 4_096) }
        } catch {
            throw error.oauthError
        }

        var client: OIDCClient?
        var claims: IDTokenClaims?
        if let hint {
            guard let verified = await keys.verify(hint, as: IDTokenClaims.self, now: now), verified.iss == configuration.issuer else {
                throw .invalidRequest("id_token_hint is not an ID token issued by this provider")
            }
            guard let audience = registry.client(id: verified.aud) else {
                throw .invalidRequest("id_token_hint was issued to a client that is no longer registered")
            }
            claims = verified
            client = audience
        }
        if let clientParameter {
            guard let named = registry.client(id: clientParameter) else { throw .invalidRequest("there is no client '\(clientParameter)'") }
            if let client, client.id != named.id { throw .invalidRequest("client_id differs from the audience of id_token_hint") }
            client = named
        }
        var location: String?
        if let redirectURI {
            guard let client else { throw .invalidRequest("post_logout_redirect_uri needs id_token_hint or client_id") }
            guard client.postLogoutRedirectURIs.contains(redirectURI) else {
                throw .invalidRequest("post_logout_redirect_uri is not registered for client '\(client.id)'")
            }
            location = redirectURI
            if let state {
                location = OAuthParameters.appending(OAuthParameters.encode([("state", state)]), to: redirectURI)
            }
        }
        return EndSessionRequest(
            clientID: client?.id, subject: claims?.user.sub, sid: claims?.user.sid, redirectLocation: location, state: state,
            requiresConfirmation: claims == nil)
    }
}
