import Foundation

/// An email address split into its local part and its normalised domain, the input of discovery.
///
/// Parsing is deliberately simple and never traps: surrounding whitespace is trimmed; there must be
/// exactly one `@` (quoted local parts containing `@` are not supported); the local part must be
/// non-empty, at most 64 octets and free of whitespace and control characters (RFC 5321 §4.5.3.1.1);
/// the domain must be a valid domain name and is normalised by ``DomainName/normalise(_:)``; the whole
/// address must be at most 254 octets. Non-ASCII local parts are accepted (RFC 6531).
public struct EmailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Longest accepted local part, in octets.
    public static let maxLocalPartLength = 64
    /// Longest accepted address, in octets.
    public static let maxLength = 254

    /// The part before the `@`, as given (local parts are case-sensitive in principle, RFC 5321 §2.4).
    public let localPart: String
    /// The normalised domain (lowercase ASCII, IDN labels in punycode form).
    public let domain: String

    /// Parses an address.
    /// - Parameter text: The address as typed.
    /// - Throws: ``DirectoryError`` with code `invalidEmail` and a reason naming the broken rule.
    public init(_ text: some StringProtocol) throws(DirectoryError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .invalidEmail(parts.count < 2 ? "the address has no '@'" : "the address has more than one '@'")
        }
        let local = parts[0]
        let domainText = parts[1]
        guard !local.isEmpty else { throw .invalidEmail("the part before '@' is empty") }
        guard !domainText.isEmpty else { throw .invalidEmail("the address has no domain after '@'") }
        guard local.utf8.count <= Self.maxLocalPartLength else {
            throw .invalidEmail("the part before '@' is \(local.utf8.count) octets long; the limit is \(Self.maxLocalPartLength)")
        }
        if local.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            throw .invalidEmail("the part before '@' contains whitespace or a control character")
        }
        let domain: String
        do throws(DirectoryError) {
            domain = try DomainName.normalise(domainText)
        } catch {
            throw .invalidEmail("the domain is invalid: \(error.reason)")
        }
        let length = local.utf8.count + 1 + domain.utf8.count
        guard length <= Self.maxLength else {
            throw .invalidEmail("the address is \(length) octets long; the limit is \(Self.maxLength)")
        }
        self.localPart = String(local)
        self.domain = domain
    }

    /// `local@domain`, with the domain normalised.
    public var description: String { "\(localPart)@\(domain)" }

    /// The key under which users are found by email: the local part lowercased (Gatehouse treats
    /// addresses as case-insensitive, as every mainstream provider does) and the domain normalised.
    public var lookupKey: String { "\(localPart.lowercased())@\(domain)" }

    /// The lookup key for any string: ``lookupKey`` when it parses, otherwise the trimmed, lowercased
    /// text, so a malformed stored address is still found by its exact spelling.
    public static func lookupKey(for text: some StringProtocol) -> String {
        asciiLookupKey(for: String(text)) ?? parsedLookupKey(for: text)
    }

    /// ``lookupKey(for:)`` through the full parse.
    static func parsedLookupKey(for text: some StringProtocol) -> String {
        (try? EmailAddress(text))?.lookupKey ?? text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// ``lookupKey(for:)`` of the usual address, in one pass without parsing: printable ASCII with one
    /// `@` and a domain that lowercasing normalises. Its key is the text lowercased, whether the parse
    /// accepts it (the local part lowercased, the domain already normal) or refuses it (the fallback,
    /// with nothing to trim). nil for anything else.
    static func asciiLookupKey(for text: String) -> String? {
        var bytes = Array(text.utf8)
        var at: Int?
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte > 0x20, byte < 0x7F else { return nil }
            if byte == UInt8(ascii: "@") {
                guard at == nil else { return nil }
                at = index
            } else if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                bytes[index] = byte + 0x20
            }
        }
        guard let at, DomainName.isNormalised(bytes[(at + 1)...]) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes from a string and validates it.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    /// Encodes as the string `description` prints.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
