/// Limits every JSON input gets before it is parsed (DESIGN.md §9: limits exist and are documented).
public struct JSONLimits: Sendable, Hashable {
    /// Largest accepted document, in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of arrays and objects.
    public var maxDepth: Int

    /// Creates limits.
    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// 1 MiB and 32 levels: the limits for flow files, fixtures and configuration.
    public static let files = JSONLimits()
}

/// A syntax error, a duplicate key or a broken limit, located in the input.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for a person.
    public var message: String
    /// Where it went wrong.
    public var location: SourceLocation

    /// `file:line:col: error: message`.
    public var description: String { "\(location): error: \(message)" }
}

/// A strict RFC 8259 parser that keeps positions and refuses duplicate keys.
///
/// Duplicate keys are legal-but-ambiguous JSON (RFC 8259 §4: "names within an object SHOULD be
/// unique"); in a reviewed security configuration a silently ignored duplicate is a bug, so it is
/// an error here.
public struct JSONParser {
    private let bytes: [UInt8]
    private let file: String
    private let limits: JSONLimits
    private var index = 0
    private var line = 1
    private var column = 1

    /// Parses `bytes` as one JSON document.
    /// - Parameters:
    ///   - bytes: The UTF-8 document.
    ///   - file: The name diagnostics print.
    ///   - limits: Size and nesting limits.
    /// - Throws: ``JSONParseError`` with the location of the first problem.
    public static func parse(_ bytes: [UInt8], file: String, limits: JSONLimits = .files) throws(JSONParseError) -> JSONNode {
        var parser = JSONParser(bytes: bytes, file: file, limits: limits)
        if bytes.count > limits.maxBytes {
            throw parser.error("file is \(bytes.count) bytes; the limit is \(limits.maxBytes) bytes")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let node = try parser.parseValue(pointer: .root, depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count { throw parser.error("unexpected text after the JSON value") }
        return node
    }

    /// Parses a string as one JSON document.
    public static func parse(_ text: String, file: String, limits: JSONLimits = .files) throws(JSONParseError) -> JSONNode {
        try parse(Array(text.utf8), file: file, limits: limits)
    }

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private func error(_ message: String, at location: SourceLocation? = nil) -> JSONParseError {
        JSONParseError(message: message, location: location ?? self.location)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { advance() }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParseError) {
        guard current == byte else { throw error("expected \(what)") }
        advance()
    }

    private mutating func parseValue(pointer: JSONPointer, depth: Int) throws(JSONParseError) -> JSONNode {
        let start = location
        guard let byte = current else { throw error("unexpected end of file; expected a value") }
        let value: JSONValue
        switch byte {
        case UInt8(ascii: "{"):
            value = try parseObject(pointer: pointer, depth: depth + 1)
        case UInt8(ascii: "["):
            value = try parseArray(pointer: pointer, depth: depth + 1)
        case UInt8(ascii: "\""):
            value = .string(try parseString())
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            value = .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            value = .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            value = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            value = .number(try parseNumber())
        default:
            throw error("unexpected character '\(Unicode.Scalar(byte))'; expected a value")
        }
        return JSONNode(value: value, location: start, pointer: pointer)
    }

    private mutating func parseLiteral(_ literal: String) throws(JSONParseError) {
        for expected in literal.utf8 {
            guard current == expected else { throw error("invalid literal; expected '\(literal)'") }
            advance()
        }
    }

    private mutating func parseObject(pointer: JSONPointer, depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > limits.maxDepth { throw error("nesting is deeper than \(limits.maxDepth) levels") }
        advance()
        var members: [JSONMember] = []
        var seen: [String: SourceLocation] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            advance()
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyLocation = location
            guard current == UInt8(ascii: "\"") else { throw error("expected a member name in double quotes") }
            let key = try parseString()
            if let first = seen[key] {
                throw error("duplicate key '\(key)' (first defined at \(first.line):\(first.column))", at: keyLocation)
            }
            seen[key] = keyLocation
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after the member name")
            skipWhitespace()
            let value = try parseValue(pointer: pointer.appending(key), depth: depth)
            members.append(JSONMember(key: key, keyLocation: keyLocation, value: value))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                advance()
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' after an object member")
            return .object(members)
        }
    }

    private mutating func parseArray(pointer: JSONPointer, depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > limits.maxDepth { throw error("nesting is deeper than \(limits.maxDepth) levels") }
        advance()
        var elements: [JSONNode] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            advance()
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(pointer: pointer.appending(elements.count), depth: depth))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                advance()
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' after an array element")
            return .array(elements)
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        let startLocation = location
        if current == UInt8(ascii: "-") { advance() }
        func digits(_ parser: inout JSONParser) -> Int {
            var count = 0
            while let byte = parser.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                parser.advance()
                count += 1
            }
            return count
        }
        if current == UInt8(ascii: "0") {
            advance()
        } else if digits(&self) == 0 {
            throw error("invalid number", at: startLocation)
        }
        if current == UInt8(ascii: ".") {
            advance()
            if digits(&self) == 0 { throw error("invalid number: digits expected after '.'", at: startLocation) }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            advance()
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
            if digits(&self) == 0 { throw error("invalid number: digits expected in the exponent", at: startLocation) }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw error("number out of range", at: startLocation) }
        return value
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        advance()
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flush(_ parser: JSONParser, into scalars: inout String.UnicodeScalarView, until end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: parser.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard let byte = current else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                flush(self, into: &scalars, until: index)
                advance()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(self, into: &scalars, until: index)
                advance()
                scalars.append(try parseEscape())
                runStart = index
            case 0..<0x20:
                throw error("control character in string; escape it")
            default:
                advance()
            }
        }
    }

    private mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        guard let byte = current else { throw error("unterminated escape") }
        advance()
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4()
            if (0xD800..<0xDC00).contains(high) {
                guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate in \\u escape") }
                advance()
                guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
                advance()
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate in \\u escape") }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(high) else { throw error("unpaired surrogate in \\u escape") }
            return scalar
        default:
            throw error("invalid escape '\\\(Unicode.Scalar(byte))'")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexDigit(byte) else { throw error("expected four hex digits in \\u escape") }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    private func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
