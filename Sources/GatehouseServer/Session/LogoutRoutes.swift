import Directory
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OIDCProvider

/// Signing out: a confirmation page (a plain link must not be able to sign anyone out), then the
/// session ends for every app, the cookie is removed, and the browser goes where the request said.
///
/// The ``LoginHooks/onLogout`` hook reads the request's parameters first (the OIDC endpoints check
/// RP-initiated logout there). The page is skipped only when the hook says the request proves it
/// comes from an app of this very session (an `id_token_hint` whose `sid` is the browser's session).
/// An app may also send the request as a form POST; a POST that carries the confirmation form's
/// `csrf` is the user's confirmation.
enum LogoutRoutes {
    /// Adds `GET /logout` and `POST /logout`.
    static func add(to router: Router<GatehouseRequestContext>, runtime: GatehouseRuntime, hooks: LoginHooks) {
        router.get("/logout") { request, context in
            let parameters = OAuthParameters.parse(request.uri.query ?? "")
            return try await handle(parameters, confirmation: nil, request: request, context: context, runtime: runtime, hooks: hooks)
        }
        router.post("/logout") { request, context in
            let body = try await request.body.collect(upTo: context.bodyLimit)
            var parameters = OAuthParameters.parse(String(buffer: body))
            let csrf = parameters.removeValue(forKey: "csrf")
            return try await handle(
                parameters, confirmation: csrf.map { $0.first ?? "" }, request: request, context: context, runtime: runtime, hooks: hooks)
        }
    }

    /// - Parameter confirmation: The confirmation form's token; nil when the request is not that form.
    private static func handle(
        _ parameters: [String: [String]], confirmation: String?, request: Request, context: GatehouseRequestContext,
        runtime: GatehouseRuntime, hooks: LoginHooks
    ) async throws -> Response {
        let logout = try await hooks.onLogout(parameters)
        let sessions = runtime.sessions
        guard let record = try await sessions.find(cookie: request.cookies[SessionStore.cookieName]?.value, now: runtime.clock()) else {
            // Nothing to end (already signed out, or another browser): go on as if it just ended.
            return finished(logout, runtime: runtime)
        }
        if let confirmation {
            guard Tokens.constantTimeEquals(confirmation, record.logoutToken) else { throw LoginPageError.forgedForm }
        } else if logout.requiresConfirmation || logout.sid != record.session.sid {
            return confirmationPage(record, logout, runtime: runtime)
        }
        try await sessions.end(sid: record.session.sid)
        context.logger.info("signed out", metadata: ["user": .string(record.session.user.rawValue)])
        return finished(logout, organization: record.session.organization?.id, runtime: runtime)
    }

    private static func confirmationPage(_ record: SessionRecord, _ logout: LogoutRequest, runtime: GatehouseRuntime) -> Response {
        let apps = record.apps.map { ["name": runtime.directory.application($0)?.name ?? $0.rawValue] }
        let forwarded = logout.parameters.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
        return runtime.pages.render(
            "logout", titleKey: "logout.title",
            values: [
                "action": "/logout", "csrf": record.logoutToken, "email": record.session.email, "apps": apps, "hasApps": !apps.isEmpty,
                "forwarded": forwarded,
            ],
            branding: runtime.branding(for: record.session.organization?.id),
            // Browsers check form-action against the redirect that answers the form, too.
            policy: .login(redirectURI: logout.redirectLocation))
    }

    /// The signed-out page, or the redirect the request asked for; either way the cookie goes.
    private static func finished(_ logout: LogoutRequest, organization: OrgID? = nil, runtime: GatehouseRuntime) -> Response {
        var response =
            if let location = logout.redirectLocation {
                Response(status: .seeOther, headers: [.location: location])
            } else {
                runtime.pages.render("signed-out", titleKey: "signed_out.title", branding: runtime.branding(for: organization))
            }
        response.setCookie(SessionStore.expiredCookie(secure: runtime.configuration.issuerIsHTTPS))
        return response
    }
}
