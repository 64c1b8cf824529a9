import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OIDCProvider

extension OpenIDProvider {
    /// `POST /token` (RFC 6749 §3.2, OIDC Core §3.1.3): a form body, client authentication, and a JSON
    /// answer that is never cached; errors are the standard JSON with their status (401 with
    /// `WWW-Authenticate` for a failed Basic authentication).
    func token(_ request: Request, context: GatehouseRequestContext) async -> Response {
        await answer("token", context: context) { () async throws(OAuthError) -> Response in
            let parameters = try await OAuthMessages.form(request, context: context)
            let response = try await tokens.token(
                parameters: parameters, authorizationHeader: try OAuthMessages.authorization(request), now: runtime.clock())
            let grantType = parameters["grant_type"]?.first ?? "unknown"
            runtime.metrics.tokenIssued(grantType: grantType, kind: "access_token")
            if response.idToken != nil { runtime.metrics.tokenIssued(grantType: grantType, kind: "id_token") }
            if response.refreshToken != nil { runtime.metrics.tokenIssued(grantType: grantType, kind: "refresh_token") }
            return OAuthMessages.json(response.json)
        }
    }

    /// `GET|POST /userinfo` (OIDC Core §5.3): the bearer token in the `Authorization` header, or in a
    /// POSTed form as `access_token` (RFC 6750 §2.2) — never both (§2: one method per request).
    func userInfo(_ request: Request, context: GatehouseRequestContext) async -> Response {
        await answer("userinfo", context: context) { () async throws(OAuthError) -> Response in
            var authorization = try OAuthMessages.authorization(request)
            if request.method == .post, OAuthMessages.hasFormBody(request) {
                let form = try await OAuthMessages.form(request, context: context)
                if let values = form["access_token"] {
                    guard authorization == nil, values.count == 1 else {
                        throw OAuthError(
                            "invalid_request", "send the access token once: in the Authorization header or the form", status: 400,
                            wwwAuthenticate: #"Bearer realm="\#(configuration.issuer)", error="invalid_request""#)
                    }
                    authorization = "Bearer " + values[0]
                }
            }
            let claims = try await tokens.userInfo(authorizationHeader: authorization, now: runtime.clock())
            return OAuthMessages.json(claims.json)
        }
    }

    /// `POST /introspect` (RFC 7662): the authenticated client's own tokens only.
    func introspect(_ request: Request, context: GatehouseRequestContext) async -> Response {
        await answer("introspection", context: context) { () async throws(OAuthError) -> Response in
            let response = try await tokens.introspect(
                parameters: try await OAuthMessages.form(request, context: context),
                authorizationHeader: try OAuthMessages.authorization(request), now: runtime.clock())
            return OAuthMessages.json(response.json)
        }
    }

    /// `POST /revoke` (RFC 7009): 200 with an empty body whether or not the token existed (§2.2).
    func revoke(_ request: Request, context: GatehouseRequestContext) async -> Response {
        await answer("revocation", context: context) { () async throws(OAuthError) -> Response in
            try await tokens.revoke(
                parameters: try await OAuthMessages.form(request, context: context),
                authorizationHeader: try OAuthMessages.authorization(request), now: runtime.clock())
            return Response(status: .ok, headers: OAuthMessages.noStore)
        }
    }

    /// Runs an endpoint and turns its ``OAuthError`` into the standard error response, logged without secrets.
    private func answer(
        _ endpoint: String, context: GatehouseRequestContext, _ body: () async throws(OAuthError) -> Response
    ) async -> Response {
        do {
            return try await body()
        } catch {
            let level: Logger.Level = error.status >= 500 ? .error : .notice
            context.logger.log(level: level, "\(endpoint) request refused", metadata: ["error": .string(error.logSummary)])
            var error = error
            // RFC 9110 §15.5.2: every 401 carries a challenge, also when the client did not try Basic.
            if error.status == 401, error.wwwAuthenticate == nil { error.wwwAuthenticate = "Basic realm=\"\(configuration.issuer)\"" }
            return error.response
        }
    }
}
