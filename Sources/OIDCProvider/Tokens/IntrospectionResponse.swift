import Foundation

/// A token introspection response (RFC 7662 §2.2). An inactive token is `{"active":false}` and nothing else.
public struct IntrospectionResponse: Sendable, Hashable, Codable {
    /// Whether the token is currently usable.
    public var active: Bool
    /// The token's scope.
    public var scope: String?
    /// The client it was issued to.
    public var clientID: String?
    /// The subject (as the client sees it).
    public var sub: String?
    /// The user's email, when the scope released it.
    public var username: String?
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    public var tokenType: String?
    /// Expiry (seconds since 1970).
    public var exp: Int?
    /// Issue time (seconds since 1970).
    public var iat: Int?
    /// The issuer.
    public var iss: String?
    /// The audience: the client id.
    public var aud: String?
    /// The SSO session the token came from.
    public var sid: String?

    /// `{"active":false}`.
    public static let inactive = IntrospectionResponse(active: false)

    init(
        active: Bool, scope: String? = nil, clientID: String? = nil, sub: String? = nil, username: String? = nil,
        tokenType: String? = nil, exp: Int? = nil, iat: Int? = nil, iss: String? = nil, aud: String? = nil, sid: String? = nil
    ) {
        self.active = active
        self.scope = scope
        self.clientID = clientID
        self.sub = sub
        self.username = username
        self.tokenType = tokenType
        self.exp = exp
        self.iat = iat
        self.iss = iss
        self.aud = aud
        self.sid = sid
    }

    private enum CodingKeys: String, CodingKey {
        case active, scope, sub, username, exp, iat, iss, aud, sid
        case clientID = "client_id"
        case tokenType = "token_type"
    }

    /// The JSON body.
    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data(#"{"active":false}"#.utf8)
    }
}
