import FlowEngine
import Foundation

/// The userinfo endpoint (OIDC Core §5.3) and the claims it adds to the ID token's.
enum UserInfo {
    /// Claims that only the verified ID token may set; userinfo cannot override them.
    static let protectedClaims: Set<String> = [
        "iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "azp", "acr", "amr", "auth_time", "at_hash", "c_hash", "sid", "jti", "tid",
    ]

    /// Fetches userinfo with the access token and checks its `sub` is the ID token's (OIDC Core §5.3.4:
    /// otherwise "the UserInfo Response values MUST NOT be used").
    ///
    /// - Throws: ``FederationError/Code/tokenInvalid`` when `sub` differs; ``FederationError/Code/upstreamHTTP``
    ///   or ``FederationError/Code/malformedMessage`` when the call fails.
    static func fetch(endpoint: URL, accessToken: String, subject: String, http: any UpstreamHTTP) async throws -> [String: PlainJSON] {
        let response = try await http.get(endpoint, headers: ["authorization": "Bearer " + accessToken, "accept": "application/json"])
        guard response.isSuccess else {
            throw FederationError(.upstreamHTTP, "userinfo \(UpstreamHTTPClient.describe(endpoint)) answered HTTP \(response.status)")
        }
        if let type = response.header("content-type"), type.lowercased().hasPrefix("application/jwt") {
            throw FederationError(.malformedMessage, "signed userinfo responses (application/jwt) are not supported")
        }
        guard case .object(let claims) = try response.decodeJSON(PlainJSON.self, what: "userinfo response") else {
            throw FederationError(.malformedMessage, "the userinfo response is not a JSON object")
        }
        guard case .string(let sub)? = claims["sub"], sub == subject else {
            throw FederationError(.tokenInvalid, "userinfo sub is not the ID token's sub; its claims are not used")
        }
        return claims
    }

    /// The ID token's claims with userinfo's added on top, except the protected ones.
    static func merge(_ idToken: [String: PlainJSON], _ userinfo: [String: PlainJSON]) -> [String: PlainJSON] {
        var merged = idToken
        for (name, value) in userinfo where !protectedClaims.contains(name) { merged[name] = value }
        return merged
    }
}

/// Turns verified claims into the flow's ``UpstreamIdentity``.
struct IdentityMapping: Sendable {
    /// Claims not passed on: protocol plumbing, or carried in their own fields.
    static let omittedClaims: Set<String> = ["sub", "aud", "exp", "iat", "nbf", "nonce", "azp", "amr", "auth_time", "at_hash", "c_hash", "jti"]
    /// At most this many claims are passed on, each at most ``maximumValueLength`` characters.
    static let maximumClaims = 64
    /// Longest claim value passed on.
    static let maximumValueLength = 2048

    var levels: OIDCLevelMapping
    var trustsUnverifiedEmail: Bool
    var emailVerifiedClaims: [String]
    var requiredClaims: [String: Set<String>]

    /// Checks ``requiredClaims`` and maps.
    ///
    /// `email` is passed on only when one of ``emailVerifiedClaims`` is `true` (or the connection
    /// trusts unverified email): an unverified address must not link to, or create, an account.
    func identity(connection: ConnectionID, subject: String, claims raw: [String: PlainJSON]) throws -> UpstreamIdentity {
        let claims = IDTokenClaims(raw)
        for (name, accepted) in requiredClaims.sorted(by: { $0.key < $1.key }) {
            guard let value = Self.text(raw[name]), accepted.contains(value) else {
                throw FederationError(.tokenInvalid, "claim \(name) is not one of the accepted values")
            }
        }
        let verified = emailVerifiedClaims.contains { claims.bool($0) == true }
        let email = (verified || trustsUnverifiedEmail) ? claims.email : nil
        var flat: [String: String] = [:]
        for name in raw.keys.sorted() where !Self.omittedClaims.contains(name) && flat.count < Self.maximumClaims {
            if let value = Self.text(raw[name]), value.count <= Self.maximumValueLength { flat[name] = value }
        }
        return UpstreamIdentity(
            connection: connection, subject: subject, email: email, claims: flat, amr: claims.amr,
            level: levels.level(acr: claims.acr, amr: claims.amr))
    }

    /// A claim as text: strings as they are, booleans and numbers printed, arrays of those joined by spaces.
    static func text(_ value: PlainJSON?) -> String? {
        switch value {
        case .string(let s)?: s
        case .bool(let b)?: b ? "true" : "false"
        case .number(let n)?: n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .array(let items)?:
            items.allSatisfy({ if case .array = $0 { false } else if case .object = $0 { false } else { true } })
                ? items.compactMap { text($0) }.joined(separator: " ") : nil
        default: nil
        }
    }
}
