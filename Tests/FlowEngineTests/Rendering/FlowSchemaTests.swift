@testable import FlowEngine
import Foundation
import Testing

struct FlowSchemaTests {
    /// The repository root, found from this file's path (Tests/FlowEngineTests/Rendering/).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func schemaFileIsInSyncWithTheModel() throws {
        let url = Self.repositoryRoot.appendingPathComponent("flows/schema.json")
        let committed = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .newlines)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let generated = FlowSchema.jsonSchema().split(separator: "\n", omittingEmptySubsequences: false)
        guard committed != generated else { return }
        let line = zip(committed, generated).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(committed.count, generated.count)
        Issue.record(
            """
            flows/schema.json is out of date with the step catalogue (first difference at line \(line + 1)): \
            run `gatehouse flow schema > flows/schema.json`
            """)
    }

    @Test func schemaIsDeterministicJSONWithoutDuplicateKeys() throws {
        let text = FlowSchema.jsonSchema()
        #expect(text == FlowSchema.jsonSchema())
        let root = try JSONParser.parse(text, file: "schema.json")
        #expect(root["$schema"]?.stringValue == "https://json-schema.org/draft/2020-12/schema")
        #expect(text.hasPrefix("{\n  \"$defs\": {\n    \"allow_step\": {\n"))
    }

    @Test func topLevelMembersAreTheDecodersAndNoOthers() throws {
        let root = try JSONParser.parse(FlowSchema.jsonSchema(), file: "schema.json")
        let properties = try #require(root["properties"]?.objectMembers).map(\.key)
        #expect(properties.sorted() == FlowDecoder.topLevelFields.sorted())
        #expect(root["required"]?.arrayElements?.compactMap(\.stringValue) == ["start", "steps"])
        #expect(root["additionalProperties"]?.value == .bool(false))
    }

    struct Bound: Sendable, CustomTestStringConvertible {
        let field: String
        var testDescription: String { field }
    }

    /// The bounds the schema states are the ones the decoder enforces.
    @Test(arguments: [Bound(field: "max_steps"), Bound(field: "timeout_seconds")])
    func integerBoundsAgreeWithTheDecoder(_ bound: Bound) throws {
        let root = try JSONParser.parse(FlowSchema.jsonSchema(), file: "schema.json")
        let property = try #require(root["properties"]?[bound.field])
        guard case .number(let low) = property["minimum"]?.value, case .number(let high) = property["maximum"]?.value else {
            Issue.record("\(bound.field) has no bounds")
            return
        }
        func rejects(_ value: Double) -> Bool {
            let json = #"{"start": "d", "\#(bound.field)": \#(Int(value)), "steps": {"d": {"type": "deny"}}}"#
            return diagnostics(json).contains { $0.rule == "wrong-type" }
        }
        #expect(!rejects(low) && !rejects(high))
        #expect(rejects(low - 1) && rejects(high + 1))
    }

    @Test func everyStepTypeIsOneAlternativeWithItsOwnFieldsAndOutcomes() throws {
        let root = try JSONParser.parse(FlowSchema.jsonSchema(), file: "schema.json")
        let defs = try #require(root["$defs"])
        let alternatives = try #require(defs["step"]?["oneOf"]?.arrayElements).compactMap { $0["$ref"]?.stringValue }
        #expect(alternatives == StepCatalog.specs.map { "#/$defs/\($0.type)_step" })
        for spec in StepCatalog.specs {
            let step = try #require(defs["\(spec.type)_step"])
            #expect(step["additionalProperties"]?.value == .bool(false))
            #expect(step["properties"]?["type"]?["const"]?.stringValue == spec.type)
            let members = try #require(step["properties"]?.objectMembers).map(\.key)
            let expected = ["type", "description"] + spec.fields.map(\.name) + (spec.outcomes.isEmpty ? [] : ["next"])
            #expect(members.sorted() == expected.sorted(), "\(spec.type)")
            let required = step["required"]?.arrayElements?.compactMap(\.stringValue) ?? []
            #expect(Set(required) == Set(["type"] + spec.fields.filter(\.required).map(\.name) + (spec.outcomes.isEmpty ? [] : ["next"])))
            if let next = step["properties"]?["next"] {
                #expect(next["additionalProperties"]?.value == .bool(false))
                #expect(next["required"]?.arrayElements?.compactMap(\.stringValue) == spec.outcomes.map(\.rawValue))
            }
        }
    }

    @Test func predicateLanguageIsRecursiveAndCoversEveryField() throws {
        let root = try JSONParser.parse(FlowSchema.jsonSchema(), file: "schema.json")
        let alternatives = try #require(root["$defs"]?["predicate"]?["oneOf"]?.arrayElements)
        let fields = alternatives.compactMap { $0["properties"]?["field"]?["const"]?.stringValue }
        #expect(fields == PredicateField.names.filter { !$0.hasPrefix("claims.") })
        #expect(alternatives.contains { $0["properties"]?["field"]?["pattern"]?.stringValue == #"^claims\..+$"# })
        #expect(alternatives[0]["properties"]?["all"]?["items"]?["$ref"]?.stringValue == "#/$defs/predicate")
        #expect(alternatives[2]["properties"]?["not"]?["$ref"]?.stringValue == "#/$defs/predicate")
        let amr = try #require(alternatives.first { $0["properties"]?["field"]?["const"]?.stringValue == "amr" })
        #expect(try #require(amr["properties"]?.objectMembers).map(\.key).sorted() == ["contains", "field"])
        #expect(amr["maxProperties"]?.value == .number(2))
    }
}
