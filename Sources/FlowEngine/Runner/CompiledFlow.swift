import Foundation

/// A validated flow, ready to run: steps addressed by index, transitions resolved.
///
/// Compiled once and copied into every transaction that runs it, so its parts live in one shared,
/// immutable object: a copy costs one retain instead of one per field.
public struct CompiledFlow: Sendable {
    private final class Parts: Sendable {
        let id: FlowID
        let file: String
        let start: Int
        let steps: [CompiledStep]
        let index: [StepName: Int]
        let maxSteps: Int
        let timeout: TimeInterval
        let document: FlowDocument

        init(
            id: FlowID, file: String, start: Int, steps: [CompiledStep], index: [StepName: Int], maxSteps: Int,
            timeout: TimeInterval, document: FlowDocument
        ) {
            self.id = id
            self.file = file
            self.start = start
            self.steps = steps
            self.index = index
            self.maxSteps = maxSteps
            self.timeout = timeout
            self.document = document
        }
    }

    private let parts: Parts

    /// The flow's id.
    public var id: FlowID { parts.id }
    /// The file it came from.
    public var file: String { parts.file }
    /// The start step's index.
    var start: Int { parts.start }
    /// The steps, in file order.
    var steps: [CompiledStep] { parts.steps }
    /// Step index by name.
    var index: [StepName: Int] { parts.index }
    /// The maximum number of steps per transaction.
    public var maxSteps: Int { parts.maxSteps }
    /// The transaction lifetime.
    public var timeout: TimeInterval { parts.timeout }
    /// The source document (for graphs and diagnostics).
    public var document: FlowDocument { parts.document }

    /// One runnable step. A class, so the runner borrows a step's fields where it would copy a
    /// struct's (the step kind is an enum of every step type's fields).
    final class CompiledStep: Sendable {
        let name: StepName
        let kind: StepKind
        /// Outcome → step index.
        let next: [(Outcome, Int)]

        init(name: StepName, kind: StepKind, next: [(Outcome, Int)]) {
            self.name = name
            self.kind = kind
            self.next = next
        }

        func target(of outcome: Outcome) -> Int? { next.first { $0.0 == outcome }?.1 }
    }

    /// Validates and compiles flow source.
    /// - Throws: ``FlowError`` listing every error diagnostic when the flow is not valid.
    public static func compile(
        _ bytes: [UInt8], file: String, references: FlowReferences? = nil, validator: FlowValidator = FlowValidator()
    ) throws(FlowError) -> CompiledFlow {
        let (document, diagnostics) = validator.validate(bytes, file: file, references: references)
        let errors = diagnostics.filter { $0.severity == .error }
        guard let document, errors.isEmpty, let start = document.start?.name else { throw FlowError.invalidFlow(file: file, errors) }
        let index = Dictionary(uniqueKeysWithValues: document.steps.enumerated().map { ($1.name, $0) })
        let steps = document.steps.map { step in
            CompiledStep(
                name: step.name, kind: step.kind!,
                next: step.transitions.compactMap { t in t.outcome.map { ($0, index[t.target]!) } })
        }
        return CompiledFlow(
            parts: Parts(
                id: document.id, file: file, start: index[start]!, steps: steps, index: index, maxSteps: document.maxSteps,
                timeout: document.timeout, document: document))
    }

    /// Reads, validates and compiles a flow file.
    public static func load(path: String, references: FlowReferences? = nil) throws(FlowError) -> CompiledFlow {
        guard let data = FileManager.default.contents(atPath: path) else { throw FlowError.unreadable(file: path) }
        return try compile(Array(data), file: path, references: references)
    }

    /// The start step's name.
    public var startStep: StepName { steps[start].name }
}

/// Why a flow could not be loaded or run.
public struct FlowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String { case invalidFlow, unreadable, unknownFlow, stateMismatch, invalidCatalog }
        private let base: Base
        /// The flow file has errors.
        public static let invalidFlow = Code(base: .invalidFlow)
        /// The file could not be read.
        public static let unreadable = Code(base: .unreadable)
        /// No flow with that id is loaded.
        public static let unknownFlow = Code(base: .unknownFlow)
        /// A stored transaction does not fit the flow it names.
        public static let stateMismatch = Code(base: .stateMismatch)
        /// The set of flows does not fit the configuration (a missing or duplicate flow id).
        public static let invalidCatalog = Code(base: .invalidCatalog)
        public var description: String { base.rawValue }
    }

    /// What failed.
    public let code: Code
    /// Why, for a person.
    public let reason: String
    /// The diagnostics, for `invalidFlow`.
    public let diagnostics: [Diagnostic]

    /// `FlowError.<code>: <reason>` followed by each diagnostic.
    public var description: String {
        (["FlowError.\(code): \(reason)"] + diagnostics.map(\.description)).joined(separator: "\n")
    }

    static func invalidFlow(file: String, _ diagnostics: [Diagnostic]) -> FlowError {
        FlowError(code: .invalidFlow, reason: "\(file) has \(diagnostics.count) error(s)", diagnostics: diagnostics)
    }

    static func unreadable(file: String) -> FlowError {
        FlowError(code: .unreadable, reason: "cannot read \(file)", diagnostics: [])
    }

    /// No flow with this id is loaded.
    public static func unknownFlow(_ id: FlowID) -> FlowError {
        FlowError(code: .unknownFlow, reason: "no flow '\(id)' is loaded", diagnostics: [])
    }

    /// The flows do not fit the configuration.
    public static func invalidCatalog(_ reason: String) -> FlowError {
        FlowError(code: .invalidCatalog, reason: reason, diagnostics: [])
    }

    static func stateMismatch(_ reason: String) -> FlowError {
        FlowError(code: .stateMismatch, reason: reason, diagnostics: [])
    }

    public static func == (lhs: FlowError, rhs: FlowError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
