import FlowEngine
import Foundation
import Testing
@testable import Directory

@Suite("Record writer")
struct RecordWriterTests {
    /// Every kind of member a writer has, written directly and as `Encodable`.
    struct Sample: RecordWritable, Codable, Equatable {
        var attempts: [StepName: Int] = ["password": 2, "totp": -1, "é \"x\"": 0, "code": 12, "email": 1]
        var flag = true
        var id: OrgID = "org \"1\""
        var ids: [OrgID] = ["a", "b"]
        var maybe: String? = nil
        var maybeIDs: [OrgID]? = ["p", "q\n"]
        var maybeNumber: Int? = -7
        var memberships: [OrgID: [String]] = ["provider": ["staff"], "globex": ["admin", "é"], "acme": [], "initech": ["a\\b"]]
        var names = ["x", "é\n"]
        var noIDs: [OrgID]? = nil
        var number = 42
        var table = ["b": "2", "a": "1", "É": "3"]
        var when = Date(timeIntervalSince1970: 1_765_000_000.125)

        func writeRecord(to writer: inout RecordWriter) {
            writer.object { members in
                members.write("attempts", attempts)
                members.write("flag", flag)
                members.write("id", id)
                members.write("ids", ids)
                members.write("maybe", maybe)
                members.write("maybeIDs", maybeIDs)
                members.write("maybeNumber", maybeNumber)
                members.write("memberships", memberships)
                members.write("names", names)
                members.write("noIDs", noIDs)
                members.write("number", number)
                members.write("table", table)
                members.write("when", when)
            }
        }
    }

    /// An enum of every shape of case synthesized `Codable` handles, written with ``RecordWriter/variant(_:_:)``.
    enum Choice: RecordWritable, Codable, Equatable, CaseIterable {
        case none
        case one(String)
        case labelled(count: Int, name: String)
        case mixed(OrgID, tags: [String])

        static let allCases: [Choice] = [.none, .one("é \"1\""), .labelled(count: -3, name: "n\t"), .mixed("org-1", tags: ["a", "b"])]

        func writeRecord(to writer: inout RecordWriter) {
            switch self {
            case .none: writer.variant("none")
            case .one(let text): writer.variant("one") { $0.write("_0", text) }
            case .labelled(let count, let name):
                writer.variant("labelled") { values in
                    values.write("count", count)
                    values.write("name", name)
                }
            case .mixed(let id, let tags):
                writer.variant("mixed") { values in
                    values.write("_0", id)
                    values.write("tags", tags)
                }
            }
        }
    }

    struct ViaEncodable<Value: Encodable>: Encodable {
        let value: Value
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    @Test("a writable value writes what its Encodable form gives the encoder, alone or inside another value")
    func sameAsEncodable() throws {
        // One value throughout: two equal dictionaries built apart may list their entries in different
        // orders, and a dictionary keyed by identifiers is written in its own order.
        let sample = Sample()
        let other = Sample(maybe: "set")
        for dates in [RecordEncoder.DateFormat.secondsSince1970, .secondsSinceReferenceDate] {
            let encoder = RecordEncoder(dates: dates)
            #expect(try encoder.encode(sample) == encoder.encode(ViaEncodable(value: sample)))
            // Inside a value that is not writable, the writable one still writes itself.
            struct Holder: Encodable { var samples: [Sample] }
            let held = String(decoding: try encoder.encode(Holder(samples: [sample, other])), as: UTF8.self)
            let one = String(decoding: try encoder.encode(sample), as: UTF8.self)
            let two = String(decoding: try encoder.encode(other), as: UTF8.self)
            #expect(held == #"{"samples":["# + one + "," + two + "]}")
        }
        #expect(try JSONDecoder().decode(Sample.self, from: RecordEncoder().encode(sample)) == sample)
    }

    @Test("enum cases are written as synthesized Codable encodes them: no payload, unlabelled, labelled, both")
    func enumCases() throws {
        let expected = [
            #"{"none":{}}"#, #"{"one":{"_0":"é \"1\""}}"#, #"{"labelled":{"count":-3,"name":"n\t"}}"#,
            #"{"mixed":{"_0":"org-1","tags":["a","b"]}}"#,
        ]
        for (choice, expected) in zip(Choice.allCases, expected) {
            let encoder = RecordEncoder()
            let written = String(decoding: try encoder.encode(choice), as: UTF8.self)
            #expect(written == expected)
            #expect(written == String(decoding: try encoder.encode(ViaEncodable(value: choice)), as: UTF8.self))
            #expect(try JSONDecoder().decode(Choice.self, from: encoder.encode(choice)) == choice)
        }
    }

    @Test("dictionaries keyed by identifiers are flat arrays of keys and values, in the dictionary's order")
    func identifierKeyedDictionaries() throws {
        let sample = Sample()
        var writer = RecordWriter(dates: .secondsSince1970)
        writer.object { $0.write("attempts", sample.attempts) }
        let attempts = sample.attempts.map { #""\#($0.key.rawValue.replacingOccurrences(of: "\"", with: "\\\""))",\#($0.value)"# }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"attempts":["# + attempts.joined(separator: ",") + "]}")
        #expect(try JSONDecoder().decode(Sample.self, from: RecordEncoder().encode(sample)).memberships == sample.memberships)
        // Empty ones, and a missing optional array.
        let empty = Sample(attempts: [:], maybeIDs: nil, memberships: [:])
        let encoder = RecordEncoder()
        #expect(try encoder.encode(empty) == encoder.encode(ViaEncodable(value: empty)))
        #expect(try JSONDecoder().decode(Sample.self, from: encoder.encode(empty)) == empty)
    }

    @Test("interleaved members go in their places among the named ones: before the first, between, after the last")
    func interleavedMembers() {
        func written(_ table: [String: String]) -> String {
            var writer = RecordWriter(dates: .secondsSince1970)
            writer.object { members in
                members.interleave(table)
                members.write("b", 1)
                members.write("d", true)
            }
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        #expect(written([:]) == #"{"b":1,"d":true}"#)
        #expect(written(["e": "5", "a": "0", "c": "2", "É": "é"]) == #"{"a":"0","b":1,"c":"2","d":true,"e":"5","É":"é"}"#)
    }

    #if DEBUG
    @Test("a member written out of its key's byte order stops a debug build")
    func keysOutOfOrder() async {
        await #expect(processExitsWith: .failure) {
            var writer = RecordWriter(dates: .secondsSince1970)
            writer.object { members in
                members.write("b", 1)
                members.write("a", 2)
            }
        }
    }
    #endif
}
