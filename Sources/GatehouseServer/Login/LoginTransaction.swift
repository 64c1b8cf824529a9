import FlowEngine
import Foundation
import OIDCProvider

/// The identifier of a login transaction: 128 random bits, base64url, in the page URL (`/login/{id}`).
public struct LoginTransactionID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The id's text.
    public let rawValue: String

    /// Wraps an id read from a URL, or nil when it cannot be one (checked before any store lookup).
    public init?(_ rawValue: String) {
        guard Tokens.isWellFormed(rawValue, byteCount: LoginTransactionID.byteCount) else { return nil }
        self.rawValue = rawValue
    }

    init(trusted rawValue: String) { self.rawValue = rawValue }

    static let byteCount = 16

    /// The id's text.
    public var description: String { rawValue }
}

/// Everything one login needs between two requests, stored so that any node can continue it.
///
/// Nothing about a login is kept in a node's memory: the flow state, the app's authorization
/// request, the CSRF token and what comes after the flow (organization choice, consent) all live here.
public struct LoginTransaction: Sendable, Hashable, Codable {
    /// What the transaction waits for after (or instead of) the flow.
    public enum Stage: Sendable, Hashable, Codable {
        /// The flow runs (its ``FlowState/phase`` says what it waits for).
        case flow
        /// The flow allowed the user; they must pick one of these organizations.
        case pickOrganization(FlowResult, choices: [OrgID])
        /// The user must consent to the third-party app.
        case consent(FlowResult)
    }

    /// The id in the URL.
    public var id: LoginTransactionID
    /// The app's validated authorization request.
    public var authorization: AuthorizationRequest
    /// The runner's request (app, required level, hints, the SSO session used).
    public var request: FlowRequest
    /// The flow's serialised state.
    public var state: FlowState
    /// What comes next.
    public var stage: Stage
    /// The per-transaction CSRF token every form carries.
    public var csrfToken: String
    /// SHA-256 of the browser-binding cookie, when the login was started by ``LoginController/begin(authorizationRequest:request:context:)``.
    public var browserBinding: String?
    /// The SSO session (its `sid`) the login started from, if one was used.
    public var sessionID: String?
    /// Whether the user answered a credential prompt in this transaction (then `auth_time` is now).
    public var authenticatedNow: Bool
    /// The organization named by the branded host the login started on.
    public var hostOrganization: OrgID?
    /// When the transaction started.
    public var createdAt: Date
    /// When the transaction stops being usable (the flow's `timeout_seconds`).
    public var expiresAt: Date

    /// The organization whose branding the pages use: the one the flow found, else the request's hint, else the host's.
    public var brandingOrganization: OrgID? {
        switch stage {
        case .pickOrganization, .flow: state.organization?.id ?? request.organization?.id ?? hostOrganization
        case .consent(let result): result.organization?.id ?? state.organization?.id ?? hostOrganization
        }
    }
}
