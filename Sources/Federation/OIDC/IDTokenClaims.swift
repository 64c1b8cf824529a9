import FlowEngine
import Foundation

/// The claims of an ID token (OIDC Core §2), read leniently: a claim of the wrong type reads as
/// absent here, and the check that needs it says so.
public struct IDTokenClaims: Sendable, Hashable {
    /// Every claim as sent.
    public let all: [String: PlainJSON]

    /// Wraps a decoded claims object.
    public init(_ all: [String: PlainJSON]) { self.all = all }

    /// `iss`.
    public var issuer: String? { string("iss") }
    /// `sub`.
    public var subject: String? { string("sub") }
    /// `aud`, a string or an array of strings (RFC 7519 §4.1.3); empty when neither.
    public var audiences: [String] {
        switch all["aud"] {
        case .string(let one)?: [one]
        case .array(let many)?: many.compactMap { if case .string(let s) = $0 { s } else { nil } }
        default: []
        }
    }
    /// `exp`.
    public var expiresAt: Date? { date("exp") }
    /// `iat`.
    public var issuedAt: Date? { date("iat") }
    /// `nbf`.
    public var notBefore: Date? { date("nbf") }
    /// `nonce`.
    public var nonce: String? { string("nonce") }
    /// `azp`.
    public var authorizedParty: String? { string("azp") }
    /// `acr`.
    public var acr: String? { string("acr") }
    /// `amr` (RFC 8176 values); empty when absent.
    public var amr: [String] { strings("amr") }
    /// `auth_time`.
    public var authTime: Date? { date("auth_time") }
    /// `email`.
    public var email: String? { string("email") }
    /// `tid` (Microsoft's tenant id).
    public var tenantID: String? { string("tid") }

    /// A string claim.
    public func string(_ name: String) -> String? {
        if case .string(let value)? = all[name] { return value }
        return nil
    }

    /// A boolean claim; the string `"true"`/`"false"` is accepted too (Apple sends `email_verified` as a string).
    public func bool(_ name: String) -> Bool? {
        switch all[name] {
        case .bool(let value)?: value
        case .string("true")?: true
        case .string("false")?: false
        default: nil
        }
    }

    /// A NumericDate claim (seconds since the epoch, RFC 7519 §2).
    public func date(_ name: String) -> Date? {
        if case .number(let seconds)? = all[name], seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
        return nil
    }

    /// An array-of-strings claim (non-strings dropped); a single string counts as one element.
    public func strings(_ name: String) -> [String] {
        switch all[name] {
        case .array(let values)?: values.compactMap { if case .string(let s) = $0 { s } else { nil } }
        case .string(let one)?: [one]
        default: []
        }
    }
}

/// The protected header of a JWS (RFC 7515 §4), as far as ID token checks read it.
public struct JOSEHeader: Sendable, Hashable {
    /// Every header parameter as sent.
    public let all: [String: PlainJSON]

    /// Wraps a decoded header object.
    public init(_ all: [String: PlainJSON]) { self.all = all }

    /// `alg`.
    public var algorithm: String? { if case .string(let s)? = all["alg"] { s } else { nil } }
    /// `kid`.
    public var keyID: String? { if case .string(let s)? = all["kid"] { s } else { nil } }
    /// `typ`.
    public var type: String? { if case .string(let s)? = all["typ"] { s } else { nil } }
    /// `crit`: extensions the recipient must understand (RFC 7515 §4.1.11).
    public var critical: PlainJSON? { all["crit"] }
}

/// A compact JWS split into its parts, with header and payload decoded; nothing verified yet.
struct CompactJWS {
    /// The largest token accepted, far above any real ID token.
    static let maximumLength = 64 * 1024

    let header: JOSEHeader
    let claims: IDTokenClaims
    let signature: [UInt8]

    /// - Throws: ``FederationError/Code/messageTooLarge`` or ``FederationError/Code/malformedMessage``.
    init(_ token: String) throws {
        guard token.utf8.count <= Self.maximumLength else {
            throw FederationError(.messageTooLarge, "the token is \(token.utf8.count) bytes; at most \(Self.maximumLength) are accepted")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 5 {
            throw FederationError(.malformedMessage, "the token is a JWE (5 parts); encrypted ID tokens are not supported")
        }
        guard parts.count == 3 else {
            throw FederationError(.malformedMessage, "the token has \(parts.count) parts; a signed JWT has 3")
        }
        func object(_ part: Substring, _ name: String) throws -> [String: PlainJSON] {
            guard let bytes = Base64URL.decode(part) else {
                throw FederationError(.malformedMessage, "the \(name) is not base64url")
            }
            guard case .object(let members)? = try? JSONDecoder().decode(PlainJSON.self, from: Data(bytes)) else {
                throw FederationError(.malformedMessage, "the \(name) is not a JSON object")
            }
            return members
        }
        header = JOSEHeader(try object(parts[0], "header"))
        claims = IDTokenClaims(try object(parts[1], "payload"))
        guard let signature = Base64URL.decode(parts[2]) else {
            throw FederationError(.malformedMessage, "the signature is not base64url")
        }
        self.signature = signature
    }
}
