import HTTPTypes

/// An answer from an upstream IdP that the server cannot take, shown as an error page. None of these
/// change a login transaction.
enum FederationPageError: PageError, Sendable, Hashable {
    /// No connection of the right kind has this id.
    case unknownConnection
    /// The callback carries no `RelayState`/`state`, or one that belongs to no sign-in in progress
    /// (unsolicited, expired, already used, or meant for another connection).
    case noPendingLogin
    /// The callback's form or query lacks the message, or repeats a field.
    case malformedAnswer
    /// The connection is configured but cannot be used, or its IdP cannot be reached now.
    case unavailable

    var status: HTTPResponse.Status {
        switch self {
        case .unknownConnection: .notFound
        case .noPendingLogin, .malformedAnswer: .badRequest
        case .unavailable: .serviceUnavailable
        }
    }

    var page: (heading: String, message: String, hint: String) {
        switch self {
        case .unknownConnection:
            ("We do not know this identity provider", "The address does not name a sign-in connection of this server.", "Start again from the app.")
        case .noPendingLogin:
            (
                "This answer from your identity provider does not match a sign-in",
                "The sign-in it answers has already finished, expired, or was not started here. Nothing was changed.",
                "Start again from the app."
            )
        case .malformedAnswer:
            (
                "The identity provider's answer could not be read", "The message Gatehouse expects was missing or sent twice.",
                "Start again from the app."
            )
        case .unavailable:
            (
                "Company sign-in is not available right now", "Gatehouse could not start the sign-in at your organization's identity provider.",
                "Try again in a moment. If it keeps happening, contact your IT team."
            )
        }
    }
}
