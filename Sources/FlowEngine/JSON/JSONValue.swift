/// A parsed JSON value that remembers where it stood in its file.
///
/// Foundation's `JSONSerialization` forgets positions and silently keeps the last of two duplicate
/// keys; flow files and configuration need both, so diagnostics can say `file:line:col`.
public struct JSONNode: Sendable, Hashable {
    /// The value itself.
    public var value: JSONValue
    /// Where the value starts.
    public var location: SourceLocation
    /// Where the value sits in the document.
    public var pointer: JSONPointer

    /// Creates a node.
    public init(value: JSONValue, location: SourceLocation, pointer: JSONPointer) {
        self.value = value
        self.location = location
        self.pointer = pointer
    }

    /// The member named `key` when this node is an object.
    public subscript(key: String) -> JSONNode? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string when this node is a string.
    public var stringValue: String? {
        if case .string(let s) = value { return s }
        return nil
    }

    /// The members, in file order, when this node is an object.
    public var objectMembers: [JSONMember]? {
        if case .object(let members) = value { return members }
        return nil
    }

    /// The elements when this node is an array.
    public var arrayElements: [JSONNode]? {
        if case .array(let elements) = value { return elements }
        return nil
    }

    /// The Foundation-free plain form of the value (for hashing into fixtures and comparing).
    public var plain: PlainJSON {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(\.plain))
        case .object(let m): return .object(Dictionary(m.map { ($0.key, $0.value.plain) }, uniquingKeysWith: { first, _ in first }))
        }
    }
}

/// One `"key": value` member of an object, with the key's own location.
public struct JSONMember: Sendable, Hashable {
    /// The member name.
    public var key: String
    /// Where the key's opening quote stands.
    public var keyLocation: SourceLocation
    /// The member value.
    public var value: JSONNode
}

/// The six JSON value kinds (RFC 8259 §3).
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([JSONMember])

    /// The name a diagnostic uses for the kind ("object", "string", …).
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON value without positions, for data that is compared or re-encoded.
///
/// Not `indirect`: arrays and dictionaries already hold their elements out of line, so a value is
/// stored in place, without a box of its own.
public enum PlainJSON: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([PlainJSON])
    case object([String: PlainJSON])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let n = try? container.decode(Double.self) { self = .number(n) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([PlainJSON].self) { self = .array(a) }
        else { self = .object(try container.decode([String: PlainJSON].self)) }
    }

    /// Encodes the value as plain JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n): try container.encode(n)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}
