import Authenticators
import Crypto
import Directory
import Foundation
import JWTKit

/// The claims of an ID token (OIDC Core §2 and §3.1.3.6): who issued it for whom and when, and the
/// ``UserClaims``.
///
/// ``verify(using:)`` checks nothing: the provider signs these tokens and reads them back only for
/// `id_token_hint`, where it checks `iss` and `aud` itself with an injected clock; relying parties
/// verify with their own library.
public struct IDTokenClaims: JWTPayload, Sendable, Hashable {
    /// Issuer.
    public var iss: String
    /// Audience: the client id.
    public var aud: String
    /// Authorized party: the client id (OIDC Core §2).
    public var azp: String
    /// Expiry (seconds since 1970).
    public var exp: Int
    /// Issue time (seconds since 1970).
    public var iat: Int
    /// The nonce of the authorization request, when it had one.
    public var nonce: String?
    /// Access token hash (OIDC Core §3.1.3.6).
    public var atHash: String?
    /// The claims about the user and the login.
    public var user: UserClaims

    /// Creates the claims.
    public init(iss: String, aud: String, azp: String, exp: Int, iat: Int, nonce: String?, atHash: String?, user: UserClaims) {
        self.iss = iss
        self.aud = aud
        self.azp = azp
        self.exp = exp
        self.iat = iat
        self.nonce = nonce
        self.atHash = atHash
        self.user = user
    }

    /// `at_hash`: base64url of the left-most half of the SHA-256 hash of the access token's ASCII
    /// (OIDC Core §3.1.3.6; SHA-256 because both RS256 and ES256 use it).
    public static func accessTokenHash(_ accessToken: String) -> String {
        Bytes.base64URL(Array(SHA256.hash(data: Array(accessToken.utf8))).prefix(16))
    }

    private enum CodingKeys: String, CodingKey {
        case iss, aud, azp, exp, iat, nonce
        case atHash = "at_hash"
    }

    /// Decodes an ID token payload.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iss = try container.decode(String.self, forKey: .iss)
        aud = try container.decode(String.self, forKey: .aud)
        azp = try container.decode(String.self, forKey: .azp)
        exp = try container.decode(Int.self, forKey: .exp)
        iat = try container.decode(Int.self, forKey: .iat)
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        atHash = try container.decodeIfPresent(String.self, forKey: .atHash)
        user = try UserClaims(from: decoder)
    }

    /// Encodes the token claims and the user claims as one flat JSON object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(iss, forKey: .iss)
        try container.encode(aud, forKey: .aud)
        try container.encode(azp, forKey: .azp)
        try container.encode(exp, forKey: .exp)
        try container.encode(iat, forKey: .iat)
        try container.encodeIfPresent(nonce, forKey: .nonce)
        try container.encodeIfPresent(atHash, forKey: .atHash)
        try user.encode(to: encoder)
    }

    /// Nothing to check here; see the type's documentation.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension IDTokenClaims: RecordWritable {
    /// Writes the claims as ``encode(to:)`` gives ``RecordEncoder`` (the signing key's encoder), one
    /// flat object: the token's claims, the user's and the flow's extra ones, all in the byte order of
    /// their names. An ID token is written at every login.
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.interleave(user.extra.filter { !UserClaims.reservedNames.contains($0.key) })
            members.write("acr", user.acr)
            members.write("amr", user.amr)
            members.write("at_hash", atHash)
            members.write("aud", aud)
            members.write("auth_time", user.authTime)
            members.write("azp", azp)
            members.write("email", user.email)
            members.write("email_verified", user.emailVerified)
            members.write("exp", exp)
            members.write("iat", iat)
            members.write("iss", iss)
            members.write("name", user.name)
            members.write("nonce", nonce)
            members.write("org", user.org)
            members.write("roles", user.roles)
            members.write("sid", user.sid)
            members.write("sub", user.sub)
        }
    }
}
