import FlowEngine

/// An upstream identity provider: a customer's SAML 2.0 or OIDC IdP, or a social login preset.
public struct Connection: Sendable, Hashable, Codable {
    /// The connection's identifier.
    public var id: ConnectionID
    /// SAML, OIDC or a social preset.
    public var kind: ConnectionKind
    /// The name shown on login pages ("Sign in with Acme Okta").
    public var displayName: String
    /// Maps the upstream's own assurance signal (a SAML `AuthnContextClassRef`, an OIDC `acr` value)
    /// to a configured level (DESIGN.md §5).
    public var levelMapping: [String: LevelName]
    /// Protocol settings (metadata URL, issuer, client id…), opaque here and read by Federation.
    public var settings: PlainJSON?

    /// Creates a connection.
    public init(
        id: ConnectionID, kind: ConnectionKind, displayName: String, levelMapping: [String: LevelName] = [:],
        settings: PlainJSON? = nil
    ) {
        self.id = id
        self.kind = kind
        self.displayName = displayName
        self.levelMapping = levelMapping
        self.settings = settings
    }

    /// The level an upstream signal maps to, if it is mapped.
    /// - Parameter signal: A SAML `AuthnContextClassRef` or an OIDC `acr` value.
    public func level(for signal: String) -> LevelName? { levelMapping[signal] }
}
