import Foundation

/// Domain-name normalisation: the one spelling under which claims are stored and email domains are
/// looked up, so `ACME.test.`, `acme.test` and ` Acme.Test ` are the same domain, and so are
/// `bücher.test` and `xn--bcher-kva.test`.
///
/// The steps: trim surrounding whitespace; treat the ideographic full stops `。` `．` `｡` as dots
/// (UTS #46 §4); strip one trailing dot (the DNS root); lowercase; NFC-normalise; convert every
/// non-ASCII label to its `xn--` punycode form (RFC 5891 §4.4, RFC 3492). The result must then be a
/// host name: labels of letters, digits and hyphens (RFC 1123 §2.1), not starting or ending with a
/// hyphen, 1–63 octets each, at most 253 octets in all, and a top-level label that is not all digits
/// (RFC 3696 §2).
///
/// This is the practical subset of IDNA that email discovery needs; it does not apply the full
/// UTS #46 mapping table or the IDNA2008 per-code-point rules.
public enum DomainName {
    /// Longest accepted label, in octets (RFC 1035 §2.3.4).
    public static let maxLabelLength = 63
    /// Longest accepted name, in octets, without the trailing dot (RFC 1035 §2.3.4).
    public static let maxLength = 253

    /// The normalised form of `text`.
    /// - Parameter text: A domain name as typed or configured.
    /// - Returns: Lowercase ASCII, IDN labels as punycode, no trailing dot.
    /// - Throws: ``DirectoryError`` with code `invalidDomain` saying which rule the name breaks.
    public static func normalise(_ text: some StringProtocol) throws(DirectoryError) -> String {
        var name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.unicodeScalars.contains(where: { $0 == "\u{3002}" || $0 == "\u{FF0E}" || $0 == "\u{FF61}" }) {
            name = String(String.UnicodeScalarView(name.unicodeScalars.map { ideographicStop($0) ? "." : $0 }))
        }
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw .invalidDomain("the domain is empty") }

        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            let lowered = lowercasedASCII(name)
            try validate(lowered, original: text)
            return lowered
        }

        let mapped = name.lowercased().precomposedStringWithCanonicalMapping
        var labels: [String] = []
        for label in mapped.split(separator: ".", omittingEmptySubsequences: false) {
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                labels.append(String(label))
                continue
            }
            for scalar in label.unicodeScalars where !allowedInLabel(scalar) {
                throw .invalidDomain("'\(text)' contains the character U+\(String(scalar.value, radix: 16, uppercase: true)), which is not allowed in a domain name")
            }
            guard let encoded = Punycode.encode(String(label)) else {
                throw .invalidDomain("the label '\(label)' of '\(text)' is too long to encode")
            }
            labels.append("xn--" + encoded)
        }
        let ascii = labels.joined(separator: ".")
        try validate(ascii, original: text)
        return ascii
    }

    /// Whether `utf8` is already in normalised form, checked without allocating.
    static func isNormalised(_ utf8: some Collection<UInt8>) -> Bool { labelCountIfNormalised(utf8) != nil }

    /// How many labels `utf8` has when it is already in normalised form (lowercase LDH labels of 1–63
    /// octets, at most 253 in all, a top-level label not all digits); nil otherwise.
    static func labelCountIfNormalised(_ utf8: some Collection<UInt8>) -> Int? {
        if let scan = utf8.withContiguousStorageIfAvailable({ scanASCII($0[...], foldingCase: false) }) { return scan?.labels }
        return Array(utf8).withUnsafeBufferPointer { scanASCII($0[...], foldingCase: false)?.labels }
    }

    /// One pass over the bytes of a domain, without allocating: the hot path of ``DomainIndex`` lookups.
    /// - Parameters:
    ///   - bytes: The domain's UTF-8 bytes.
    ///   - foldingCase: Whether ASCII capitals count as their lowercase letters (else they fail the check).
    /// - Returns: The label count and whether capitals were seen, when the bytes (case-folded if asked)
    ///   are a normalised domain; nil otherwise.
    static func scanASCII(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, foldingCase: Bool) -> (labels: Int, uppercase: Bool)? {
        guard !bytes.isEmpty, bytes.count <= maxLength else { return nil }
        var labels = 1
        var labelLength = 0
        var labelAllDigits = true
        var uppercase = false
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                labelAllDigits = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                break
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where foldingCase:
                labelAllDigits = false
                uppercase = true
            case UInt8(ascii: "-"):
                if previous == UInt8(ascii: ".") { return nil }
                labelAllDigits = false
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: ".") || previous == UInt8(ascii: "-") { return nil }
                labels += 1
                labelLength = -1
                labelAllDigits = true
            default:
                return nil
            }
            labelLength += 1
            if labelLength > maxLabelLength { return nil }
            previous = byte
        }
        guard previous != UInt8(ascii: "."), previous != UInt8(ascii: "-"), !labelAllDigits else { return nil }
        return (labels, uppercase)
    }

    /// Lowercases ASCII letters only (`String.lowercased()` would also apply Unicode rules), in one allocation.
    static func lowercasedASCII(_ text: some StringProtocol) -> String {
        let utf8 = text.utf8
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            var count = 0
            for byte in utf8 {
                buffer[count] = byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
                count += 1
            }
            return count
        }
    }

    private static func ideographicStop(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\u{3002}" || scalar == "\u{FF0E}" || scalar == "\u{FF61}"
    }

    /// Letters, marks and digits of any script, plus the hyphen (an approximation of IDNA2008's PVALID).
    private static func allowedInLabel(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "-"
        }
        switch scalar.properties.generalCategory {
        case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .otherNumber, .letterNumber:
            return true
        default:
            return false
        }
    }

    /// Checks the ASCII form against the host-name rules, with a reason naming the broken one.
    private static func validate(_ ascii: String, original: some StringProtocol) throws(DirectoryError) {
        if isNormalised(ascii.utf8) { return }
        if ascii.utf8.count > maxLength {
            throw .invalidDomain("'\(original)' is \(ascii.utf8.count) octets long; the limit is \(maxLength)")
        }
        let labels = ascii.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if label.isEmpty { throw .invalidDomain("'\(original)' has an empty label") }
            if label.utf8.count > maxLabelLength {
                throw .invalidDomain("the label '\(label)' of '\(original)' is \(label.utf8.count) octets long; the limit is \(maxLabelLength)")
            }
            if let bad = label.unicodeScalars.first(where: { !allowedInLabel($0) }) {
                throw .invalidDomain("'\(original)' contains '\(bad.escaped(asASCII: true))', which is not allowed in a domain name")
            }
            if label.hasPrefix("-") || label.hasSuffix("-") {
                throw .invalidDomain("the label '\(label)' of '\(original)' starts or ends with a hyphen")
            }
        }
        throw .invalidDomain("the top-level label of '\(original)' is all digits")
    }
}
