import FlowEngine
import Foundation
import JWTKit

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
///
/// Kept as jwt-kit decoded it; ``all`` converts on demand, since a verification reads only `alg`,
/// `kid` and `crit`.
public struct JOSEHeader: Sendable, Hashable {
    private let fields: [String: JWTHeaderField]

    /// Wraps a decoded header object.
    public init(_ all: [String: PlainJSON]) { self.fields = all.mapValues(JWTHeaderField.init) }

    /// Wraps the header jwt-kit decoded.
    init(_ header: JWTHeader) { self.fields = header.fields }

    /// Every header parameter as sent.
    public var all: [String: PlainJSON] { fields.mapValues(PlainJSON.init) }
    /// `alg`.
    public var algorithm: String? { string("alg") }
    /// `kid`.
    public var keyID: String? { string("kid") }
    /// `typ`.
    public var type: String? { string("typ") }
    /// `crit`: extensions the recipient must understand (RFC 7515 §4.1.11).
    public var critical: PlainJSON? { fields["crit"].map(PlainJSON.init) }

    private func string(_ name: String) -> String? {
        if case .string(let value)? = fields[name] { value } else { nil }
    }
}

/// A compact JWS parsed by jwt-kit (``DefaultJWTParser``): header and payload decoded, the signature
/// and the signing input (`header.payload`) kept for the signature check; nothing verified yet.
///
/// This is the only place an ID token is parsed: the signature is then checked over ``signingInput``
/// with the key's `JWTAlgorithm`, instead of handing the token to `JWTKeyCollection.verify`, which
/// would split and decode it a second time.
struct CompactJWS {
    /// The largest token accepted, far above any real ID token.
    static let maximumLength = 64 * 1024

    /// One parser for every token; jwt-kit's parser is a `Sendable` value.
    private static let parser = DefaultJWTParser(jsonDecoder: JOSEObjectDecoder())

    let header: JOSEHeader
    let claims: IDTokenClaims
    let signature: Data
    /// The bytes the signature covers (RFC 7515 §5.2: `BASE64URL(header) || '.' || BASE64URL(payload)`).
    let signingInput: ArraySlice<UInt8>

    /// - Throws: ``FederationError/Code/messageTooLarge`` or ``FederationError/Code/malformedMessage``.
    init(_ token: String) throws {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumLength else {
            throw FederationError(.messageTooLarge, "the token is \(bytes.count) bytes; at most \(Self.maximumLength) are accepted")
        }
        let parsed: (header: JWTHeader, payload: ClaimSet, signature: Data)
        do {
            parsed = try Self.parser.parse(bytes, as: ClaimSet.self)
        } catch let error as JWTError {
            let periods = bytes.reduce(0) { $1 == UInt8(ascii: ".") ? $0 + 1 : $0 }
            if periods == 4 {
                throw FederationError(.malformedMessage, "the token is a JWE (5 parts); encrypted ID tokens are not supported")
            }
            guard periods == 2 else {
                throw FederationError(.malformedMessage, "the token has \(periods + 1) parts; a signed JWT has 3")
            }
            throw FederationError(.malformedMessage, "the token is not a JWS whose header and payload are JSON objects: \(error.reason ?? "\(error)")")
        }
        header = JOSEHeader(parsed.header)
        claims = IDTokenClaims(parsed.payload.claims)
        signature = parsed.signature
        // RFC 7515 §7.1: the signing input is everything before the second (and last) period.
        signingInput = bytes[..<bytes.lastIndex(of: UInt8(ascii: "."))!]
    }
}

/// The JSON decoder jwt-kit's parser uses for ID tokens: the header and the claims, each a JSON
/// object, are read by Gatehouse's strict RFC 8259 grammar (the one flow files go through, here
/// building ``PlainJSON`` without positions: `PlainJSON.parse`), instead of through Foundation's
/// `JSONDecoder` and `Decodable` containers, which cost more than the RSA verification itself.
///
/// The parser refuses duplicate member names, which RFC 7515 §5.2 and RFC 7519 §7.2 allow a recipient
/// to do (a token with two `iss` or two `alg` is ambiguous), as well as nesting deeper than 32 levels.
/// Any other type jwt-kit asks for goes to Foundation's decoder.
struct JOSEObjectDecoder: JWTJSONDecoder {
    private static let limits = JSONLimits(maxBytes: CompactJWS.maximumLength, maxDepth: 32)

    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if T.self == JWTHeader.self {
            return JWTHeader(fields: try Self.object(data, "header").mapValues(JWTHeaderField.init)) as! T  // T is JWTHeader
        }
        if T.self == ClaimSet.self {
            return ClaimSet(try Self.object(data, "claims")) as! T  // T is ClaimSet
        }
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// The members of the JSON object in `data`.
    /// - Throws: ``FederationError/Code/malformedMessage`` when `data` is not one JSON object.
    static func object(_ data: Data, _ part: String) throws -> [String: PlainJSON] {
        let value: PlainJSON
        do {
            value = try PlainJSON.parse(data, file: part, limits: limits)
        } catch {
            throw FederationError(.malformedMessage, "the token's \(part) is not valid JSON: \(error.message) at \(error.location.line):\(error.location.column)")
        }
        guard case .object(let members) = value else {
            throw FederationError(.malformedMessage, "the token's \(part) is not a JSON object")
        }
        return members
    }
}

extension JWTHeaderField {
    /// The same JSON value, as a jwt-kit header field (a whole number as `int`).
    init(_ json: PlainJSON) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let value):
            if let whole = Int(exactly: value) { self = .int(whole) } else { self = .decimal(value) }
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(JWTHeaderField.init))
        case .object(let members): self = .object(members.mapValues(JWTHeaderField.init))
        }
    }
}

extension PlainJSON {
    /// The same JSON value, from a jwt-kit header field.
    init(_ field: JWTHeaderField) {
        switch field {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .number(Double(value))
        case .decimal(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(PlainJSON.init))
        case .object(let members): self = .object(members.mapValues(PlainJSON.init))
        }
    }
}
