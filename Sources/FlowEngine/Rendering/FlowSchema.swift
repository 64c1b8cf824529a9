/// The JSON Schema (draft 2020-12) of flow files, generated from the step catalogue.
///
/// Editors that read `"$schema"` complete step types, fields and outcomes and flag unknown ones
/// while the file is typed. Because the schema is built from ``StepCatalog/specs`` (the same specs
/// the decoder and validator use), it cannot drift from what `flow check` accepts; a test keeps the
/// committed `flows/schema.json` equal to this output. The validator stays the authority: the schema
/// cannot see graph problems (unknown targets, unreachable steps, busy loops) or configuration.
public enum FlowSchema {
    /// The JSON Schema dialect the schema is written in.
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"

    /// The schema as pretty-printed JSON (2-space indent, sorted keys, no trailing newline), the
    /// same on every run and platform so the committed file can be compared byte for byte.
    public static func jsonSchema() -> String { SchemaWriter.write(document) }

    /// The schema as a value.
    private static var document: SchemaValue {
        var defs: [String: SchemaValue] = [
            "step": stepSchema,
            "step_name": .object(["type": "string", "description": "The name of a step of this flow (a key of 'steps')."]),
            "choice": choiceSchema,
            "predicate": predicateSchema,
        ]
        for spec in StepCatalog.specs { defs[definitionName(spec)] = schema(of: spec) }
        return .object([
            "$schema": .string(dialect),
            "title": "Gatehouse flow",
            "description": "One login flow: named steps, a start step, and transitions labelled by the outcomes each step produces.",
            "type": "object",
            "additionalProperties": false,
            "required": ["start", "steps"],
            "properties": topLevelProperties,
            "$defs": .object(defs),
        ])
    }

    /// The top-level members; a test checks they are exactly ``FlowDecoder/topLevelFields``.
    private static let topLevelProperties: SchemaValue = [
        "$schema": ["type": "string", "description": "The schema this file follows, for editors (ignored by Gatehouse)."],
        "id": ["type": "string", "description": "The flow's id (default: the file name without '.json')."],
        "description": ["type": "string", "description": "What the flow is for."],
        "start": ["$ref": "#/$defs/step_name", "description": "The step every login starts at."],
        "max_steps": bounded(1...1000, default: 50, "The most steps one login may enter (guards against runaway loops)."),
        "timeout_seconds": bounded(10...86_400, default: 900, "How long one login may take, in seconds."),
        "steps": [
            "type": "object", "minProperties": 1, "additionalProperties": ["$ref": "#/$defs/step"], "description": "The steps, by name.",
        ],
    ]

    /// The `$defs` name of a step type's schema (`totp_step`).
    private static func definitionName(_ spec: StepSpec) -> String { "\(spec.type)_step" }

    /// Any step: exactly one of the step types, told apart by their `type` constant.
    private static var stepSchema: SchemaValue {
        let specs = StepCatalog.specs
        return .object([
            "description": "A step; its 'type' decides which other members it takes.",
            "type": "object",
            "required": ["type"],
            "properties": .object(["type": .object(["enum": .array(specs.map { .string($0.type) })])]),
            "oneOf": .array(specs.map { .object(["$ref": .string("#/$defs/\(definitionName($0))")]) }),
        ])
    }

    /// One step type: its common members, its own fields and, unless it ends or branches by
    /// itself, a `next` object whose keys are exactly its outcomes.
    private static func schema(of spec: StepSpec) -> SchemaValue {
        var properties: [String: SchemaValue] = [:]
        var required: [SchemaValue] = []
        for name in CommonStepFields.names {
            switch name {
            case "type":
                properties[name] = .object(["const": .string(spec.type)])
                required.append(.string(name))
            case "next" where !spec.outcomes.isEmpty && !spec.terminal:
                properties[name] = .object([
                    "description": "Outcome → the step to go to next; every outcome needs one.",
                    "type": "object",
                    "additionalProperties": false,
                    "required": .array(spec.outcomes.map { .string($0.rawValue) }),
                    "properties": .object(Dictionary(uniqueKeysWithValues: spec.outcomes.map { ($0.rawValue, stepReference) })),
                ])
                required.append(.string(name))
            case "description":
                properties[name] = .object(["type": "string", "description": "What the step is for."])
            default:
                break
            }
        }
        for field in spec.fields {
            properties[field.name] = schema(of: field)
            if field.required { required.append(.string(field.name)) }
        }
        return .object([
            "title": .string(spec.type),
            "description": .string(spec.summary),
            "type": "object",
            "additionalProperties": false,
            "required": .array(required),
            "properties": .object(properties),
        ])
    }

    private static func schema(of field: FieldSpec) -> SchemaValue {
        var schema: [String: SchemaValue]
        switch field.kind {
        case .string: schema = ["type": "string"]
        case .integer(let range): schema = ["type": "integer", "minimum": .integer(range.lowerBound), "maximum": .integer(range.upperBound)]
        case .boolean: schema = ["type": "boolean"]
        case .strings: schema = ["type": "array", "items": .object(["type": "string"])]
        case .oneOf(let values): schema = ["type": "string", "enum": .array(values.map(SchemaValue.string))]
        case .stringMap: schema = ["type": "object", "additionalProperties": .object(["type": "string"])]
        case .choices: schema = ["type": "array", "minItems": 1, "items": .object(["$ref": "#/$defs/choice"])]
        }
        schema["description"] = .string(field.summary)
        return .object(schema)
    }

    private static let stepReference: SchemaValue = .object(["$ref": "#/$defs/step_name"])

    /// One branch of a choice step.
    private static var choiceSchema: SchemaValue {
        .object([
            "description": "A branch: the first whose 'when' holds decides the next step.",
            "type": "object",
            "additionalProperties": false,
            "required": ["when", "next"],
            "properties": .object(["when": .object(["$ref": "#/$defs/predicate"]), "next": stepReference]),
        ])
    }

    /// The predicate language: `all`, `any`, `not`, or one field with exactly one of the operators
    /// that apply to it.
    private static var predicateSchema: SchemaValue {
        let list = SchemaValue.object(["type": "array", "minItems": 1, "items": .object(["$ref": "#/$defs/predicate"])])
        var alternatives: [SchemaValue] = [
            combinator("all", list), combinator("any", list), combinator("not", .object(["$ref": "#/$defs/predicate"])),
        ]
        for name in PredicateField.names {
            guard let field = PredicateField(name: name) else { continue }
            var properties: [String: SchemaValue] = [:]
            if case .claim = field {
                properties["field"] = .object(["type": "string", "pattern": "^claims\\..+$", "description": "A collected claim: claims.<name>."])
            } else {
                properties["field"] = .object(["const": .string(name)])
            }
            for op in field.operators { properties[op] = operand(op, of: field) }
            alternatives.append(
                .object([
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["field"],
                    "minProperties": 2,
                    "maxProperties": 2,
                    "properties": .object(properties),
                ]))
        }
        return .object([
            "description": "A condition: exactly one of 'all', 'any', 'not', or 'field' with one operator.",
            "oneOf": .array(alternatives),
        ])
    }

    private static func combinator(_ key: String, _ value: SchemaValue) -> SchemaValue {
        .object([
            "type": "object", "additionalProperties": false, "required": .array([.string(key)]),
            "properties": .object([key: value]),
        ])
    }

    /// The value an operator takes for a field (connection kinds are a closed list).
    private static func operand(_ op: String, of field: PredicateField) -> SchemaValue {
        let string: SchemaValue =
            field == .connectionKind
            ? .object(["type": "string", "enum": .array(ConnectionKind.allCases.map { .string($0.rawValue) })])
            : .object(["type": "string"])
        switch op {
        case "exists": return .object(["type": "boolean"])
        case "in": return .object(["type": "array", "minItems": 1, "items": string])
        default: return string
        }
    }

    private static func bounded(_ range: ClosedRange<Int>, default value: Int, _ summary: String) -> SchemaValue {
        .object([
            "type": "integer", "minimum": .integer(range.lowerBound), "maximum": .integer(range.upperBound), "default": .integer(value),
            "description": .string(summary),
        ])
    }

}

/// A JSON value as the schema is built from it; literals keep the builder readable.
private indirect enum SchemaValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case string(String)
    case bool(Bool)
    case integer(Int)
    case array([SchemaValue])
    case object([String: SchemaValue])

    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(integerLiteral value: Int) { self = .integer(value) }
    init(arrayLiteral elements: SchemaValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, SchemaValue)...) { self = .object(Dictionary(uniqueKeysWithValues: elements)) }
}

/// Writes a schema value the one way Gatehouse commits generated JSON: sorted keys, 2-space
/// indentation, `"key": value`, `/` and non-ASCII left as they are.
///
/// Foundation's `JSONSerialization` formats differently on Darwin and Linux (`" : "`, escaped
/// slashes), which would make a committed file flap between machines.
private enum SchemaWriter {
    static func write(_ value: SchemaValue) -> String {
        var out = ""
        write(value, indent: "", into: &out)
        return out
    }

    private static func write(_ value: SchemaValue, indent: String, into out: inout String) {
        let inner = indent + "  "
        switch value {
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let n): out += String(n)
        case .string(let s): out += quoted(s)
        case .array(let elements):
            guard !elements.isEmpty else { return out += "[]" }
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += inner
                write(element, indent: inner, into: &out)
                out += index == elements.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members):
            guard !members.isEmpty else { return out += "{}" }
            out += "{\n"
            let keys = members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            for (index, key) in keys.enumerated() {
                out += inner + quoted(key) + ": "
                write(members[key]!, indent: inner, into: &out)
                out += index == keys.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }

    /// RFC 8259 §7 string: quote, backslash and control characters escaped.
    static func quoted(_ text: String) -> String {
        let escaped = text.replacingScalars { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            case "\n": "\\n"
            case "\r": "\\r"
            case "\t": "\\t"
            case _ where scalar.value < 0x20: "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: nil
            }
        }
        return "\"" + escaped + "\""
    }
}
