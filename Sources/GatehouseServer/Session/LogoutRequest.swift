/// What a sign-out request asks for, once the ``LoginHooks/onLogout`` hook has checked its parameters:
/// which session the app names, whether the user must confirm, and where the browser goes afterwards.
///
/// The OIDC endpoints build it from an RP-initiated logout request (OpenID Connect RP-Initiated
/// Logout 1.0 §2); a plain `/logout` with no parameters is ``plain``.
public struct LogoutRequest: Sendable, Hashable {
    /// Where to send the browser once signed out (a checked, registered URI with `state`); nil shows
    /// the signed-out page.
    public var redirectLocation: String?
    /// The SSO session (`sid`) the app's ID token names, when it sent one.
    public var sid: String?
    /// Whether the user must confirm: the request does not prove that an app of this very session sent it.
    public var requiresConfirmation: Bool
    /// The request's parameters, carried through the confirmation form so the confirmed request is
    /// checked again rather than trusted.
    public var parameters: [String: String]

    /// Creates a request.
    public init(redirectLocation: String?, sid: String?, requiresConfirmation: Bool, parameters: [String: String]) {
        self.redirectLocation = redirectLocation
        self.sid = sid
        self.requiresConfirmation = requiresConfirmation
        self.parameters = parameters
    }

    /// A sign-out the user asked for on Gatehouse itself: confirm, then show the signed-out page.
    public static let plain = LogoutRequest(redirectLocation: nil, sid: nil, requiresConfirmation: true, parameters: [:])
}
