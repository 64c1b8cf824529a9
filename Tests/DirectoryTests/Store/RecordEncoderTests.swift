import FlowEngine
import Foundation
import Testing
@testable import Directory

@Suite("Record encoder")
struct RecordEncoderTests {
    /// Every kind of value a record holds.
    struct Everything: Codable, Equatable {
        enum Kind: Codable, Equatable {
            case plain
            case withValues(name: String, count: Int)
        }

        var text = "Zoë \"quoted\" back\\slash\nnew line\ttab \u{01} 🎉"
        var integer = -42
        var big: Int64 = .max
        var unsigned: UInt64 = .max
        var small: UInt8 = 7
        var fraction = 0.1
        var whole = 3.0
        var tiny = 5e-324
        var float: Float = 1.5
        var flag = true
        var missing: String? = nil
        var present: String? = "here"
        var date = Date(timeIntervalSinceReferenceDate: 786_543_210.123_456_7)
        var data = Data([0, 1, 2, 250, 255])
        var url = URL(string: "https://app.test/cb?x=1&y=%20")!
        var decimal = Decimal(string: "12.345")!
        var list = ["a", "b"]
        var numbers = [1, 2, 3]
        var nested = [Kind.plain, .withValues(name: "n", count: 2)]
        var table = ["zeta": 1, "alpha": 2, "Émile": 3]
        var byNumber = [3: "c", 1: "a"]
        var matrix = [[1.5], [], [2]]
        var optionals: [String?] = ["x", nil]
        var user: UserID = "u-1"
        var orgPath: [OrgID] = ["provider", "org \"1\""]
        var level: LevelName? = "aal2"
        var flows: [AppID: FlowID] = ["app": "flow"]
    }

    private func foundationJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(value)
    }

    private func parsed(_ data: Data) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? NSObject)
    }

    @Test("JSONDecoder reads back exactly what was encoded, and the JSON means what JSONEncoder's does")
    func roundTrip() throws {
        let value = Everything()
        let data = try RecordEncoder().encode(value)
        #expect(try JSONDecoder().decode(Everything.self, from: data) == value)
        #expect(try parsed(data) == parsed(foundationJSON(value)))
    }

    @Test("dates as seconds since 1970, as JSONEncoder's strategy of that name writes them")
    func datesSince1970() throws {
        let value = Everything()
        let data = try RecordEncoder(dates: .secondsSince1970).encode(value)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        #expect(try decoder.decode(Everything.self, from: data).date == decoder.decode(Everything.self, from: encoder.encode(value)).date)
        #expect(try parsed(data) == parsed(encoder.encode(value)))
    }

    @Test("keys are sorted by their bytes; a nil optional is left out; numbers keep their shortest form")
    func layout() throws {
        struct Small: Encodable {
            var b = "x"
            var a = 1
            var none: Int? = nil
            var Z = 2.5
            var whole = 2.0
        }
        #expect(String(decoding: try RecordEncoder().encode(Small()), as: UTF8.self) == #"{"Z":2.5,"a":1,"b":"x","whole":2}"#)
    }

    @Test("keys sharing their first eight bytes, prefixes of each other, empty or not ASCII sort by their bytes, as JSONEncoder's do")
    func keysSortLikeTheirBytes() throws {
        let keys = [
            "expiresIn", "expiresAt", "expires", "expiresAtX", "", "a", "ab", "abcdefgh", "abcdefg", "abcdefghi", "Émile", "Zulu", "zulu",
            "é", "a\u{0}b", "a\u{0}", "~", "0",
        ]
        var table: [String: Int] = [:]
        for (number, key) in keys.enumerated() { table[key] = number }
        let json = String(decoding: try RecordEncoder().encode(table), as: UTF8.self)
        #expect(json == String(decoding: try foundationJSON(table), as: UTF8.self))
        let order = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let written = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Int])
        #expect(written == table)
        var position = json.startIndex
        for key in order {
            let field = try RecordEncoder().encode([key]).dropFirst().dropLast()  // the key as a JSON string
            let range = try #require(json.range(of: String(decoding: field, as: UTF8.self) + ":", range: position..<json.endIndex), "\(key)")
            position = range.upperBound
        }
    }

    @Test("strings are escaped as RFC 8259 asks, and only so")
    func escaping() throws {
        let text = "q\" b\\ n\n r\r t\t \u{08}\u{0C} c\u{01}\u{1F} é/🎉"
        let json = String(decoding: try RecordEncoder().encode([text]), as: UTF8.self)
        #expect(json == #"["q\" b\\ n\n r\r t\t \b\f c\u0001\u001f é/🎉"]"#)
        #expect(try JSONDecoder().decode([String].self, from: Data(json.utf8)) == [text])
    }

    @Test("equal dictionaries give equal bytes, whatever order they were filled in")
    func deterministic() throws {
        var first: [String: Int] = [:]
        var second: [String: Int] = [:]
        for n in 0..<50 { first["key-\(n)"] = n }
        for n in (0..<50).reversed() { second["key-\(n)"] = n }
        #expect(try RecordEncoder().encode(first) == RecordEncoder().encode(second))
    }

    @Test("a key encoded twice keeps its last value")
    func repeatedKey() throws {
        struct Twice: Encodable {
            enum Keys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(1, forKey: .a)
                try container.encode(2, forKey: .b)
                try container.encode(3, forKey: .a)
            }
        }
        #expect(String(decoding: try RecordEncoder().encode(Twice()), as: UTF8.self) == #"{"a":3,"b":2}"#)
    }

    @Test("a superclass's encoding goes under \"super\", as JSONEncoder puts it")
    func superEncoder() throws {
        class Base: Codable {
            var id = "base"
        }
        final class Derived: Base {
            var extra = 5
            enum Keys: String, CodingKey { case extra }
            override init() { super.init() }
            required init(from decoder: any Decoder) throws { try super.init(from: decoder) }
            override func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(extra, forKey: .extra)
                try super.encode(to: container.superEncoder())
            }
        }
        let data = try RecordEncoder().encode(Derived())
        #expect(String(decoding: data, as: UTF8.self) == #"{"extra":5,"super":{"id":"base"}}"#)
        #expect(try parsed(data) == parsed(foundationJSON(Derived())))
    }

    @Test("a non-finite number is refused with its coding path")
    func refusesNonFiniteNumbers() throws {
        struct Holder: Encodable { var inner = [Double.nan] }
        #expect {
            try RecordEncoder().encode(Holder())
        } throws: { error in
            guard case EncodingError.invalidValue(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["inner", "0"]
        }
        #expect(throws: EncodingError.self) { try RecordEncoder().encode(Double.infinity) }
    }

    @Test("a value asking for its coding path gets where it is, through objects and arrays")
    func codingPathOfNestedValues() throws {
        final class Seen: @unchecked Sendable { var paths: [[String]] = [] }
        struct Probe: Encodable {
            let seen: Seen
            func encode(to encoder: any Encoder) throws {
                seen.paths.append(encoder.codingPath.map(\.stringValue))
                var container = encoder.singleValueContainer()
                try container.encode(1)
            }
        }
        struct Inner: Encodable { var probe: Probe }
        struct Outer: Encodable {
            var items: [Inner]
            var direct: Probe
        }
        let seen = Seen()
        let data = try RecordEncoder().encode(Outer(items: [Inner(probe: Probe(seen: seen)), Inner(probe: Probe(seen: seen))], direct: Probe(seen: seen)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"direct":1,"items":[{"probe":1},{"probe":1}]}"#)
        #expect(seen.paths == [["items", "0", "probe"], ["items", "1", "probe"], ["direct"]])
        struct Deep: Encodable { var outer = [["x": [1.0, .nan]]] }
        #expect {
            try RecordEncoder().encode(Deep())
        } throws: { error in
            guard case EncodingError.invalidValue(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["outer", "0", "x", "1"]
        }
    }

    @Test("a value that encodes nothing is refused")
    func refusesNothing() throws {
        struct Silent: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(throws: EncodingError.self) { try RecordEncoder().encode(Silent()) }
        // An empty keyed container is an empty object, as with JSONEncoder.
        struct Empty: Encodable {
            enum Keys: CodingKey {}
            func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: Keys.self) }
        }
        #expect(try RecordEncoder().encode(Empty()) == Data("{}".utf8))
    }
}
