import FlowEngine
import Testing

struct PredicateDecodingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let when: String
        let rule: String
        let message: String
        let column: Int
        var suggestion: String? = nil
        var testDescription: String { when }
    }

    /// The predicate under test starts at line 5, column 16 of an otherwise valid flow.
    @Test(arguments: [
        Case(
            when: #"{"field": "conection.kind", "equals": "saml"}"#, rule: "invalid-predicate",
            message: "unknown predicate field 'conection.kind'", column: 26, suggestion: "did you mean 'connection.kind'?"),
        Case(
            when: #"{"field": "amr", "equals": "pwd"}"#, rule: "invalid-predicate",
            message: "operator 'equals' does not apply to field 'amr'; use contains", column: 43),
        Case(when: #"{"field": "amr", "contains": 5}"#, rule: "wrong-type", message: "'contains' must be a string, not number", column: 45),
        Case(
            when: #"{"field": "connection.kind", "equals": "smal"}"#, rule: "invalid-predicate",
            message: "'smal' is not a connection kind", column: 55, suggestion: "did you mean 'saml'?"),
        Case(
            when: #"{"field": "amr", "contains": "pwd", "exists": true}"#, rule: "invalid-predicate",
            message: "a field test takes exactly one operator (contains)", column: 16),
        Case(when: #"{"field": "user"}"#, rule: "invalid-predicate", message: "a field test takes exactly one operator (exists)", column: 16),
        Case(
            when: #"{"all": [], "not": {}}"#, rule: "invalid-predicate",
            message: "a predicate takes exactly one of 'all', 'any', 'not', 'field' (found all, not)", column: 16),
        Case(when: #"{"all": []}"#, rule: "wrong-type", message: "'all' must be a non-empty array of predicates", column: 16),
        Case(
            when: #"{"not": {"field": "acr", "at_least": 2}}"#, rule: "wrong-type", message: "'at_least' must be a string, not number",
            column: 53),
        Case(
            when: #"{"field": "org", "in": []}"#, rule: "wrong-type", message: "'in' must be a non-empty array of strings, not array",
            column: 39),
        Case(when: #""user""#, rule: "wrong-type", message: "a predicate must be an object, not string", column: 16),
    ])
    func rejectsAMalformedPredicateAtItsPosition(_ input: Case) throws {
        let found = diagnostics(
            """
            {
              "start": "route",
              "steps": {
                "route": {"type": "choice", "default": "done", "choices": [
                  {"when": \(input.when), "next": "done"}
                ]},
                "done": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == input.rule)
        #expect(only.message == input.message)
        #expect(only.position == "5:\(input.column)")
        #expect(only.suggestion == input.suggestion)
    }
}
