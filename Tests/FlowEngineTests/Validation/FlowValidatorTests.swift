import FlowEngine
import Testing

/// One test per rule: each flow breaks exactly one rule, and the test checks the rule name, the
/// position and the suggestion (and that nothing else is reported).
struct FlowValidatorTests {
    @Test func acceptsAValidFlowWithoutAnyFinding() {
        #expect(diagnostics(World.portalJSON, references: World.references) == [])
    }

    @Test func rejectsUnknownStepTypeWithSuggestion() throws {
        let found = diagnostics(
            """
            {
              "start": "otp",
              "steps": {
                "otp": {"type": "topt", "next": {"success": "done"}, "max_attempts": 3},
                "done": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "unknown-step-type")
        #expect(only.message == "unknown step type 'topt'")
        #expect(only.position == "4:21")
        #expect(only.pointer.description == "/steps/otp/type")
        #expect(only.suggestion == "did you mean 'totp'?")
    }

    @Test func rejectsUnknownTransitionTargetWithSuggestion() throws {
        let found = diagnostics(
            """
            {
              "start": "password",
              "steps": {
                "password": {"type": "password", "next": {"success": "done", "failure": "dnoe", "locked": "done"}},
                "done": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "unknown-transition-target")
        #expect(only.message == "step 'password' goes to unknown step 'dnoe' on 'failure'")
        #expect(only.position == "4:77")
        #expect(only.suggestion == "did you mean 'done'?")
    }

    @Test func reportsATransitionToAnUndefinedStepOnlyOnce() {
        let found = diagnostics(
            """
            {
              "start": "identify",
              "steps": {
                "identify": {"type": "identify", "next": {"success": "pasword"}},
                "password": {"type": "password", "next": {"success": "done", "failure": "done", "locked": "done"}},
                "done": {"type": "deny"}
              }
            }
            """)
        #expect(found.filter { $0.severity == .error }.map(\.rule) == ["unknown-transition-target"])
    }

    @Test func warnsAboutAnUnreachableStep() throws {
        let found = diagnostics(
            """
            {
              "start": "done",
              "steps": {
                "done": {"type": "deny"},
                "orphan": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "unreachable-step")
        #expect(only.severity == .warning)
        #expect(only.position == "5:15")
        #expect(only.suggestion == "remove it or add a transition to it")
        #expect(!found.hasErrors)
    }

    @Test func rejectsStepsWithNoPathToATerminal() {
        let found = diagnostics(
            """
            {
              "start": "identify",
              "steps": {
                "identify": {"type": "identify", "next": {"success": "password"}},
                "password": {"type": "password", "next": {"success": "identify", "failure": "identify", "locked": "identify"}},
                "done": {"type": "allow"}
              }
            }
            """)
        let errors = found.filter { $0.severity == .error }
        #expect(errors.map(\.rule) == ["no-terminal-path", "no-terminal-path"])
        #expect(errors.map(\.position) == ["4:17", "5:17"])
        #expect(errors.first?.message == "no path from step 'identify' ever reaches an allow or deny step")
        #expect(errors.first?.suggestion == "route one of its outcomes towards an allow or deny step")
        #expect(found.filter { $0.severity == .warning }.map(\.rule) == ["unreachable-step"])
    }

    @Test func rejectsAnOutcomeTheStepTypeNeverProduces() throws {
        let found = diagnostics(
            """
            {
              "start": "password",
              "steps": {
                "password": {"type": "password", "next": {"success": "done", "failure": "done", "locked": "done", "faliure": "done"}},
                "done": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "unknown-outcome")
        #expect(only.message == "a 'password' step never produces 'faliure'; its outcomes are success, failure, locked")
        #expect(only.position == "4:114")
        #expect(only.suggestion == "did you mean 'failure'?")
    }

    @Test func rejectsAnOutcomeWithoutATransition() throws {
        let found = diagnostics(
            """
            {
              "start": "password",
              "steps": {
                "password": {"type": "password", "next": {"success": "done", "failure": "done"}},
                "done": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "missing-outcome")
        #expect(only.message == "step 'password' has no transition for its outcome 'locked'")
        #expect(only.position == "4:17")
        #expect(only.suggestion == #"add "locked": "<step>" to its 'next'"#)
    }

    @Test func rejectsALoopThatNeverAsksTheUser() throws {
        let found = diagnostics(
            """
            {
              "start": "route",
              "steps": {
                "route": {"type": "choice", "choices": [{"when": {"field": "user", "exists": true}, "next": "done"}], "default": "check"},
                "check": {"type": "assurance", "next": {"met": "done", "unmet": "route"}},
                "done": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "busy-loop")
        #expect(only.message == "steps 'route' → 'check' form a loop that never asks the user for anything")
        #expect(only.position == "4:14")
        #expect(only.suggestion == "break the loop or put an interactive step in it")
    }

    @Test func acceptsALoopThroughAnInteractiveStep() {
        let found = diagnostics(
            """
            {
              "start": "route",
              "steps": {
                "route": {"type": "choice", "choices": [{"when": {"field": "user", "exists": true}, "next": "done"}], "default": "password"},
                "password": {"type": "password", "next": {"success": "route", "failure": "route", "locked": "done"}},
                "done": {"type": "deny"}
              }
            }
            """)
        #expect(found == [])
    }

    @Test func rejectsAnUndefinedStartStepWithSuggestion() throws {
        let found = diagnostics(
            """
            {
              "start": "identfy",
              "steps": {
                "identify": {"type": "identify", "next": {"success": "done"}},
                "done": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "unknown-start-step")
        #expect(only.message == "start step 'identfy' is not defined")
        #expect(only.position == "2:12")
        #expect(only.suggestion == "did you mean 'identify'?")
    }

    struct WrongType: Sendable, CustomTestStringConvertible {
        let member: String
        let message: String
        let column: Int
        var testDescription: String { member }
    }

    /// The member under test is on line 5 of a password step that is otherwise valid.
    @Test(arguments: [
        WrongType(
            member: #""max_attempts": "three""#, message: #"'max_attempts' in step 's' must be an integer from 1 to 10, not the string "three""#,
            column: 23),
        WrongType(member: #""max_attempts": 11"#, message: "'max_attempts' in step 's' must be an integer from 1 to 10, not the number 11", column: 23),
        WrongType(member: #""description": ["a"]"#, message: "'description' in step 's' must be a string, not array", column: 22),
    ])
    func rejectsAFieldOfTheWrongType(_ input: WrongType) throws {
        let found = diagnostics(
            """
            {
              "start": "s",
              "steps": {
                "s": {"type": "password", "next": {"success": "d", "failure": "d", "locked": "d"},
                  \(input.member)},
                "d": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "wrong-type")
        #expect(only.message == input.message)
        #expect(only.position == "5:\(input.column)")
    }

    @Test func rejectsTopLevelMembersOfTheWrongType() {
        let found = diagnostics(
            """
            {
              "start": "d",
              "max_steps": 0,
              "timeout_seconds": "long",
              "steps": {"d": {"type": "deny"}, "e": "deny"}
            }
            """)
        #expect(found.map(\.rule) == ["wrong-type", "wrong-type", "wrong-type"])
        #expect(found.map(\.position) == ["3:16", "4:22", "5:41"])
        #expect(
            found.map(\.message) == [
                "'max_steps' in a flow file must be an integer from 1 to 1000, not the number 0",
                #"'timeout_seconds' in a flow file must be an integer from 10 to 86400, not the string "long""#,
                "step 'e' must be an object, not string",
            ])
    }

    @Test func rejectsUnknownFieldsWithSuggestion() {
        let found = diagnostics(
            """
            {
              "start": "s",
              "strat": "s",
              "steps": {
                "s": {"type": "password", "max_attempt": 3, "next": {"success": "d", "failure": "d", "locked": "d"}},
                "d": {"type": "deny"}
              }
            }
            """)
        #expect(found.map(\.rule) == ["unknown-field", "unknown-field"])
        #expect(found.map(\.position) == ["3:3", "5:31"])
        #expect(found.map(\.message) == ["unknown field 'strat' in a flow file", "unknown field 'max_attempt' in step 's'"])
        #expect(found.map(\.suggestion) == ["did you mean 'start'?", "did you mean 'max_attempts'?"])
    }

    @Test func rejectsMissingRequiredFields() {
        let found = diagnostics(
            """
            {
              "steps": {
                "google": {"type": "social", "next": {"success": "d", "failure": "d"}},
                "route": {"type": "choice", "choices": [{"when": {"field": "user", "exists": true}}]},
                "notype": {"max_attempts": 2},
                "d": {"type": "deny"}
              }
            }
            """)
        #expect(found.map(\.rule) == ["missing-field", "missing-field", "missing-field", "missing-field", "missing-field"])
        #expect(found.map(\.position) == ["1:1", "3:15", "4:14", "4:45", "5:15"])
        #expect(
            found.map(\.message) == [
                "a flow file is missing the required field 'start'",
                "step 'google' is missing the required field 'provider'",
                "step 'route' is missing the required field 'default'",
                "a choice is missing the required field 'next'",
                "step 'notype' is missing the required field 'type'",
            ])
    }

    @Test func rejectsAnInvalidValueWithSuggestion() throws {
        let found = diagnostics(
            """
            {
              "start": "s",
              "steps": {
                "s": {"type": "social", "provider": "gogle", "next": {"success": "d", "failure": "d"}},
                "d": {"type": "deny"}
              }
            }
            """)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "invalid-value")
        #expect(only.message == "'gogle' is not a valid provider for step 's'; expected one of 'google', 'microsoft', 'github', 'apple'")
        #expect(only.position == "4:41")
        #expect(only.suggestion == "did you mean 'google'?")
    }

    @Test func rejectsNextOnTerminalAndChoiceSteps() {
        let found = diagnostics(
            """
            {
              "start": "route",
              "steps": {
                "route": {"type": "choice", "choices": [{"when": {"field": "user", "exists": true}, "next": "done"}], "default": "done",
                  "next": {"success": "done"}},
                "done": {"type": "allow", "next": {"success": "route"}}
              }
            }
            """)
        #expect(found.map(\.rule) == ["invalid-transition", "invalid-transition"])
        #expect(found.map(\.position) == ["5:15", "6:39"])
        #expect(
            found.map(\.message) == [
                "a choice step branches with 'choices' and 'default', not 'next'", "'allow' ends the flow and takes no 'next'",
            ])
    }

    struct Reference: Sendable, CustomTestStringConvertible {
        let step: String
        let message: String
        let column: Int
        let suggestion: String?
        var testDescription: String { message }
    }

    /// The step under test is `s`, on line 4 from column 10.
    @Test(arguments: [
        Reference(
            step: #"{"type": "federate", "connection": "acme-sam", "next": {"success": "done", "failure": "done"}}"#,
            message: "unknown connection 'acme-sam' (not in the configuration)", column: 45, suggestion: "did you mean 'acme-saml'?"),
        Reference(
            step: #"{"type": "social", "provider": "github", "connection": "google", "next": {"success": "done", "failure": "done"}}"#,
            message: "connection 'google' is a 'google' connection, not 'github'", column: 65, suggestion: nil),
        Reference(
            step: #"{"type": "social", "provider": "apple", "next": {"success": "done", "failure": "done"}}"#,
            message: "unknown connection 'apple' (not in the configuration)", column: 10, suggestion: nil),
        Reference(
            step: #"{"type": "assurance", "level": "lao2", "next": {"met": "done", "unmet": "done"}}"#,
            message: "unknown level 'lao2' (not in the configuration)", column: 41, suggestion: "did you mean 'loa2'?"),
        Reference(
            step: #"{"type": "choice", "choices": [{"when": {"field": "acr", "at_least": "LOA2"}, "next": "done"}], "default": "done"}"#,
            message: "unknown level 'LOA2' (not in the configuration)", column: 40, suggestion: "did you mean 'loa2'?"),
        Reference(
            step: #"{"type": "choice", "choices": [{"when": {"field": "app", "equals": "portl"}, "next": "done"}], "default": "done"}"#,
            message: "unknown app 'portl' (not in the configuration)", column: 40, suggestion: "did you mean 'portal'?"),
        Reference(
            step: #"{"type": "choice", "choices": [{"when": {"field": "org.path", "contains": "acne"}, "next": "done"}], "default": "done"}"#,
            message: "unknown organization 'acne' (not in the configuration)", column: 40, suggestion: "did you mean 'acme'?"),
    ])
    func rejectsUnknownReferencesWhenGivenTheConfiguration(_ input: Reference) throws {
        let json = """
            {
              "start": "s",
              "steps": {
                "s": \(input.step),
                "done": {"type": "deny"}
              }
            }
            """
        #expect(diagnostics(json) == [], "without a configuration references are not checked")
        let found = diagnostics(json, references: World.references)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "unknown-reference")
        #expect(only.message == input.message)
        #expect(only.position == "4:\(input.column)")
        #expect(only.suggestion == input.suggestion)
    }

    @Test func reportsJSONSyntaxErrorsAsADiagnostic() throws {
        let (document, found) = FlowValidator().validate(
            Array(
                """
                {
                  "start": "d",
                  "steps": {"d": {"type": "deny"}, "d": {"type": "allow"}}
                }
                """.utf8), file: "flow.json")
        #expect(document == nil)
        let only = try #require(found.count == 1 ? found.first : nil, "\(found)")
        #expect(only.rule == "json-syntax")
        #expect(only.message == "duplicate key 'd' (first defined at 3:13)")
        #expect(only.position == "3:36")
    }

    @Test func reportsEveryProblemOfAFileInOneRun() {
        let found = diagnostics(
            """
            {
              "start": "identify",
              "steps": {
                "identify": {"type": "identify", "next": {"success": "pasword"}},
                "password": {"type": "pasword", "next": {"success": "done"}},
                "otp": {"type": "totp", "enroll": "yes", "retries": 2, "next": {"success": "done", "failure": "done"}},
                "done": {"type": "allow", "next": {}}
              }
            }
            """)
        #expect(
            found.map { "\($0.position) \($0.rule)" } == [
                "4:58 unknown-transition-target",
                "5:17 unreachable-step",
                "5:26 unknown-step-type",
                "6:12 missing-outcome",
                "6:12 unreachable-step",
                "6:39 wrong-type",
                "6:46 unknown-field",
                "7:13 unreachable-step",
                "7:39 invalid-transition",
            ])
        #expect(found.description.contains("flow.json:5:26: error: unknown step type 'pasword' — did you mean 'password'? [/steps/password/type] (unknown-step-type)"))
    }
}
