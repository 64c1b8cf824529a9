import HTTPTypes
import Hummingbird
import Logging
import Login
import OIDCProvider

/// Turns every error a route throws into a response: login errors into their pages, HTTP errors into
/// a page for browsers (or the OAuth error JSON, `{"error","error_description"}`, for API clients), and
/// anything else into a 500 page (or `server_error` JSON) that gives the request id and hides the cause
/// (which is logged).
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = GatehouseRequestContext

    /// The pages.
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any PageError {
            let page = error.page
            return pages.render(
                "error", titleKey: "error.title", values: ["heading": page.heading, "message": page.message, "hint": page.hint],
                branding: .standard, status: error.status)
        } catch let error as LoginError {
            // The app or organization of a request is not configured (the OAuth endpoint should have refused it).
            context.logger.notice("login could not be planned", metadata: ["reason": .string(error.reason)])
            return pages.render(
                "error", titleKey: "error.title",
                values: [
                    "heading": "This app is not set up for sign-in", "message": "Gatehouse does not know the app or organization that sent you here.",
                    "hint": "Contact the app's support team.",
                ], branding: .standard, status: .badRequest)
        } catch let error as any HTTPResponseError {
            guard Self.wantsHTML(request) else {
                var response = OAuthError(Self.oauthCode(for: error.status), Self.message(for: error), status: Int(error.status.code))
                    .response
                if let headers = (error as? HTTPError)?.headers { response.headers.append(contentsOf: headers) }
                return response
            }
            var response = pages.render(
                "error", titleKey: "error.title",
                values: [
                    "heading": error.status.reasonPhrase, "message": Self.message(for: error),
                    "hint": "Go back and try again, or start again from the app.",
                ], branding: .standard, status: error.status)
            if let headers = (error as? HTTPError)?.headers { response.headers.append(contentsOf: headers) }
            return response
        } catch {
            // The type only: an error's description may quote input.
            context.logger.error("request failed", metadata: ["error.type": .string(String(reflecting: type(of: error)))])
            guard Self.wantsHTML(request) else {
                return OAuthError.serverError("the request could not be completed (request id \(context.requestID))").response
            }
            return pages.render(
                "error", titleKey: "error.title",
                values: [
                    "heading": "Something went wrong on our side",
                    "message": "Your request could not be completed. Nothing you did caused this.",
                    "hint": "Try again in a moment. If it keeps happening, give your IT team this reference: \(context.requestID).",
                ], branding: .standard, status: .internalServerError)
        }
    }

    static func wantsHTML(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/html") ?? false
    }

    /// The `error` code of a JSON error body: the OAuth codes (RFC 6749 §5.2) that fit the status, so
    /// an API client meets one error shape whichever layer refused its request.
    static func oauthCode(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "invalid_client"
        case 404: "not_found"
        case 500...: "server_error"
        default: "invalid_request"
        }
    }

    static func message(for error: any HTTPResponseError) -> String {
        switch error.status {
        case .notFound: "There is no page at this address."
        case .contentTooLarge: "The request is too large."
        case .methodNotAllowed: "This page cannot be used that way."
        default: (error as? HTTPError)?.body ?? "The request could not be handled."
        }
    }
}
