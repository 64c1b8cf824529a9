/// A request to authenticate at an upstream IdP (customer SAML/OIDC, or a social provider).
public struct UpstreamRequest: Sendable, Hashable, Codable {
    /// The step that asked.
    public var step: StepName
    /// The connection to use.
    public var connection: ConnectionID
    /// The connection's kind when known from discovery.
    public var kind: ConnectionKind?
    /// An email to pass on as a login hint.
    public var loginHint: String?
    /// The level the app needs, for the upstream request's requested authentication context.
    public var requiredLevel: LevelName?

    /// Creates a request.
    public init(step: StepName, connection: ConnectionID, kind: ConnectionKind?, loginHint: String?, requiredLevel: LevelName?) {
        self.step = step
        self.connection = connection
        self.kind = kind
        self.loginHint = loginHint
        self.requiredLevel = requiredLevel
    }
}

/// The outcome of an upstream authentication, already verified and mapped by Federation.
public enum UpstreamResponse: Sendable, Hashable, Codable {
    /// The IdP authenticated the user.
    case authenticated(UpstreamIdentity)
    /// The IdP refused or the response failed verification.
    case failed(reason: String, message: String)
}

/// A verified upstream identity.
public struct UpstreamIdentity: Sendable, Hashable, Codable {
    /// The connection that vouched for it.
    public var connection: ConnectionID
    /// The upstream subject (SAML NameID, OIDC `sub`).
    public var subject: String
    /// The email address the IdP asserted.
    public var email: String?
    /// Mapped claims.
    public var claims: [String: String]
    /// Methods the IdP asserted (OIDC `amr`; derived for SAML).
    public var amr: [String]
    /// The level mapped from the IdP's signals (AuthnContextClassRef, `acr`).
    public var level: LevelName?

    /// Creates an identity.
    public init(
        connection: ConnectionID, subject: String, email: String?, claims: [String: String] = [:], amr: [String] = [],
        level: LevelName? = nil
    ) {
        self.connection = connection
        self.subject = subject
        self.email = email
        self.claims = claims
        self.amr = amr
        self.level = level
    }
}
