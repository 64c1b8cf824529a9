import HTTPTypes
import Hummingbird

/// A login request that cannot go on, shown as an error page that says what happened and what to do.
///
/// Thrown by the login routes and rendered by ``ErrorPageMiddleware``; none of these change the
/// stored transaction.
public enum LoginPageError: PageError, Sendable, Hashable {
    /// No transaction has this id (never started, already finished, or long expired).
    case unknownTransaction
    /// The transaction's time is up.
    case expired
    /// The form's CSRF token is missing or wrong.
    case forgedForm
    /// The transaction was started in another browser (its binding cookie is missing or different).
    case otherBrowser
    /// Another request is processing this transaction right now.
    case busy
    /// The body is not a form.
    case badForm

    /// The HTTP status of the page.
    var status: HTTPResponse.Status {
        switch self {
        case .unknownTransaction: .notFound
        case .expired: .gone
        case .forgedForm, .otherBrowser: .forbidden
        case .busy: .conflict
        case .badForm: .badRequest
        }
    }

    /// What the page says: a heading, what happened, what to do.
    var page: (heading: String, message: String, hint: String) {
        switch self {
        case .unknownTransaction:
            (
                "We could not find this sign-in", "The link may be incomplete, or this sign-in has already finished.",
                "Go back to the app and sign in again."
            )
        case .expired:
            (
                "This sign-in has expired", "It was left open for too long, so we stopped it to keep your account safe.",
                "Go back to the app and sign in again."
            )
        case .forgedForm:
            (
                "This form could not be accepted",
                "The page was out of date or the form was not sent from this sign-in page. Nothing was changed.",
                "Go back, reload the page and try again."
            )
        case .otherBrowser:
            (
                "This sign-in belongs to another browser", "Sign-in links only work in the browser where the sign-in started.",
                "Start again from the app in this browser."
            )
        case .busy:
            ("This sign-in is already being processed", "The form was sent twice.", "Wait a moment, then reload the page.")
        case .badForm:
            ("The form could not be read", "What the browser sent was not a form.", "Go back, reload the page and try again.")
        }
    }
}

/// An error the server answers with its own page: a status, and what the page says.
protocol PageError: Error {
    /// The HTTP status of the page.
    var status: HTTPResponse.Status { get }
    /// A heading, what happened, what to do.
    var page: (heading: String, message: String, hint: String) { get }
}
