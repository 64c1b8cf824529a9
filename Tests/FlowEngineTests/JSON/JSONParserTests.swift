import FlowEngine
import Testing

struct JSONParserTests {
    @Test func recordsTheLineColumnAndPointerOfEveryValue() throws {
        let text = """
            {
              "a": [1, "two"],
              "b": {"c": null}
            }
            """
        let root = try JSONParser.parse(text, file: "x.json")
        #expect(root.location == SourceLocation(file: "x.json", line: 1, column: 1))
        let a = try #require(root["a"])
        #expect((a.location.line, a.location.column) == (2, 8))
        let two = try #require(a.arrayElements?[1])
        #expect((two.location.line, two.location.column) == (2, 12))
        #expect(two.pointer.description == "/a/1")
        #expect(two.value == .string("two"))
        let c = try #require(root["b"]?["c"])
        #expect((c.location.line, c.location.column) == (3, 14))
        #expect(c.pointer.description == "/b/c")
        let keyB = try #require(root.objectMembers?[1])
        #expect((keyB.keyLocation.line, keyB.keyLocation.column) == (3, 3))
    }

    @Test func countsColumnsInUnicodeScalarsNotBytes() throws {
        let root = try JSONParser.parse(#"{"é": "ü", "x": 1}"#, file: "x.json")
        let x = try #require(root["x"])
        #expect(x.location.column == 17)
    }

    @Test func skipsAByteOrderMarkWithoutCountingIt() throws {
        let root = try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8), file: "bom.json")
        let a = try #require(root["a"])
        #expect(a.value == .number(1))
        #expect((a.location.line, a.location.column) == (1, 7))
    }

    @Test func escapesAPointerTokenAsRFC6901Says() throws {
        let root = try JSONParser.parse(#"{"a/b": {"m~n": true}}"#, file: "x.json")
        #expect(root["a/b"]?["m~n"]?.pointer.description == "/a~1b/m~0n")
    }

    @Test func decodesEveryEscapeAndSurrogatePairs() throws {
        let root = try JSONParser.parse(#"["\"\\\/\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00"]"#, file: "x.json")
        let strings = try #require(root.arrayElements).map(\.stringValue)
        #expect(strings == ["\"\\/\u{08}\u{0C}\n\r\t", "é中", "😀"])
    }

    @Test func parsesNumbersAsRFC8259WritesThem() throws {
        let root = try JSONParser.parse("[0, -0.5e+2, 1E3, 12.25]", file: "x.json")
        #expect(try #require(root.arrayElements).map(\.value) == [.number(0), .number(-50), .number(1000), .number(12.25)])
    }

    @Test func readsWholeNumbersExactlyOnEitherSideOfTheFifteenDigitShortcut() throws {
        let text = "[-0, -5, 1772359200, 999999999999999, 1234567890123456, 9007199254740993, 10.0]"
        let expected: [Double] = [-0.0, -5, 1_772_359_200, 999_999_999_999_999, 1_234_567_890_123_456, 9_007_199_254_740_993, 10]
        let located = try #require(try JSONParser.parse(text, file: "x.json").arrayElements).map(\.value)
        #expect(located == expected.map(JSONValue.number))
        #expect(try PlainJSON.parse(Array(text.utf8), file: "x.json", limits: .files) == .array(expected.map(PlainJSON.number)))
        guard case .number(let minusZero) = located[0] else { return }
        #expect(minusZero.sign == .minus)
    }

    @Test func rejectsADuplicateKeyAtTheSecondOccurrence() {
        let text = """
            {
              "a": 1,
              "a": 2
            }
            """
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text, file: "dup.json") }
        #expect(error?.message == "duplicate key 'a' (first defined at 2:3)")
        #expect(error?.location == SourceLocation(file: "dup.json", line: 3, column: 3))
        #expect(error?.description == "dup.json:3:3: error: duplicate key 'a' (first defined at 2:3)")
    }

    @Test func rejectsADocumentOverTheSizeLimitBeforeParsing() {
        let error = #expect(throws: JSONParseError.self) {
            try JSONParser.parse(#"{"padding": "0123456789"}"#, file: "big.json", limits: JSONLimits(maxBytes: 10))
        }
        #expect(error?.message == "file is 25 bytes; the limit is 10 bytes")
        #expect(error?.location == SourceLocation(file: "big.json", line: 1, column: 1))
    }

    @Test func acceptsNestingUpToTheDepthLimitAndRejectsOneLevelMore() throws {
        let limit = JSONLimits.files.maxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        _ = try JSONParser.parse(deepest, file: "deep.json")
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(tooDeep, file: "deep.json") }
        #expect(error?.message == "nesting is deeper than 32 levels")
        #expect(error?.location.column == limit + 1)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let text: String
        let message: String
        let line: Int
        let column: Int
        var testDescription: String { message }
    }

    @Test(arguments: [
        Malformed(text: "", message: "unexpected end of file; expected a value", line: 1, column: 1),
        Malformed(text: #"{"a" 1}"#, message: "expected ':' after the member name", line: 1, column: 6),
        Malformed(text: "[1 2]", message: "expected ',' or ']' after an array element", line: 1, column: 4),
        Malformed(text: #"{"a": 1,}"#, message: "expected a member name in double quotes", line: 1, column: 9),
        Malformed(text: "{\n  \"a\": tru\n}", message: "invalid literal; expected 'true'", line: 2, column: 11),
        Malformed(text: #""abc"#, message: "unterminated string", line: 1, column: 5),
        Malformed(text: "\"a\tb\"", message: "control character in string; escape it", line: 1, column: 3),
        Malformed(text: #"["a\x"]"#, message: #"invalid escape '\x'"#, line: 1, column: 6),
        Malformed(text: #""\u12G4""#, message: #"expected four hex digits in \u escape"#, line: 1, column: 6),
        Malformed(text: #""\ud83d""#, message: #"unpaired surrogate in \u escape"#, line: 1, column: 8),
        Malformed(text: #""\ude00""#, message: #"unpaired surrogate in \u escape"#, line: 1, column: 8),
        Malformed(text: #""\ud83d\u0041""#, message: #"invalid low surrogate in \u escape"#, line: 1, column: 14),
        Malformed(text: "-", message: "invalid number", line: 1, column: 1),
        Malformed(text: "1.", message: "invalid number: digits expected after '.'", line: 1, column: 1),
        Malformed(text: "1e+", message: "invalid number: digits expected in the exponent", line: 1, column: 1),
        Malformed(text: "1e400", message: "number out of range", line: 1, column: 1),
        Malformed(text: "+1", message: "unexpected character '+'; expected a value", line: 1, column: 1),
        Malformed(text: "01", message: "unexpected text after the JSON value", line: 1, column: 2),
        Malformed(text: "{} x", message: "unexpected text after the JSON value", line: 1, column: 4),
    ])
    func rejectsMalformedInputAtTheFaultyPosition(_ input: Malformed) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(input.text, file: "bad.json") }
        #expect(error?.message == input.message)
        #expect(error?.location.line == input.line)
        #expect(error?.location.column == input.column)
        // The plain parse runs the same grammar, so it fails at the same place with the same words.
        let plainError = #expect(throws: JSONParseError.self) {
            try PlainJSON.parse(Array(input.text.utf8), file: "bad.json", limits: .files)
        }
        #expect(plainError == error)
    }

    @Test func plainParseReadsTheSameValuesAsTheLocatedParse() throws {
        let text = #"{"a": [1, -0.5e+2, "t\u00e9\ud83d\ude00", true, false, null], "b": {"c": {}, "d": []}, "é": "ü"}"#
        let plain = try PlainJSON.parse(Array(text.utf8), file: "x.json", limits: .files)
        #expect(plain == (try JSONParser.parse(text, file: "x.json")).plain)
        #expect(
            plain
                == .object([
                    "a": .array([.number(1), .number(-50), .string("té😀"), .bool(true), .bool(false), .null]),
                    "b": .object(["c": .object([:]), "d": .array([])]), "é": .string("ü"),
                ]))
    }

    @Test func plainParseRefusesADuplicateKeyAtTheSecondOccurrence() {
        let error = #expect(throws: JSONParseError.self) {
            try PlainJSON.parse(Array(#"{"alg": "RS256", "alg": "none"}"#.utf8), file: "header", limits: .files)
        }
        #expect(error?.message == "duplicate key 'alg'")
        #expect(error?.location == SourceLocation(file: "header", line: 1, column: 18))
    }

    @Test func plainParseKeepsTheSizeAndDepthLimits() {
        let limits = JSONLimits(maxBytes: 64, maxDepth: 2)
        let tooBig = #expect(throws: JSONParseError.self) {
            try PlainJSON.parse(Array(repeating: UInt8(ascii: " "), count: 65), file: "claims", limits: limits)
        }
        #expect(tooBig?.message == "file is 65 bytes; the limit is 64 bytes")
        let tooDeep = #expect(throws: JSONParseError.self) { try PlainJSON.parse(Array("[[[]]]".utf8), file: "claims", limits: limits) }
        #expect(tooDeep?.message == "nesting is deeper than 2 levels")
    }
}
