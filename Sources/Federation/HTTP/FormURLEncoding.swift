import Foundation

/// `application/x-www-form-urlencoded`, as OAuth 2.0 uses it for token requests, authorization
/// requests and responses (RFC 6749 Appendix B; WHATWG URL §5).
public enum FormURLEncoding {
    /// The characters sent as they are; everything else is percent-encoded, and a space becomes `+`.
    private static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._".utf8))

    /// Encodes one name or value.
    public static func encode(component: String) -> String {
        var output = ""
        for byte in component.utf8 {
            if unreserved.contains(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else if byte == UInt8(ascii: " ") {
                output.append("+")
            } else {
                output.append(String(format: "%%%02X", byte))
            }
        }
        return output
    }

    /// Encodes parameters in the given order: `a=1&b=2`.
    public static func encode(_ parameters: [(String, String)]) -> String {
        parameters.map { encode(component: $0.0) + "=" + encode(component: $0.1) }.joined(separator: "&")
    }

    /// Decodes one name or value (`+` is a space; a malformed escape is kept as written).
    public static func decode(component: some StringProtocol) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Decodes `a=1&b=2` into pairs, in order; a name without `=` gets an empty value.
    public static func decode(_ encoded: String) -> [(String, String)] {
        encoded.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(component: parts[0]), parts.count > 1 ? decode(component: parts[1]) : "")
        }
    }

    /// Decodes into a dictionary; the last of repeated names wins.
    public static func decodeDictionary(_ encoded: String) -> [String: String] {
        Dictionary(decode(encoded), uniquingKeysWith: { _, last in last })
    }

    /// `url` with `parameters` appended to its query, keeping any query it already has (RFC 6749 §3.1:
    /// the endpoint's own query component "MUST be retained").
    public static func appending(_ parameters: [(String, String)], to url: URL) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        let added = encode(parameters)
        if let existing = components.percentEncodedQuery, !existing.isEmpty {
            components.percentEncodedQuery = existing + "&" + added
        } else {
            components.percentEncodedQuery = added
        }
        return components.url ?? url
    }
}
