import Authenticators
import Foundation

/// Request parameters as OAuth reads them: every name with every value it was given, so a repeated
/// parameter can be refused (RFC 6749 §3.1 and §3.2: "Request and response parameters MUST NOT be
/// included more than once").
///
/// The HTTP layer hands the provider `[String: [String]]` built from the query string or the
/// `application/x-www-form-urlencoded` body; ``parse(_:)`` builds one from raw text.
public enum OAuthParameters {
    /// Decodes `application/x-www-form-urlencoded` text (a query string without `?`, or a form body):
    /// `+` is a space, `%XX` a byte of UTF-8. A pair that does not decode is kept under the name
    /// `""` so that callers see the request as malformed rather than silently shorter.
    /// - Parameter text: The encoded pairs, `&`-separated.
    /// - Returns: Every name with its values, in the order given.
    public static func parse(_ text: String) -> [String: [String]] {
        var text = text
        // Split the contiguous UTF-8 bytes: `&` and `=` are ASCII, and a posted SAMLResponse is tens of
        // kilobytes, which neither grapheme clusters nor String indices should walk.
        return text.withUTF8 { bytes in
            var result: [String: [String]] = [:]
            for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
                let equals = pair.firstIndex(of: UInt8(ascii: "="))
                let name = UnsafeBufferPointer(rebasing: pair[..<(equals ?? pair.endIndex)])
                let value = UnsafeBufferPointer(rebasing: pair[(equals.map { $0 + 1 } ?? pair.endIndex)...])
                guard let name = formDecode(name), let value = formDecode(value) else {
                    result["", default: []].append(String(decoding: pair, as: UTF8.self))
                    continue
                }
                result[name, default: []].append(value)
            }
            return result
        }
    }

    /// Encodes one name or value for `application/x-www-form-urlencoded` and query strings: every
    /// byte outside the RFC 3986 unreserved set becomes `%XX`, so `+`, `&` and `=` in a `state` arrive intact.
    public static func encode(_ text: String) -> String { Bytes.percentEncoded(text) }

    /// Encodes pairs as `name=value&…`, in order.
    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        var output: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            Bytes.appendPercentEncoded(pair.name, to: &output)
            output.append(UInt8(ascii: "="))
            Bytes.appendPercentEncoded(pair.value, to: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `uri` with `query` (already encoded) added to its query, keeping any query it has (RFC 6749
    /// §3.1.2: a redirection URI's query "MUST" be retained).
    public static func appending(_ query: String, to uri: String) -> String {
        uri + (uri.utf8.contains(UInt8(ascii: "?")) ? "&" : "?") + query
    }

    /// Decodes one form-urlencoded component; nil when a `%` escape is malformed or the bytes are not UTF-8.
    /// Works on the UTF-8 bytes: a posted SAMLResponse is tens of kilobytes, and Foundation's
    /// percent-decoding goes through `NSString` on Linux.
    static func formDecode(_ text: some StringProtocol) -> String? {
        var text = String(text)
        return text.withUTF8 { formDecode($0) }
    }

    /// Decodes one form-urlencoded component given as UTF-8 bytes.
    static func formDecode(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        func digit(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        // Nothing escaped: the bytes only need to be valid UTF-8.
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(validating: utf8, as: UTF8.self)
        }
        var malformed = false
        // Never longer than the encoded bytes.
        let decoded = [UInt8](unsafeUninitializedCapacity: utf8.count) { output, written in
            var index = 0
            while index < utf8.count {
                var byte = utf8[index]
                index += 1
                if byte == UInt8(ascii: "+") {
                    byte = UInt8(ascii: " ")
                } else if byte == UInt8(ascii: "%") {
                    guard index + 1 < utf8.count, let high = digit(utf8[index]), let low = digit(utf8[index + 1]) else {
                        malformed = true
                        return
                    }
                    index += 2
                    byte = high << 4 | low
                }
                output[written] = byte
                written += 1
            }
        }
        return malformed ? nil : String(validating: decoded, as: UTF8.self)
    }
}

/// Reads single-valued parameters out of a parameter map, refusing repeats and oversized values.
struct ParameterReader {
    /// Why a parameter could not be read.
    enum Problem: Error, Equatable {
        case repeated(String)
        case tooLong(String, limit: Int)
    }

    let parameters: [String: [String]]

    /// The parameter's only value, nil when absent. An empty value counts as absent (RFC 6749 §3.1:
    /// "Parameters sent without a value MUST be treated as if they were omitted").
    func single(_ name: String, limit: Int) throws(Problem) -> String? {
        guard let values = parameters[name] else { return nil }
        guard values.count == 1 else { throw .repeated(name) }
        guard values[0].utf8.count <= limit else { throw .tooLong(name, limit: limit) }
        return values[0].isEmpty ? nil : values[0]
    }

    /// The names given more than once, sorted.
    var repeatedNames: [String] { parameters.filter { $0.value.count > 1 }.map(\.key).sorted() }
}

extension ParameterReader.Problem {
    /// The problem as an `invalid_request` error.
    var oauthError: OAuthError {
        switch self {
        case .repeated(let name): .invalidRequest("the parameter '\(name)' is given more than once")
        case .tooLong(let name, let limit): .invalidRequest("the parameter '\(name)' is longer than \(limit) bytes")
        }
    }
}
