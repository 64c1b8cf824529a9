/// Scope values the provider understands (OIDC Core §5.4 and §11) and the scope syntax (RFC 6749 §3.3).
public enum Scope {
    /// Makes the request an OpenID Connect request; required.
    public static let openid = "openid"
    /// Releases `name`.
    public static let profile = "profile"
    /// Releases `email` and `email_verified`.
    public static let email = "email"
    /// Asks for a refresh token (OIDC Core §11).
    public static let offlineAccess = "offline_access"

    /// `scopes_supported`: other values in a request are dropped from the grant (RFC 6749 §3.3 lets
    /// the server grant less than asked; the `scope` of the token response says what was granted).
    public static let supported = [openid, profile, email, offlineAccess]

    /// Splits a `scope` parameter into its values, in order, without repeats.
    /// - Returns: nil when a value has a character outside `%x21 / %x23-5B / %x5D-7E` (RFC 6749 §3.3)
    ///   or the parameter is only spaces.
    static func parse(_ text: String) -> [String]? {
        var values: [String] = []
        for value in text.split(separator: " ", omittingEmptySubsequences: true) {
            guard value.utf8.allSatisfy({ $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }) else {
                return nil
            }
            if !values.contains(String(value)) { values.append(String(value)) }
        }
        return values.isEmpty ? nil : values
    }
}
