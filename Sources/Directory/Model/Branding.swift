/// How hosted login pages look for an organization's users.
public struct Branding: Sendable, Hashable, Codable {
    /// The name shown on login pages, when it differs from the organization's name.
    public var displayName: String?
    /// An absolute http(s) URL of the logo.
    public var logoURL: String?
    /// The main colour, as `#rgb` or `#rrggbb`.
    public var primaryColor: String?
    /// Replacement texts for page strings, by text key.
    public var texts: [String: String]

    /// Creates branding.
    public init(displayName: String? = nil, logoURL: String? = nil, primaryColor: String? = nil, texts: [String: String] = [:]) {
        self.displayName = displayName
        self.logoURL = logoURL
        self.primaryColor = primaryColor
        self.texts = texts
    }
}
