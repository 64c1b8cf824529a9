import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OIDCProvider

extension OpenIDProvider {
    /// `GET /authorize` and `POST /authorize` (OIDC Core §3.1.2.1: both must be supported): validates the
    /// request and starts the login, or refuses it.
    ///
    /// A problem with `client_id` or `redirect_uri` is shown on an error page and never redirected
    /// (RFC 6749 §4.1.2.1, RFC 9700 §4.11: that would make Gatehouse an open redirector); every other
    /// problem goes back to the checked redirect URI with `state` and `iss`.
    func authorize(_ request: Request, context: GatehouseRequestContext, login: LoginController) async throws -> Response {
        let parameters: [String: [String]]
        if request.method == .post {
            do {
                parameters = try await OAuthMessages.form(request, context: context)
            } catch {
                return errorPage(error)
            }
        } else {
            parameters = OAuthParameters.parse(request.uri.query ?? "")
        }
        switch authorizationValidator.validate(parameters: parameters) {
        case .success(let authorization):
            return try await login.begin(authorizationRequest: authorization, request: request, context: context)
        case .failure(.errorPage(let error)):
            context.logger.notice("authorization request refused on the error page", metadata: ["error": .string(error.logSummary)])
            return errorPage(error)
        case .failure(.redirect(let error, let response)):
            context.logger.notice("authorization request refused", metadata: ["error": .string(error.logSummary)])
            return deliver(response)
        }
    }

    /// ``LoginHooks/onAuthenticated``: issues the code and sends it to the app (OIDC Core §3.1.2.5).
    func authenticated(_ authorization: AuthorizationRequest, _ session: AuthenticatedSession, _ request: Request) async -> Response {
        let branding = runtime.branding(for: session.organization?.id)
        if let initiate = authorization.initiateLoginURI {
            // IdP-initiated: no request to answer. The app starts one (OIDC Core §4), and the session answers it.
            let parameters = OAuthParameters.encode([(name: "iss", value: configuration.issuer), (name: "login_hint", value: session.email)])
            return Response(status: .seeOther, headers: [.location: OAuthParameters.appending(parameters, to: initiate)])
        }
        do {
            let code = try await tokens.issueCode(request: authorization, session: session, now: runtime.clock())
            runtime.metrics.tokenIssued(grantType: "authorization_code", kind: "code")
            return deliver(.success(code: code, for: authorization, issuer: configuration.issuer), branding: branding)
        } catch {
            runtime.logger.error("no authorization code could be issued", metadata: ["error": .string(error.logSummary)])
            return deliver(.error(error, for: authorization, issuer: configuration.issuer), branding: branding)
        }
    }

    /// ``LoginHooks/onDenied``: sends the error to the app (OIDC Core §3.1.2.6).
    func denied(_ authorization: AuthorizationRequest, _ error: OAuthError, _ request: Request) -> Response {
        guard authorization.initiateLoginURI == nil else {
            // IdP-initiated: there is no app request to report to.
            return runtime.pages.render(
                "error", titleKey: "error.title",
                values: [
                    "heading": "The sign-in did not complete", "message": "The sign-in that your identity provider started ended (\(error.error)).",
                    "hint": "Open the app and sign in from there.",
                ],
                branding: .standard, status: .forbidden)
        }
        return deliver(.error(error, for: authorization, issuer: configuration.issuer))
    }

    /// Delivers an authorization response as its mode says: a 303 to the redirect URI with the
    /// parameters in its query, or (`form_post`) a page whose form posts them there — sent by a
    /// one-line script the Content-Security-Policy allows by hash, or by the user's click without scripts.
    func deliver(_ response: AuthorizationResponse, branding: PageBranding = .standard) -> Response {
        switch response.responseMode {
        case .query:
            return Response(status: .seeOther, headers: [.location: response.location])
        case .formPost:
            return runtime.pages.autoPost(
                .authorizationResponse, to: response.redirectURI, fields: response.parameters.map { ($0.name, $0.value) }, branding: branding)
        }
    }

    /// The page for a request that cannot be answered by redirect.
    func errorPage(_ error: OAuthError) -> Response {
        runtime.pages.render(
            "error", titleKey: "error.title",
            values: [
                "heading": "The app sent an invalid sign-in request",
                "message": "\(error.description) (\(error.error)).",
                "hint": "Nothing was changed. This is a problem with the app, not with your account: tell the app's support team.",
            ],
            branding: .standard, status: .badRequest)
    }
}
