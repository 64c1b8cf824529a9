import Foundation

extension SAML.Namespace {
    /// `urn:oasis:names:tc:SAML:2.0:metadata` (prefix `md`), SAML Metadata §2.
    public static let metadata = "urn:oasis:names:tc:SAML:2.0:metadata"
    /// XML-DSig (prefix `ds`): `KeyInfo`, `X509Data`, `X509Certificate`, `Signature`.
    public static let xmlDSig = "http://www.w3.org/2000/09/xmldsig#"
}

extension SAML {
    /// The `protocolSupportEnumeration` token of SAML 2.0 (SAML Metadata §2.4.1): a role descriptor
    /// without it is not for SAML 2.0 and is ignored.
    public static let protocolSupport = SAML.Namespace.protocol
}

/// An endpoint of a role descriptor (SAML Metadata §2.2.2): `SingleSignOnService`,
/// `AssertionConsumerService`, …
public struct SAMLMetadataEndpoint: Sendable, Hashable, Codable {
    /// `Binding`: a binding URI (``SAMLBinding`` for the two Gatehouse speaks).
    public var binding: String
    /// `Location`: the URL.
    public var location: String
    /// `index`, for indexed endpoints such as `AssertionConsumerService`.
    public var index: Int?
    /// `isDefault`, for indexed endpoints.
    public var isDefault: Bool?

    /// Creates an endpoint.
    public init(binding: String, location: String, index: Int? = nil, isDefault: Bool? = nil) {
        self.binding = binding
        self.location = location
        self.index = index
        self.isDefault = isDefault
    }

    /// The binding, when it is HTTP-Redirect or HTTP-POST.
    public var samlBinding: SAMLBinding? { SAMLBinding(rawValue: binding) }
}

/// `xs:duration` values (XML Schema Part 2 §3.2.6) as metadata's `cacheDuration` uses them:
/// `P1D`, `PT6H`, `PT3600S`, `P1Y2M3DT4H5M6.5S`.
///
/// Years and months have no fixed length; like Shibboleth and pysaml2, a year counts 365 days and a
/// month 30, which only matters for a cache hint. Negative durations are refused.
enum SAMLDuration {
    /// The duration in seconds, or nil when `text` is not a non-negative `xs:duration`.
    static func parse(_ text: String) -> TimeInterval? {
        var rest = Substring(text.trimmingXMLWhitespace())
        guard rest.first == "P" else { return nil }
        rest = rest.dropFirst()
        var seconds: TimeInterval = 0
        var inTime = false
        var sawComponent = false
        var number = ""
        // Designators allowed, in order, before and after `T`.
        var dateUnits: [(Character, TimeInterval)] = [("Y", 365 * 86_400), ("M", 30 * 86_400), ("D", 86_400)]
        var timeUnits: [(Character, TimeInterval)] = [("H", 3_600), ("M", 60), ("S", 1)]
        for character in rest {
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            if character.isASCII, character.isNumber || (character == "." && inTime && !number.contains(".")) {
                number.append(character)
                continue
            }
            guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
            guard number.contains(".") == false || character == "S" else { return nil }
            if inTime {
                guard let position = timeUnits.firstIndex(where: { $0.0 == character }) else { return nil }
                seconds += value * timeUnits[position].1
                timeUnits.removeFirst(position + 1)
            } else {
                guard let position = dateUnits.firstIndex(where: { $0.0 == character }) else { return nil }
                seconds += value * dateUnits[position].1
                dateUnits.removeFirst(position + 1)
            }
            number = ""
            sawComponent = true
        }
        guard number.isEmpty, sawComponent, !(inTime && timeUnits.count == 3) else { return nil }
        return seconds
    }

    /// `PT<seconds>S`, whole seconds.
    static func format(_ seconds: TimeInterval) -> String {
        "PT\(Int(seconds.rounded(.down)))S"
    }
}

extension PEM {
    /// A `CERTIFICATE` PEM block of `der`, base64 in 64-character lines (RFC 7468 §2).
    static func certificate(der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString()
        var lines: [Substring] = []
        var start = base64.startIndex
        while start < base64.endIndex {
            let end = base64.index(start, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(base64[start..<end])
            start = end
        }
        return "-----BEGIN CERTIFICATE-----\n" + lines.joined(separator: "\n") + "\n-----END CERTIFICATE-----\n"
    }
}
