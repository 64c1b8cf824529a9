import Foundation
import Hummingbird
import Logging
import OIDCProvider

extension OpenIDProvider {
    /// The parameters of RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2) that the
    /// confirmation form carries back.
    static let logoutParameters = ["id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales"]

    /// ``LoginHooks/onLogout``: checks an end-session request with ``EndSessionValidator``.
    ///
    /// A request without parameters is a plain sign-out. Any problem (a hint we did not sign, an
    /// unregistered `post_logout_redirect_uri`, a repeated parameter) is refused on an error page: the
    /// browser is never sent to a URI that was not checked.
    func logout(_ parameters: [String: [String]]) async throws -> LogoutRequest {
        switch await endSessionValidator.validate(parameters: parameters, now: runtime.clock()) {
        case .success(let end):
            var forwarded: [String: String] = [:]
            for name in Self.logoutParameters { forwarded[name] = parameters[name]?.first }
            return LogoutRequest(
                redirectLocation: end.redirectLocation, sid: end.sid, requiresConfirmation: end.requiresConfirmation, parameters: forwarded)
        case .failure(let error):
            runtime.logger.notice("sign-out request refused", metadata: ["error": .string(error.logSummary)])
            throw HTTPError(.badRequest, message: "The app's sign-out request cannot be used: \(error.description). Nothing was changed.")
        }
    }
}
