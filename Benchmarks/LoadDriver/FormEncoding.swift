/// `application/x-www-form-urlencoded` as the WHATWG URL standard writes and reads it (URL §5.1–5.2),
/// byte by byte over UTF-8.
///
/// The driver encodes every form it posts and every authorization URL, and decodes every redirect it
/// follows: done here over `utf8` rather than through Foundation's `addingPercentEncoding` and
/// `URLComponents`, whose `NSString` paths cost the driver more CPU than the HTTP requests themselves.
enum FormEncoding {
    /// `name=value` pairs joined by `&`, every name and value percent-encoded: ASCII letters, digits
    /// and `*-._` stay as they are, every other byte becomes `%XX`.
    /// - Parameter spaceAsPlus: Writes a space as `+`, as a form body has it; false writes `%20`, the
    ///   form a query string has in every URL parser.
    static func encode(_ fields: [(String, String)], spaceAsPlus: Bool = true) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 })
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            append(name, to: &bytes, spaceAsPlus: spaceAsPlus)
            bytes.append(UInt8(ascii: "="))
            append(value, to: &bytes, spaceAsPlus: spaceAsPlus)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the percent-encoded UTF-8 bytes of `text` (the application/x-www-form-urlencoded percent-encode set).
    private static func append(_ text: String, to bytes: inout [UInt8], spaceAsPlus: Bool) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                bytes.append(byte)
            case UInt8(ascii: " ") where spaceAsPlus:
                bytes.append(UInt8(ascii: "+"))
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0x0F))
            }
        }
    }

    /// The upper-case hex digit of a value 0–15.
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    /// The query parameters of a URL (between `?` and `#`), decoded; a name given twice keeps its
    /// last value, a parameter without `=` has an empty value.
    static func query(of url: String) -> [String: String] {
        let text = url.utf8
        guard let question = text.firstIndex(of: UInt8(ascii: "?")) else { return [:] }
        let query = text[text.index(after: question)...].prefix { $0 != UInt8(ascii: "#") }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: UInt8(ascii: "&")) {
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
                parameters[decode(pair)] = ""
                continue
            }
            parameters[decode(pair[..<equals])] = decode(pair[pair.index(after: equals)...])
        }
        return parameters
    }

    /// One name or value, decoded: `+` is a space and `%XX` a byte; a `%` without two hex digits after
    /// it stays as it is.
    static func decode(_ text: Substring.UTF8View) -> String {
        let encoded = Array(text)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = 0
        while index < encoded.count {
            let byte = encoded[index]
            if byte == UInt8(ascii: "%"), index + 2 < encoded.count, let high = hexValue(encoded[index + 1]),
                let low = hexValue(encoded[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value of a hex digit (either case), or nil for any other byte.
    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
