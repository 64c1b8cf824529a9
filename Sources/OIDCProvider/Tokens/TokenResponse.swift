import Directory
import Foundation

/// A successful token endpoint response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
public struct TokenResponse: Sendable, Hashable, Codable {
    /// The opaque access token (for userinfo; introspectable by the client).
    public var accessToken: String
    /// Always `Bearer`.
    public var tokenType: String
    /// Seconds until the access token expires.
    public var expiresIn: Int
    /// The signed ID token (present whenever the granted scope has `openid`).
    public var idToken: String?
    /// The refresh token, when the grant has `offline_access`.
    public var refreshToken: String?
    /// The granted scope, space-separated.
    public var scope: String

    /// Creates a response.
    public init(accessToken: String, expiresIn: Int, idToken: String?, refreshToken: String?, scope: String) {
        self.accessToken = accessToken
        self.tokenType = "Bearer"
        self.expiresIn = expiresIn
        self.idToken = idToken
        self.refreshToken = refreshToken
        self.scope = scope
    }

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case idToken = "id_token"
        case refreshToken = "refresh_token"
        case scope
    }

    /// The headers every token response (and token error) carries: RFC 6749 §5.1 "MUST include the HTTP
    /// `Cache-Control` response header field with a value of `no-store`".
    public static let httpHeaders = ["Cache-Control": "no-store", "Pragma": "no-cache"]

    /// Whether the response must not be cached: always true; the server sets ``httpHeaders``.
    public var noStore: Bool { true }

    /// The JSON body.
    public var json: Data {
        (try? Self.encoder.encode(self)) ?? Data()
    }

    /// Sorted keys, slashes as they are (what `JSONEncoder` with `.sortedKeys` and
    /// `.withoutEscapingSlashes` writes), without Foundation's containers.
    private static let encoder = RecordEncoder(dates: .secondsSince1970)
}

extension TokenResponse: RecordWritable {
    /// Writes the response as its `Encodable` form gives ``RecordEncoder`` (``json``), keys in byte order.
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("access_token", accessToken)
            members.write("expires_in", expiresIn)
            members.write("id_token", idToken)
            members.write("refresh_token", refreshToken)
            members.write("scope", scope)
            members.write("token_type", tokenType)
        }
    }
}
