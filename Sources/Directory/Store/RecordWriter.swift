import FlowEngine
import Foundation

/// A record that writes its JSON itself: byte for byte what ``RecordEncoder`` makes of its `Encodable`
/// form (keys sorted by their bytes, a `nil` optional left out), without going through `Encoder`.
///
/// For the few records written at every login (an authorization code, a grant), where the generic
/// encoder's dispatch cost more than the rest of their write. The `Encodable` conformance stays the
/// definition of the format, and `JSONDecoder` reads both; a test of each conforming type compares the
/// two encodings of a value with every field set.
///
/// ```swift
/// extension Pair: RecordWritable {
///     func writeRecord(to writer: inout RecordWriter) {
///         writer.object { members in
///             members.write("left", left)     // keys in the order of their bytes
///             members.write("right", right)
///         }
///     }
/// }
/// ```
public protocol RecordWritable: Encodable {
    /// Writes this value's JSON.
    func writeRecord(to writer: inout RecordWriter)
}

/// Where a ``RecordWritable`` value writes its JSON.
public struct RecordWriter {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8] = []
    /// How dates are written.
    public let dates: RecordEncoder.DateFormat

    /// An empty writer.
    public init(dates: RecordEncoder.DateFormat) {
        self.dates = dates
        bytes.reserveCapacity(1024)
    }

    /// The JSON `value` writes.
    static func json(of value: any RecordWritable, dates: RecordEncoder.DateFormat) -> [UInt8] {
        var writer = RecordWriter(dates: dates)
        value.writeRecord(to: &writer)
        return writer.bytes
    }

    /// Writes an object whose members `body` writes, each key after the one before it in byte order.
    public mutating func object(_ body: (inout Members) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        // The members write into this writer's buffer, moved into them (emptied here, so that it is
        // uniquely theirs and never copied) and moved back afterwards.
        var members = Members(writer: self)
        bytes = []
        body(&members)
        members.writeInterleaved(before: nil)
        self = members.writer
        bytes.append(UInt8(ascii: "}"))
    }

    /// A string.
    public mutating func write(_ text: String) { RecordNode.writeString(text, into: &bytes) }
    /// An identifier: its bare string.
    public mutating func write(_ identifier: some StringIdentifier) { write(identifier.rawValue) }
    /// `true` or `false`.
    public mutating func write(_ flag: Bool) { bytes.append(contentsOf: flag ? Self.trueBytes : Self.falseBytes) }
    /// An integer.
    public mutating func write(_ number: Int) { bytes.append(contentsOf: String(number).utf8) }
    /// A date, as ``dates`` says.
    public mutating func write(_ date: Date) {
        RecordNode.double(dates == .secondsSince1970 ? date.timeIntervalSince1970 : date.timeIntervalSinceReferenceDate).write(into: &bytes)
    }
    /// A value that writes itself.
    public mutating func write(_ value: some RecordWritable) { value.writeRecord(to: &self) }

    /// An array, each item written by `each`.
    public mutating func write<Item>(_ items: [Item], _ each: (inout RecordWriter, Item) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            each(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A dictionary with string keys: an object, its keys sorted by their bytes (as `Dictionary`'s
    /// `Encodable` form gives ``RecordEncoder``).
    public mutating func write(_ table: [String: String]) {
        let entries = table.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        object { members in
            for (key, value) in entries { members.write(key, value) }
        }
    }

    /// A dictionary whose keys are identifiers: `Dictionary` encodes one as an array of keys and
    /// values, alternating, in its own order.
    public mutating func write<Key: StringIdentifier, Value: StringIdentifier>(_ table: [Key: Value]) {
        write(table) { $0.write($1) }
    }

    /// A dictionary whose keys are identifiers, each value written by `each`: an array of keys and
    /// values, alternating, in the dictionary's own order (how `Dictionary` encodes one whose key is
    /// neither `String` nor `Int` nor `CodingKeyRepresentable`).
    public mutating func write<Key: StringIdentifier, Value>(_ table: [Key: Value], _ each: (inout RecordWriter, Value) -> Void) {
        bytes.append(UInt8(ascii: "["))
        var isFirst = true
        for (key, value) in table {
            if !isFirst { bytes.append(UInt8(ascii: ",")) }
            isFirst = false
            write(key)
            bytes.append(UInt8(ascii: ","))
            each(&self, value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An enum case as its synthesized `Encodable` form writes it: an object whose one member, named
    /// after the case, is an object of the case's associated values (keyed `_0`, `_1`… or by their
    /// labels), written by `values` in the byte order of their keys; empty for a case without any.
    ///
    /// ```swift
    /// case .password(let email): writer.variant("password") { $0.write("email", email) }  // {"password":{"email":…}}
    /// case .totp: writer.variant("totp")                                                    // {"totp":{}}
    /// ```
    public mutating func variant(_ name: String, _ values: (inout Members) -> Void = { _ in }) {
        object { members in
            members.write(name) { $0.object(values) }
        }
    }

    /// The members of an object being written.
    public struct Members {
        fileprivate var writer: RecordWriter
        private var isFirst = true
        /// String members still to be written among the others (``interleave(_:)``), sorted.
        private var interleaved: ArraySlice<(key: String, value: String)> = []
        #if DEBUG
        private var lastKey: String?
        #endif

        fileprivate init(writer: RecordWriter) { self.writer = writer }

        /// Writes the string members of `table` among those written by name from here on, each in its
        /// place in the byte order of the keys (the last ones when the object ends): for a value whose
        /// `Encodable` form adds members of a dictionary to its own, as flat claims do. No key of
        /// `table` may be one written by name.
        public mutating func interleave(_ table: [String: String]) {
            interleaved = table.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }[...]
        }

        /// Writes `"key":` and then the value `body` writes.
        public mutating func write(_ key: String, _ body: (inout RecordWriter) -> Void) {
            writeInterleaved(before: key)
            member(key, body)
        }

        /// Writes the interleaved members whose keys come before `key` (all of them for nil).
        fileprivate mutating func writeInterleaved(before key: String?) {
            while let entry = interleaved.first, key.map({ entry.key.utf8.lexicographicallyPrecedes($0.utf8) }) ?? true {
                interleaved.removeFirst()
                member(entry.key) { $0.write(entry.value) }
            }
        }

        private mutating func member(_ key: String, _ body: (inout RecordWriter) -> Void) {
            #if DEBUG
            precondition(lastKey.map { $0.utf8.lexicographicallyPrecedes(key.utf8) } ?? true, "record key '\(key)' is out of order")
            lastKey = key
            #endif
            if !isFirst { writer.bytes.append(UInt8(ascii: ",")) }
            isFirst = false
            writer.write(key)
            writer.bytes.append(UInt8(ascii: ":"))
            body(&writer)
        }

        /// A string member.
        public mutating func write(_ key: String, _ text: String) { write(key) { $0.write(text) } }
        /// An identifier member.
        public mutating func write(_ key: String, _ identifier: some StringIdentifier) { write(key) { $0.write(identifier) } }
        /// A boolean member.
        public mutating func write(_ key: String, _ flag: Bool) { write(key) { $0.write(flag) } }
        /// An integer member.
        public mutating func write(_ key: String, _ number: Int) { write(key) { $0.write(number) } }
        /// A date member.
        public mutating func write(_ key: String, _ date: Date) { write(key) { $0.write(date) } }
        /// A member that writes itself.
        public mutating func write(_ key: String, _ value: some RecordWritable) { write(key) { $0.write(value) } }
        /// An array of strings.
        public mutating func write(_ key: String, _ items: [String]) { write(key) { $0.write(items) { $0.write($1) } } }
        /// An array of identifiers.
        public mutating func write(_ key: String, _ items: [some StringIdentifier]) { write(key) { $0.write(items) { $0.write($1) } } }
        /// A dictionary with string keys.
        public mutating func write(_ key: String, _ table: [String: String]) { write(key) { $0.write(table) } }
        /// A dictionary whose keys and values are identifiers.
        public mutating func write<Key: StringIdentifier, Value: StringIdentifier>(_ key: String, _ table: [Key: Value]) {
            write(key) { $0.write(table) }
        }
        /// A dictionary from identifiers to integers.
        public mutating func write<Key: StringIdentifier>(_ key: String, _ table: [Key: Int]) {
            write(key) { $0.write(table) { $0.write($1) } }
        }
        /// A dictionary from identifiers to arrays of strings.
        public mutating func write<Key: StringIdentifier>(_ key: String, _ table: [Key: [String]]) {
            write(key) { $0.write(table) { writer, items in writer.write(items) { $0.write($1) } } }
        }

        /// An optional string member, left out when nil.
        public mutating func write(_ key: String, _ text: String?) { if let text { write(key, text) } }
        /// An optional identifier member, left out when nil.
        public mutating func write(_ key: String, _ identifier: (some StringIdentifier)?) { if let identifier { write(key, identifier) } }
        /// An optional integer member, left out when nil.
        public mutating func write(_ key: String, _ number: Int?) { if let number { write(key, number) } }
        /// An optional boolean member, left out when nil.
        public mutating func write(_ key: String, _ flag: Bool?) { if let flag { write(key, flag) } }
        /// An optional array of strings, left out when nil.
        public mutating func write(_ key: String, _ items: [String]?) { if let items { write(key, items) } }
        /// An optional array of identifiers, left out when nil.
        public mutating func write(_ key: String, _ items: [some StringIdentifier]?) { if let items { write(key, items) } }
        /// An optional member that writes itself, left out when nil.
        public mutating func write(_ key: String, _ value: (some RecordWritable)?) { if let value { write(key, value) } }
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
}

// MARK: - FlowEngine's values in records

extension OrganizationContext: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("connection", connection)
            members.write("flowOverrides", flowOverrides)
            members.write("id", id)
            members.write("name", name)
            members.write("path", path)
            members.write("requiredLevel", requiredLevel)
            members.write("suspended", suspended)
        }
    }
}

extension ConnectionReference: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("id", id)
            members.write("kind", kind.rawValue)
        }
    }
}

extension UpstreamLink: RecordWritable {
    public func writeRecord(to writer: inout RecordWriter) {
        writer.object { members in
            members.write("connection", connection)
            members.write("subject", subject)
        }
    }
}
