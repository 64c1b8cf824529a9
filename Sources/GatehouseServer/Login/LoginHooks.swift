import Directory
import FlowEngine
import Hummingbird
import Logging
import OIDCProvider

/// Where a login leaves the hosted pages: the code the OAuth endpoints and federation plug in.
///
/// The defaults keep the server usable before those exist: they render a page saying what
/// happened instead of redirecting to the app.
public struct LoginHooks: Sendable {
    /// The user is authenticated (and picked an organization and consented, when asked): issue the
    /// authorization code and redirect to the app (OIDC Core §3.1.2.5). The session cookie is added
    /// to the returned response.
    public var onAuthenticated: @Sendable (AuthorizationRequest, AuthenticatedSession, Request) async throws -> Response
    /// The login ended without authentication: denied by the flow (after the user chose to return to
    /// the app from the refusal page), declined consent, or `prompt=none` that needs interaction.
    /// Redirect the error to the app (OIDC Core §3.1.2.6: `access_denied`, `login_required`,
    /// `interaction_required`, `consent_required`).
    public var onDenied: @Sendable (AuthorizationRequest, OAuthError, Request) async throws -> Response
    /// The flow sends the user to an upstream IdP: build the SAML AuthnRequest or OIDC request and
    /// redirect; come back through ``LoginController/resumeUpstream(_:with:request:context:)``. The
    /// logger is the request's (it carries the request id).
    public var onUpstream: @Sendable (UpstreamRequest, LoginTransactionID, Request, Logger) async throws -> Response
    /// Whether an app is first-party (its users are never asked for consent). Third-party apps get the
    /// consent page until the user has allowed every scope they request.
    public var isFirstParty: @Sendable (AppID) -> Bool
    /// Checks the parameters of a `/logout` request (query for GET, form for POST, the confirmation
    /// form's `csrf` left out): the OIDC endpoints read RP-initiated logout parameters here. Throw an
    /// `HTTPError` with status 400 to refuse the request on an error page; never redirect to an
    /// unchecked URI. The default ignores every parameter (``LogoutRequest/plain``).
    public var onLogout: @Sendable ([String: [String]]) async throws -> LogoutRequest

    /// Creates hooks.
    public init(
        onAuthenticated: @escaping @Sendable (AuthorizationRequest, AuthenticatedSession, Request) async throws -> Response,
        onDenied: @escaping @Sendable (AuthorizationRequest, OAuthError, Request) async throws -> Response,
        onUpstream: @escaping @Sendable (UpstreamRequest, LoginTransactionID, Request, Logger) async throws -> Response,
        isFirstParty: @escaping @Sendable (AppID) -> Bool,
        onLogout: @escaping @Sendable ([String: [String]]) async throws -> LogoutRequest = { _ in .plain }
    ) {
        self.onAuthenticated = onAuthenticated
        self.onDenied = onDenied
        self.onUpstream = onUpstream
        self.isFirstParty = isFirstParty
        self.onLogout = onLogout
    }

    /// The placeholders: a "you are signed in" page, an error page, and "federation is not configured".
    public static func standard(runtime: GatehouseRuntime) -> LoginHooks {
        LoginHooks(
            onAuthenticated: { authorization, session, _ in
                var values: [String: Any] = [
                    "email": session.email, "app": authorization.clientID.rawValue, "amr": session.amr.joined(separator: " "),
                ]
                values["organization"] = session.organization?.name
                values["acr"] = session.acr?.rawValue
                return runtime.pages.render(
                    "signed-in", titleKey: "signed_in.title", values: values, branding: runtime.branding(for: session.organization?.id))
            },
            onDenied: { authorization, error, _ in
                runtime.pages.render(
                    "error", titleKey: "error.title",
                    values: [
                        "heading": "The app could not be told",
                        "message":
                            "The sign-in to \(authorization.clientID.rawValue) ended (\(error.error)), "
                            + "but this server has no OAuth endpoints to report it back.",
                        "hint": "Close this page and start again from the app.",
                    ], branding: .standard, status: .forbidden)
            },
            onUpstream: { upstream, _, _, _ in
                let connection = runtime.directory.connection(upstream.connection)?.displayName ?? upstream.connection.rawValue
                return runtime.pages.render(
                    "error", titleKey: "error.title",
                    values: [
                        "heading": "Company sign-in is not available",
                        "message": "Your organization signs in through \(connection), but federation is not configured on this server.",
                        "hint": "Contact your IT team.",
                    ], branding: .standard, status: .notImplemented)
            },
            isFirstParty: { runtime.isFirstParty($0) })
    }
}
