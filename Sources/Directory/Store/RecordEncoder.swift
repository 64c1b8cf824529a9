import FlowEngine
import Foundation

/// Encodes the records kept in the store's ephemeral entries (sessions, codes, tokens, login
/// transactions) as JSON, in the format Foundation's `JSONEncoder` writes with its default strategies
/// and `.sortedKeys`, so `JSONDecoder` reads it back — in a fraction of the time.
///
/// What it writes, as `JSONEncoder` does: objects with their keys sorted (by their UTF-8 bytes) and a
/// key encoded twice keeping its last value; `Date` as its own `Encodable` makes it (seconds since
/// 2001 as a number) or, with ``DateFormat/secondsSince1970``, as `JSONEncoder`'s strategy of that
/// name does; `Data` as a base64 string; `URL` as its absolute string; `Decimal` as a number;
/// a `nil` optional left out; a non-finite floating-point number refused with
/// `EncodingError.invalidValue`. Numbers are written in Swift's shortest round-trip form, so every
/// value decodes to exactly what was encoded. A ``FlowEngine/StringIdentifier`` is written as its bare
/// `rawValue` (what the protocol's `encode(to:)` writes), and a ``RecordWritable`` value writes itself.
///
/// ```swift
/// let data = try RecordEncoder().encode(record)
/// let back = try JSONDecoder().decode(Record.self, from: data)  // == record
/// ```
public struct RecordEncoder: Sendable {
    /// How dates are written.
    public enum DateFormat: Sendable {
        /// As `Date` encodes itself (`JSONEncoder`'s default `.deferredToDate`): seconds since 2001-01-01.
        case secondsSinceReferenceDate
        /// Seconds since 1970-01-01 (`JSONEncoder`'s `.secondsSince1970`).
        case secondsSince1970
    }

    /// How dates are written.
    public let dates: DateFormat

    /// Creates an encoder.
    public init(dates: DateFormat = .secondsSinceReferenceDate) { self.dates = dates }

    /// The JSON of `value`.
    /// - Throws: `EncodingError.invalidValue` for a non-finite floating-point number, or when `value`
    ///   (or a value inside it) encodes nothing at all.
    public func encode<Value: Encodable>(_ value: Value) throws -> Data {
        if let writable = value as? any RecordWritable { return Data(RecordWriter.json(of: writable, dates: dates)) }
        let root = try RecordNode.of(value, in: nil, at: nil, dates: dates)
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        root.write(into: &output)
        return Data(output)
    }
}

// MARK: - The tree

/// One encoded value. Objects and arrays are boxes, because a container is handed out before it is
/// filled.
enum RecordNode {
    case string(String)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    /// A number already in JSON form (a `Decimal`).
    case numberText(String)
    case bool(Bool)
    case null
    case object(RecordObject)
    case array(RecordArray)
    /// What an encoder handed out by `superEncoder` wrote, read when the tree is written.
    case deferred(RecordEncoderCore)
    /// JSON a ``RecordWritable`` value wrote.
    case written([UInt8])

    /// The node of `value`, with the special cases `JSONEncoder` makes.
    /// - Parameters:
    ///   - parent: The encoder of the value that holds `value` (nil at the root).
    ///   - key: Where `value` is in it (made only when needed: for an encoder, or an error).
    static func of<Value: Encodable>(
        _ value: Value, in parent: RecordEncoderCore?, at key: @autoclosure () -> (any CodingKey)?, dates: RecordEncoder.DateFormat
    ) throws -> RecordNode {
        // The common leaves, told apart by their type (a comparison of metatypes, where a dynamic
        // cast of every value costs a runtime call), without an encoder.
        switch Value.self {
        case is String.Type: return .string(unsafeBitCast(value, to: String.self))
        case is Bool.Type: return .bool(unsafeBitCast(value, to: Bool.self))
        case is Int.Type: return .integer(Int64(unsafeBitCast(value, to: Int.self)))
        case is Double.Type: return try .number(unsafeBitCast(value, to: Double.self), at: RecordEncoderCore.codingPath(parent, key()))
        case is Date.Type:
            // As `Date.encode(to:)` writes itself, or as the 1970 strategy does.
            let date = unsafeBitCast(value, to: Date.self)
            return try .number(
                dates == .secondsSince1970 ? date.timeIntervalSince1970 : date.timeIntervalSinceReferenceDate,
                at: RecordEncoderCore.codingPath(parent, key()))
        case is Data.Type: return .string(unsafeBitCast(value, to: Data.self).base64EncodedString())
        case is URL.Type: return .string(unsafeBitCast(value, to: URL.self).absoluteString)
        case is Decimal.Type: return .numberText(unsafeBitCast(value, to: Decimal.self).description)
        case is [String].Type: return .array(RecordArray(unsafeBitCast(value, to: [String].self).map { .string($0) }))
        default:
            // Identifiers (a user's, an organization's…) encode as their bare string: written here
            // without an encoder of their own.
            if let identifier = value as? any StringIdentifier { return .string(identifier.rawValue) }
            if let writable = value as? any RecordWritable { return .written(RecordWriter.json(of: writable, dates: dates)) }
            let encoder = RecordEncoderCore(parent: parent, key: key(), dates: dates)
            try value.encode(to: encoder)
            guard let node = encoder.node else {
                throw EncodingError.invalidValue(
                    value, .init(codingPath: encoder.codingPath, debugDescription: "\(Value.self) did not encode any value"))
            }
            return node
        }
    }

    /// A floating-point number, refused unless finite (JSON has no NaN or infinity).
    static func number(_ value: Double, at codingPath: @autoclosure () -> [any CodingKey]) throws -> RecordNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath(), debugDescription: "\(value) is not a valid JSON number"))
        }
        return .double(value)
    }

    /// Appends the JSON of this node.
    func write(into output: inout [UInt8]) {
        switch self {
        case .string(let text): Self.writeString(text, into: &output)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .unsigned(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number):
            var text = number.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            output.append(contentsOf: text.utf8)
        case .numberText(let text): output.append(contentsOf: text.utf8)
        case .bool(let flag): output.append(contentsOf: flag ? Self.trueBytes : Self.falseBytes)
        case .null: output.append(contentsOf: Self.nullBytes)
        case .object(let object): object.write(into: &output)
        case .array(let array):
            output.append(UInt8(ascii: "["))
            for (index, item) in array.items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                item.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .deferred(let encoder):
            (encoder.node ?? .object(RecordObject())).write(into: &output)
        case .written(let json): output.append(contentsOf: json)
        }
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string (RFC 8259 §7): `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`,
    /// everything else as its UTF-8 bytes.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings (ids, names, URLs) need no escape: their bytes are copied at once.
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// An object being filled: its members in the order they were encoded.
final class RecordObject {
    var members: [(key: String, value: RecordNode)]

    /// An empty object, with room for the members of most records (growing one by one would reallocate
    /// at the 2nd, 3rd, 5th and 9th member).
    init() {
        members = []
        members.reserveCapacity(16)
    }

    /// Writes the members sorted by key; of a key encoded more than once, the last value.
    func write(into output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        withSortedOrder { order in
            var first = true
            for position in order.indices {
                let member = members[order[position].index]
                if position + 1 < order.count, members[order[position + 1].index].key == member.key { continue }  // a later value wins
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                RecordNode.writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(into: &output)
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Calls `body` with the members' indices sorted by their keys' UTF-8 bytes, a key encoded twice in
    /// encoding order, in a buffer on the stack.
    ///
    /// An insertion sort (objects have a handful of members) on each key's first eight bytes read as
    /// one big-endian integer, so most comparisons are one integer comparison; keys that share their
    /// first eight bytes are compared in full.
    private func withSortedOrder(_ body: (UnsafeMutableBufferPointer<(head: UInt64, index: Int)>) -> Void) {
        withUnsafeTemporaryAllocation(of: (head: UInt64, index: Int).self, capacity: members.count) { order in
            for index in members.indices {
                let item = (head: Self.head(of: members[index].key), index: index)
                var place = index
                while place > 0, precedes(item, order[place - 1]) {
                    order[place] = order[place - 1]
                    place -= 1
                }
                order[place] = item
            }
            body(order)
        }
    }

    private func precedes(_ a: (head: UInt64, index: Int), _ b: (head: UInt64, index: Int)) -> Bool {
        if a.head != b.head { return a.head < b.head }
        return members[a.index].key.utf8.lexicographicallyPrecedes(members[b.index].key.utf8)
    }

    /// The first eight bytes of `key`, big-endian, zero-padded: ordered as the keys' bytes are, up to ties.
    private static func head(of key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { bytes in
            var head: UInt64 = 0
            for byte in bytes.prefix(8) { head = head << 8 | UInt64(byte) }
            return bytes.count >= 8 ? head : head << (8 * UInt64(8 - bytes.count))
        }
    }
}

/// An array being filled.
final class RecordArray {
    var items: [RecordNode]

    init(_ items: [RecordNode] = []) { self.items = items }
}

/// A coding key made of a string or an index (coding paths, `superEncoder`).
struct RecordKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    static let superKey = RecordKey("super")
}

// MARK: - The Encoder

/// The `Encoder` one value encodes itself into; `node` is what it wrote.
///
/// Where the value is, is its parent's encoder and its key there: the coding path is made into an
/// array only when asked for (an error, or a value that reads it).
final class RecordEncoderCore: Encoder {
    let parent: RecordEncoderCore?
    let key: (any CodingKey)?
    let dates: RecordEncoder.DateFormat
    var codingPath: [any CodingKey] { Self.codingPath(parent, key) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: RecordNode?

    init(parent: RecordEncoderCore?, key: (any CodingKey)?, dates: RecordEncoder.DateFormat) {
        self.parent = parent
        self.key = key
        self.dates = dates
    }

    /// The coding path of the value at `key` in the value `parent` encodes, from the root.
    static func codingPath(_ parent: RecordEncoderCore?, _ key: (any CodingKey)?) -> [any CodingKey] {
        var keys: [any CodingKey] = key.map { [$0] } ?? []
        var place = parent
        while let current = place {
            if let key = current.key { keys.append(key) }
            place = current.parent
        }
        return keys.reversed()
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: RecordObject
        if case .object(let existing)? = node {
            object = existing
        } else {
            object = RecordObject()
            node = .object(object)
        }
        return KeyedEncodingContainer(RecordKeyedContainer<Key>(object: object, owner: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: RecordArray
        if case .array(let existing)? = node {
            array = existing
        } else {
            array = RecordArray()
            node = .array(array)
        }
        return RecordUnkeyedContainer(array: array, owner: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { RecordSingleValueContainer(encoder: self) }
}

struct RecordKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: RecordObject
    /// The encoder of the value this container fills: where it is.
    let owner: RecordEncoderCore
    var codingPath: [any CodingKey] { owner.codingPath }

    /// An encoder standing for the member at `key`, for what a nested container or a super encoder holds.
    private func place(_ key: some CodingKey) -> RecordEncoderCore { RecordEncoderCore(parent: owner, key: key, dates: owner.dates) }

    private func set(_ node: RecordNode, _ key: Key) { object.members.append((key.stringValue, node)) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(value.isFinite ? .double(value) : try .number(value, at: RecordEncoderCore.codingPath(owner, key)), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encode(Double(value), forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.unsigned(value), key) }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        set(try RecordNode.of(value, in: owner, at: key, dates: owner.dates), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = RecordObject()
        set(.object(nested), key)
        return KeyedEncodingContainer(RecordKeyedContainer<NestedKey>(object: nested, owner: place(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = RecordArray()
        set(.array(nested), key)
        return RecordUnkeyedContainer(array: nested, owner: place(key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: RecordKey.superKey) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key) }

    private func superEncoder(named key: some CodingKey) -> any Encoder {
        let encoder = place(key)
        object.members.append((key.stringValue, .deferred(encoder)))
        return encoder
    }
}

struct RecordUnkeyedContainer: UnkeyedEncodingContainer {
    let array: RecordArray
    /// The encoder of the value this container fills: where it is.
    let owner: RecordEncoderCore
    var count: Int { array.items.count }
    var codingPath: [any CodingKey] { owner.codingPath }

    /// The key of the next item.
    private var nextKey: RecordKey { RecordKey(intValue: array.items.count) }
    /// An encoder standing for the next item, for what a nested container or a super encoder holds.
    private var next: RecordEncoderCore { RecordEncoderCore(parent: owner, key: nextKey, dates: owner.dates) }

    mutating func encodeNil() throws { array.items.append(.null) }
    mutating func encode(_ value: Bool) throws { array.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { array.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws {
        array.items.append(value.isFinite ? .double(value) : try .number(value, at: RecordEncoderCore.codingPath(owner, nextKey)))
    }
    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int) throws { array.items.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { array.items.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { array.items.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { array.items.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { array.items.append(.integer(value)) }
    mutating func encode(_ value: UInt) throws { array.items.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { array.items.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { array.items.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { array.items.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { array.items.append(.unsigned(value)) }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        array.items.append(try RecordNode.of(value, in: owner, at: nextKey, dates: owner.dates))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = RecordObject()
        let place = next
        array.items.append(.object(nested))
        return KeyedEncodingContainer(RecordKeyedContainer<NestedKey>(object: nested, owner: place))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = RecordArray()
        let place = next
        array.items.append(.array(nested))
        return RecordUnkeyedContainer(array: nested, owner: place)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = next
        array.items.append(.deferred(encoder))
        return encoder
    }
}

struct RecordSingleValueContainer: SingleValueEncodingContainer {
    let encoder: RecordEncoderCore
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ node: RecordNode) { encoder.node = node }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(try .number(value, at: encoder.codingPath)) }
    mutating func encode(_ value: Float) throws { set(try .number(Double(value), at: encoder.codingPath)) }
    mutating func encode(_ value: Int) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { set(.integer(value)) }
    mutating func encode(_ value: UInt) throws { set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { set(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { set(.unsigned(value)) }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        set(try RecordNode.of(value, in: encoder.parent, at: encoder.key, dates: encoder.dates))
    }
}
