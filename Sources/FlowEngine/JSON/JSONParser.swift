import Foundation

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
public enum JSONParser {
    /// Parses `bytes` as one JSON document.
    /// - Parameters:
    ///   - bytes: The UTF-8 document.
    ///   - file: The name diagnostics print.
    ///   - limits: Size and nesting limits.
    /// - Throws: ``JSONParseError`` with the location of the first problem.
    public static func parse(_ bytes: [UInt8], file: String, limits: JSONLimits = .files) throws(JSONParseError) -> JSONNode {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try JSONGrammar<LocatedTree>.parse(buffer, file: file, limits: limits)
        }
    }

    /// Parses a string as one JSON document.
    public static func parse(_ text: String, file: String, limits: JSONLimits = .files) throws(JSONParseError) -> JSONNode {
        try parse(Array(text.utf8), file: file, limits: limits)
    }
}

extension PlainJSON {
    /// Parses `bytes` as one JSON document, with the same grammar, limits and duplicate-key refusal
    /// as ``JSONParser``, but without positions or pointers for each value: for protocol messages
    /// (JOSE headers and claims), where a parse error names where it stopped and nothing more is kept.
    /// - Parameters:
    ///   - bytes: The UTF-8 document.
    ///   - file: The name an error prints ("header", "claims").
    ///   - limits: Size and nesting limits.
    /// - Throws: ``JSONParseError`` with the location of the first problem.
    public static func parse(_ bytes: [UInt8], file: String, limits: JSONLimits) throws(JSONParseError) -> PlainJSON {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try JSONGrammar<PlainTree>.parse(buffer, file: file, limits: limits)
        }
    }

    /// Parses `data` as one JSON document, as the `[UInt8]` form does.
    public static func parse(_ data: Data, file: String, limits: JSONLimits) throws(JSONParseError) -> PlainJSON {
        let parsed = data.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in
                try JSONGrammar<PlainTree>.parse(raw.assumingMemoryBound(to: UInt8.self), file: file, limits: limits)
            }
        }
        return try parsed.get()
    }
}

/// A JSON scalar as the grammar reads it, before a tree builder wraps it.
enum JSONScalar {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
}

/// What a parse builds from the grammar: ``JSONNode`` trees with locations and pointers for files,
/// ``PlainJSON`` for protocol messages. The grammar, and so what is accepted, is the same for both.
protocol JSONTreeBuilder {
    /// One parsed value.
    associatedtype Value
    /// Where a value sits in the document.
    associatedtype Path
    /// An object's members while they are read.
    associatedtype Members

    /// The path of the whole document.
    static var root: Path { get }
    /// The path of an object member.
    static func path(_ parent: Path, key: String) -> Path
    /// The path of an array element.
    static func path(_ parent: Path, index: Int) -> Path
    /// A string, number, boolean or null that starts at `location`.
    static func scalar(_ scalar: JSONScalar, at location: SourceLocation, path: Path) -> Value
    /// An array that starts at `location`.
    static func array(_ elements: [Value], at location: SourceLocation, path: Path) -> Value
    /// An object that starts at `location`.
    static func object(_ members: Members, at location: SourceLocation, path: Path) -> Value
    /// An object with no members yet.
    static func emptyMembers() -> Members
    /// Adds a member; when `key` is already there, adds nothing and returns a note on where the first
    /// one was, for the error message ("" when that is not known).
    static func add(key: String, at location: SourceLocation, value: Value, to members: inout Members) -> String?
}

/// ``JSONNode`` trees: every value with its location and JSON pointer, members in file order.
enum LocatedTree: JSONTreeBuilder {
    struct Members {
        var list: [JSONMember] = []
        var seen: [String: SourceLocation] = [:]
    }

    static var root: JSONPointer { .root }
    static func path(_ parent: JSONPointer, key: String) -> JSONPointer { parent.appending(key) }
    static func path(_ parent: JSONPointer, index: Int) -> JSONPointer { parent.appending(index) }

    static func scalar(_ scalar: JSONScalar, at location: SourceLocation, path: JSONPointer) -> JSONNode {
        let value: JSONValue
        switch scalar {
        case .null: value = .null
        case .bool(let b): value = .bool(b)
        case .number(let n): value = .number(n)
        case .string(let s): value = .string(s)
        }
        return JSONNode(value: value, location: location, pointer: path)
    }

    static func array(_ elements: [JSONNode], at location: SourceLocation, path: JSONPointer) -> JSONNode {
        JSONNode(value: .array(elements), location: location, pointer: path)
    }

    static func object(_ members: Members, at location: SourceLocation, path: JSONPointer) -> JSONNode {
        JSONNode(value: .object(members.list), location: location, pointer: path)
    }

    static func emptyMembers() -> Members { Members() }

    static func add(key: String, at location: SourceLocation, value: JSONNode, to members: inout Members) -> String? {
        if let first = members.seen[key] { return " (first defined at \(first.line):\(first.column))" }
        members.seen[key] = location
        members.list.append(JSONMember(key: key, keyLocation: location, value: value))
        return nil
    }
}

/// ``PlainJSON`` values: no locations, no pointers.
enum PlainTree: JSONTreeBuilder {
    static var root: Void { () }
    static func path(_ parent: Void, key: String) {}
    static func path(_ parent: Void, index: Int) {}

    static func scalar(_ scalar: JSONScalar, at location: SourceLocation, path: Void) -> PlainJSON {
        switch scalar {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        }
    }

    static func array(_ elements: [PlainJSON], at location: SourceLocation, path: Void) -> PlainJSON { .array(elements) }
    static func object(_ members: [String: PlainJSON], at location: SourceLocation, path: Void) -> PlainJSON { .object(members) }
    /// Room for a JWT's usual claims from the start, so small objects are not regrown member by member.
    static func emptyMembers() -> [String: PlainJSON] { Dictionary(minimumCapacity: 8) }

    static func add(key: String, at location: SourceLocation, value: PlainJSON, to members: inout [String: PlainJSON]) -> String? {
        members.updateValue(value, forKey: key) == nil ? nil : ""
    }
}

/// The RFC 8259 grammar, building whatever `Tree` builds.
///
/// It reads the document through a buffer pointer that is valid only during ``parse(_:file:limits:)``.
/// Every caller names `Tree`, so the grammar is specialised for each builder.
struct JSONGrammar<Tree: JSONTreeBuilder> {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private let limits: JSONLimits
    private var index = 0
    private var line = 1
    private var column = 1

    /// Parses the document in `bytes`, which must stay valid for the call.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String, limits: JSONLimits) throws(JSONParseError) -> Tree.Value {
        var parser = JSONGrammar(bytes: bytes, file: file, limits: limits)
        if bytes.count > limits.maxBytes {
            throw parser.error("file is \(bytes.count) bytes; the limit is \(limits.maxBytes) bytes")
        }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.parseValue(path: Tree.root, depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, file: String, limits: JSONLimits) {
        self.bytes = bytes
        self.file = file
        self.limits = limits
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

    private mutating func parseValue(path: Tree.Path, depth: Int) throws(JSONParseError) -> Tree.Value {
        let start = location
        guard let byte = current else { throw error("unexpected end of file; expected a value") }
        let scalar: JSONScalar
        switch byte {
        case UInt8(ascii: "{"):
            return try parseObject(path: path, depth: depth + 1, at: start)
        case UInt8(ascii: "["):
            return try parseArray(path: path, depth: depth + 1, at: start)
        case UInt8(ascii: "\""):
            scalar = .string(try parseString())
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            scalar = .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            scalar = .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            scalar = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            scalar = .number(try parseNumber())
        default:
            throw error("unexpected character '\(Unicode.Scalar(byte))'; expected a value")
        }
        return Tree.scalar(scalar, at: start, path: path)
    }

    private mutating func parseLiteral(_ literal: String) throws(JSONParseError) {
        for expected in literal.utf8 {
            guard current == expected else { throw error("invalid literal; expected '\(literal)'") }
            advance()
        }
    }

    private mutating func parseObject(path: Tree.Path, depth: Int, at start: SourceLocation) throws(JSONParseError) -> Tree.Value {
        if depth > limits.maxDepth { throw error("nesting is deeper than \(limits.maxDepth) levels") }
        advance()
        var members = Tree.emptyMembers()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            advance()
            return Tree.object(members, at: start, path: path)
        }
        while true {
            skipWhitespace()
            let keyLocation = location
            guard current == UInt8(ascii: "\"") else { throw error("expected a member name in double quotes") }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after the member name")
            skipWhitespace()
            let value = try parseValue(path: Tree.path(path, key: key), depth: depth)
            if let firstDefined = Tree.add(key: key, at: keyLocation, value: value, to: &members) {
                throw error("duplicate key '\(key)'\(firstDefined)", at: keyLocation)
            }
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                advance()
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' after an object member")
            return Tree.object(members, at: start, path: path)
        }
    }

    private mutating func parseArray(path: Tree.Path, depth: Int, at start: SourceLocation) throws(JSONParseError) -> Tree.Value {
        if depth > limits.maxDepth { throw error("nesting is deeper than \(limits.maxDepth) levels") }
        advance()
        var elements: [Tree.Value] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            advance()
            return Tree.array(elements, at: start, path: path)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(path: Tree.path(path, index: elements.count), depth: depth))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                advance()
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' after an array element")
            return Tree.array(elements, at: start, path: path)
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        let startLocation = location
        if current == UInt8(ascii: "-") { advance() }
        func digits(_ parser: inout JSONGrammar) -> Int {
            var count = 0
            while let byte = parser.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                parser.advance()
                count += 1
            }
            return count
        }
        var integerDigits = 1
        if current == UInt8(ascii: "0") {
            advance()
        } else {
            integerDigits = digits(&self)
            if integerDigits == 0 { throw error("invalid number", at: startLocation) }
        }
        // The common case, a whole number of at most 15 digits (timestamps, counts), is exact in a
        // Double and needs no text conversion.
        if integerDigits <= 15, current != UInt8(ascii: "."), current != UInt8(ascii: "e"), current != UInt8(ascii: "E") {
            var magnitude: Int64 = 0
            for byte in bytes[start..<index] where byte != UInt8(ascii: "-") {
                magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return bytes[start] == UInt8(ascii: "-") ? -Double(magnitude) : Double(magnitude)
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
        let text = decoded(start..<index)
        guard let value = Double(text), value.isFinite else { throw error("number out of range", at: startLocation) }
        return value
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        advance()
        var runStart = index
        skipUnescaped()
        // The common case: no escapes, so the string is the bytes between the quotes.
        if current == UInt8(ascii: "\"") {
            let text = decoded(runStart..<index)
            advance()
            return text
        }
        var text = ""
        while true {
            guard let byte = current else { throw error("unterminated string") }
            text += decoded(runStart..<index)
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return text
            case UInt8(ascii: "\\"):
                advance()
                text.unicodeScalars.append(try parseEscape())
                runStart = index
                skipUnescaped()
            default:
                throw error("control character in string; escape it")
            }
        }
    }

    /// The bytes in `range`, as text (ill-formed UTF-8 repaired with U+FFFD).
    private func decoded(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Moves past string content that needs no decoding: up to a quote, a backslash, a control
    /// character or the end. No line ends in between, so only the column moves.
    private mutating func skipUnescaped() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return }
            if byte & 0xC0 != 0x80 { column += 1 }
            index += 1
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
