import Foundation

/// The `samlp:Status` of a Response (SAML Core §3.2.2.1), and what it means for the login.
public struct SAMLStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The top-level `StatusCode/@Value` (Success, Requester, Responder, VersionMismatch).
    public var code: String
    /// The nested second-level `StatusCode/@Value`, if any (AuthnFailed, NoPassive, RequestDenied…).
    public var subcode: String?
    /// The IdP's `StatusMessage`, if any (shown to administrators, never to end users as-is).
    public var message: String?

    /// Creates a status.
    public init(code: String, subcode: String? = nil, message: String? = nil) {
        self.code = code
        self.subcode = subcode
        self.message = message
    }

    /// A successful status.
    public static let success = SAMLStatus(code: SAML.StatusCode.success)

    /// What went wrong, as the login flow sees it.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Success.
        case success
        /// The IdP could not authenticate the user (wrong password, cancelled).
        case authnFailed = "authn_failed"
        /// The IdP refused (the user is not assigned to the application, policy).
        case requestDenied = "request_denied"
        /// A passive request could not be satisfied without user interaction.
        case noPassive = "no_passive"
        /// The requested authentication context cannot be met.
        case noAuthnContext = "no_authn_context"
        /// The IdP does not know the user.
        case unknownPrincipal = "unknown_principal"
        /// The requested NameID format cannot be provided.
        case invalidNameIDPolicy = "invalid_name_id_policy"
        /// Our request was wrong in some other way (Requester).
        case requester
        /// The IdP failed (Responder), or a status Gatehouse does not know.
        case responder
        /// The IdP does not speak SAML 2.0.
        case versionMismatch = "version_mismatch"
    }

    /// The kind: the second-level code when it is one Gatehouse knows, else the top-level code.
    public var kind: Kind {
        switch subcode {
        case SAML.StatusCode.authnFailed: return .authnFailed
        case SAML.StatusCode.requestDenied: return .requestDenied
        case SAML.StatusCode.noPassive: return .noPassive
        case SAML.StatusCode.noAuthnContext: return .noAuthnContext
        case SAML.StatusCode.unknownPrincipal: return .unknownPrincipal
        case SAML.StatusCode.invalidNameIDPolicy: return .invalidNameIDPolicy
        default: break
        }
        switch code {
        case SAML.StatusCode.success: return .success
        case SAML.StatusCode.requester: return .requester
        case SAML.StatusCode.versionMismatch: return .versionMismatch
        default: return .responder
        }
    }

    /// Whether the top-level code is Success.
    public var isSuccess: Bool { code == SAML.StatusCode.success }

    /// A sentence for the end user's error page.
    public var userMessage: String {
        switch kind {
        case .success: "Your identity provider signed you in."
        case .authnFailed: "Your identity provider could not sign you in."
        case .requestDenied: "Your identity provider did not allow this sign-in. Ask your administrator for access to this application."
        case .noPassive: "Your identity provider needs you to sign in again."
        case .noAuthnContext: "Your identity provider cannot provide the sign-in strength this application requires."
        case .unknownPrincipal: "Your identity provider does not know this account."
        case .invalidNameIDPolicy, .requester, .versionMismatch: "The sign-in request was not accepted by your identity provider."
        case .responder: "Your identity provider reported an error."
        }
    }

    /// `code[/subcode]: message`, for logs and `saml inspect`.
    public var description: String {
        var text = code.components(separatedBy: ":").last ?? code
        if let subcode { text += "/" + (subcode.components(separatedBy: ":").last ?? subcode) }
        if let message, !message.isEmpty { text += ": " + message }
        return text
    }
}
