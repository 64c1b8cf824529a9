import FlowEngine
import Foundation
import Testing
@testable import Directory

@Suite("Record writer")
struct RecordWriterTests {
    /// Every kind of member a writer has, written directly and as `Encodable`.
    struct Sample: RecordWritable, Codable, Equatable {
        var flag = true
        var id: OrgID = "org \"1\""
        var ids: [OrgID] = ["a", "b"]
        var maybe: String? = nil
        var maybeNumber: Int? = -7
        var names = ["x", "é\n"]
        var number = 42
        var table = ["b": "2", "a": "1", "É": "3"]
        var when = Date(timeIntervalSince1970: 1_765_000_000.125)

        func writeRecord(to writer: inout RecordWriter) {
            writer.object { members in
                members.write("flag", flag)
                members.write("id", id)
                members.write("ids", ids)
                members.write("maybe", maybe)
                members.write("maybeNumber", maybeNumber)
                members.write("names", names)
                members.write("number", number)
                members.write("table", table)
                members.write("when", when)
            }
        }
    }

    struct ViaEncodable<Value: Encodable>: Encodable {
        let value: Value
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    @Test("a writable value writes what its Encodable form gives the encoder, alone or inside another value")
    func sameAsEncodable() throws {
        for dates in [RecordEncoder.DateFormat.secondsSince1970, .secondsSinceReferenceDate] {
            let encoder = RecordEncoder(dates: dates)
            #expect(try encoder.encode(Sample()) == encoder.encode(ViaEncodable(value: Sample())))
            // Inside a value that is not writable, the writable one still writes itself.
            struct Holder: Encodable { var samples = [Sample(), Sample(maybe: "set")] }
            let held = String(decoding: try encoder.encode(Holder()), as: UTF8.self)
            let one = String(decoding: try encoder.encode(Sample()), as: UTF8.self)
            let two = String(decoding: try encoder.encode(Sample(maybe: "set")), as: UTF8.self)
            #expect(held == #"{"samples":["# + one + "," + two + "]}")
        }
        #expect(try JSONDecoder().decode(Sample.self, from: RecordEncoder().encode(Sample())) == Sample())
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
