/// The static description of a step type: its fields, its outcomes, and how it behaves.
///
/// One registry of these drives decoding, validation, the JSON Schema for editors and the docs, so
/// the four can never disagree.
public struct StepSpec: Sendable {
    /// The `type` value in flow files (`totp`).
    public let type: String
    /// One sentence for docs and the schema.
    public let summary: String
    /// The outcomes the step can produce; each needs a transition in `next`.
    public let outcomes: [Outcome]
    /// The step-specific fields.
    public let fields: [FieldSpec]
    /// Whether the step waits for the user or an upstream IdP (a loop through such a step is not a busy loop).
    public let interactive: Bool
    /// Whether the step ends the transaction (allow, deny).
    public let terminal: Bool

    /// Creates a spec.
    public init(type: String, summary: String, outcomes: [Outcome], fields: [FieldSpec], interactive: Bool, terminal: Bool = false) {
        self.type = type
        self.summary = summary
        self.outcomes = outcomes
        self.fields = fields
        self.interactive = interactive
        self.terminal = terminal
    }
}

/// One field of a step type.
public struct FieldSpec: Sendable {
    /// The value a field holds.
    public enum Kind: Sendable {
        case string
        case integer(ClosedRange<Int>)
        case boolean
        case strings
        case oneOf([String])
        case stringMap
        case choices
    }

    /// The JSON member name.
    public let name: String
    /// The value type.
    public let kind: Kind
    /// Whether a flow must set it.
    public let required: Bool
    /// One sentence for docs and the schema.
    public let summary: String

    /// Creates a field spec.
    public init(_ name: String, _ kind: Kind, required: Bool = false, _ summary: String) {
        self.name = name
        self.kind = kind
        self.required = required
        self.summary = summary
    }
}

/// The members every step has, whatever its type.
public enum CommonStepFields {
    /// `type`, `next` and `description`.
    public static let names = ["type", "next", "description"]
}
