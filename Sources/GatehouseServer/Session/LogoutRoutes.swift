import Directory
import FlowEngine
import Foundation
import Hummingbird
import Logging
import OIDCProvider

/// Signing out: a confirmation page (a plain link must not be able to sign anyone out), then the
/// session ends for every app and the cookie is removed.
enum LogoutRoutes {
    /// Adds `GET /logout` and `POST /logout`.
    static func add(to router: Router<GatehouseRequestContext>, runtime: GatehouseRuntime) {
        let sessions = runtime.sessions
        let secure = runtime.configuration.issuerIsHTTPS
        router.get("/logout") { request, _ in
            guard let record = try await sessions.find(cookie: request.cookies[SessionStore.cookieName]?.value, now: runtime.clock()) else {
                return signedOut(runtime)
            }
            let apps = record.apps.map { ["name": runtime.directory.application($0)?.name ?? $0.rawValue] }
            return runtime.pages.render(
                "logout", titleKey: "logout.title",
                values: [
                    "action": "/logout", "csrf": record.logoutToken, "email": record.session.email, "apps": apps, "hasApps": !apps.isEmpty,
                ],
                branding: runtime.branding(for: record.session.organization?.id))
        }
        router.post("/logout") { request, context in
            let form = try await LoginForm.decode(request, context: context)
            guard let record = try await sessions.find(cookie: request.cookies[SessionStore.cookieName]?.value, now: runtime.clock()) else {
                var response = signedOut(runtime)
                response.setCookie(SessionStore.expiredCookie(secure: secure))
                return response
            }
            guard let token = form.csrf, Tokens.constantTimeEquals(token, record.logoutToken) else { throw LoginPageError.forgedForm }
            try await sessions.end(sid: record.session.sid)
            context.logger.info("signed out", metadata: ["user": .string(record.session.user.rawValue)])
            var response = signedOut(runtime, organization: record)
            response.setCookie(SessionStore.expiredCookie(secure: secure))
            return response
        }
    }

    private static func signedOut(_ runtime: GatehouseRuntime, organization record: SessionRecord? = nil) -> Response {
        runtime.pages.render("signed-out", titleKey: "signed_out.title", branding: runtime.branding(for: record?.session.organization?.id))
    }
}
