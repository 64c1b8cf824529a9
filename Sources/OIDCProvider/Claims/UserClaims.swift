import Directory
import FlowEngine
import Foundation

/// The organization claim `org`: which organization the login was for, and where it sits in the
/// hierarchy (root first, ending with `id`).
public struct OrganizationClaim: Sendable, Hashable, Codable {
    /// The organization's id.
    public var id: String
    /// Its display name.
    public var name: String
    /// Root-first path of organization ids (`provider`, `reseller`, `customer`).
    public var path: [String]

    /// Creates the claim.
    public init(id: String, name: String, path: [String]) {
        self.id = id
        self.name = name
        self.path = path
    }
}

extension OrganizationClaim: RecordWritable {
    /// Writes the claim as its `Encodable` form gives ``RecordEncoder``.
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("id", id)
            members.write("name", name)
            members.write("path", path)
        }
    }
}

/// The claims about the user and the login that both the ID token and the userinfo endpoint carry.
///
/// `email` and `email_verified` are released with the `email` scope and `name` with `profile`
/// (OIDC Core §5.4); `org`, `roles`, `acr`, `amr`, `auth_time` and `sid` always, because they are
/// what a B2B app delegates login for. Extra claims set by the flow are added under their own names
/// unless the name is one of the standard claims above or a token claim (``reservedNames``).
public struct UserClaims: Sendable, Hashable, Codable {
    /// Subject identifier (public or pairwise).
    public var sub: String
    /// Email address (with the `email` scope).
    public var email: String?
    /// Whether the email address was verified (with the `email` scope).
    public var emailVerified: Bool?
    /// Display name (with the `profile` scope).
    public var name: String?
    /// The organization of the login.
    public var org: OrganizationClaim?
    /// The user's roles in that organization for this app.
    public var roles: [String]
    /// The level of assurance reached (OIDC Core §2).
    public var acr: String?
    /// Authentication methods used (RFC 8176 values).
    public var amr: [String]?
    /// When the user authenticated (seconds since 1970).
    public var authTime: Int?
    /// The SSO session id (OIDC Front-/Back-Channel Logout `sid`).
    public var sid: String?
    /// Extra string claims from the flow.
    public var extra: [String: String]

    /// Names that extra claims may not take.
    public static let reservedNames: Set<String> = [
        "iss", "sub", "aud", "azp", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr", "sid", "at_hash", "c_hash",
        "email", "email_verified", "name", "org", "roles", "scope", "client_id", "cnf", "typ",
    ]

    /// Builds the claims of `session` as `client` may see them with `scopes`.
    init(session: AuthenticatedSession, subject: String, scopes: [String]) {
        sub = subject
        let email = scopes.contains(Scope.email)
        self.email = email ? session.email : nil
        emailVerified = email ? session.emailVerified : nil
        name = scopes.contains(Scope.profile) ? session.name : nil
        org = session.organization.map { OrganizationClaim(id: $0.id.rawValue, name: $0.name, path: $0.path.map(\.rawValue)) }
        roles = session.roles
        acr = session.acr?.rawValue
        amr = session.amr.isEmpty ? nil : session.amr
        authTime = session.authTime.numericDate
        sid = session.sid
        extra = session.claims.filter { !Self.reservedNames.contains($0.key) }
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case sub, email, name, org, roles, acr, amr, sid
        case emailVerified = "email_verified"
        case authTime = "auth_time"
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the standard claims and every other string claim whose name is not reserved.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sub = try container.decode(String.self, forKey: .sub)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        emailVerified = try container.decodeIfPresent(Bool.self, forKey: .emailVerified)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        org = try container.decodeIfPresent(OrganizationClaim.self, forKey: .org)
        roles = try container.decodeIfPresent([String].self, forKey: .roles) ?? []
        acr = try container.decodeIfPresent(String.self, forKey: .acr)
        amr = try container.decodeIfPresent([String].self, forKey: .amr)
        authTime = try container.decodeIfPresent(Int.self, forKey: .authTime)
        sid = try container.decodeIfPresent(String.self, forKey: .sid)
        let all = try decoder.container(keyedBy: AnyKey.self)
        var extra: [String: String] = [:]
        for key in all.allKeys where !Self.reservedNames.contains(key.stringValue) {
            if let value = try? all.decode(String.self, forKey: key) { extra[key.stringValue] = value }
        }
        self.extra = extra
    }

    /// Encodes the standard claims (absent ones omitted) and the extra claims.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sub, forKey: .sub)
        try container.encodeIfPresent(email, forKey: .email)
        try container.encodeIfPresent(emailVerified, forKey: .emailVerified)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(org, forKey: .org)
        try container.encode(roles, forKey: .roles)
        try container.encodeIfPresent(acr, forKey: .acr)
        try container.encodeIfPresent(amr, forKey: .amr)
        try container.encodeIfPresent(authTime, forKey: .authTime)
        try container.encodeIfPresent(sid, forKey: .sid)
        var others = encoder.container(keyedBy: AnyKey.self)
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) where !Self.reservedNames.contains(name) {
            try others.encode(value, forKey: AnyKey(stringValue: name))
        }
    }

    /// The claims as a JSON object (the userinfo response body).
    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
