/// Reads the members of one JSON object with type checks, collecting a located diagnostic for every
/// wrong type, missing required member and unknown member (with a "did you mean" suggestion).
///
/// Decoding never stops at the first problem, so a file's every error is reported in one run.
///
/// ```swift
/// var reader = ObjectReader(node, what: "step 'password'", diagnostics: &diagnostics)
/// let attempts = reader.int("max_attempts")
/// reader.finish(into: &diagnostics)
/// ```
public struct ObjectReader {
    /// The object being read.
    public let node: JSONNode
    private let what: String
    private let members: [JSONMember]
    private var read: Set<String> = []
    private var found: [Diagnostic] = []

    /// Starts reading `node`; returns nil (and records a diagnostic) when it is not an object.
    /// - Parameters:
    ///   - node: The node that should be an object.
    ///   - what: How diagnostics name the object ("step 'totp'").
    ///   - diagnostics: Receives the wrong-type diagnostic.
    public init?(_ node: JSONNode, what: String, diagnostics: inout [Diagnostic]) {
        guard let members = node.objectMembers else {
            diagnostics.append(
                Diagnostic(rule: "wrong-type", message: "\(what) must be an object, not \(node.value.kindName)", at: node))
            return nil
        }
        self.node = node
        self.what = what
        self.members = members
    }

    /// Whether the object has a member named `key` (marks it as known).
    public mutating func has(_ key: String) -> Bool {
        read.insert(key)
        return members.contains { $0.key == key }
    }

    /// The raw member `key`, marking it as known; records a diagnostic when a required member is missing.
    public mutating func node(_ key: String, required: Bool = false) -> JSONNode? {
        read.insert(key)
        if let member = members.first(where: { $0.key == key }) { return member.value }
        if required {
            found.append(Diagnostic(rule: "missing-field", message: "\(what) is missing the required field '\(key)'", at: node))
        }
        return nil
    }

    /// A string member.
    public mutating func string(_ key: String, required: Bool = false) -> String? {
        typed(key, required: required, expected: "a string") { $0.stringValue }
    }

    /// A non-negative integer member.
    public mutating func int(_ key: String, required: Bool = false, range: ClosedRange<Int> = 0...Int(Int32.max)) -> Int? {
        typed(key, required: required, expected: "an integer from \(range.lowerBound) to \(range.upperBound)") {
            guard case .number(let n) = $0.value, n.rounded() == n, let i = Int(exactly: n), range.contains(i) else { return nil }
            return i
        }
    }

    /// A number member.
    public mutating func double(_ key: String, required: Bool = false) -> Double? {
        typed(key, required: required, expected: "a number") {
            if case .number(let n) = $0.value { return n }
            return nil
        }
    }

    /// A boolean member.
    public mutating func bool(_ key: String, required: Bool = false) -> Bool? {
        typed(key, required: required, expected: "true or false") {
            if case .bool(let b) = $0.value { return b }
            return nil
        }
    }

    /// An array-of-strings member.
    public mutating func strings(_ key: String, required: Bool = false) -> [String]? {
        typed(key, required: required, expected: "an array of strings") { node in
            guard let elements = node.arrayElements else { return nil }
            let strings = elements.compactMap(\.stringValue)
            return strings.count == elements.count ? strings : nil
        }
    }

    /// A string member that must be one of `choices`.
    public mutating func choice(_ key: String, among choices: [String], required: Bool = false) -> String? {
        guard let value = string(key, required: required), let valueNode = members.first(where: { $0.key == key })?.value else {
            return nil
        }
        if choices.contains(value) { return value }
        found.append(
            Diagnostic(
                rule: "invalid-value",
                message: "'\(value)' is not a valid \(key) for \(what); expected one of \(choices.map { "'\($0)'" }.joined(separator: ", "))",
                at: valueNode, suggestion: Suggestion.didYouMean(value, among: choices)))
        return nil
    }

    /// Marks every member as known, so `finish` reports none as unknown (used when the object's
    /// type is itself wrong and its members cannot be judged).
    public mutating func acceptRemaining() {
        read.formUnion(members.map(\.key))
    }

    /// Records a diagnostic found while interpreting a member read through this reader.
    public mutating func report(_ diagnostic: Diagnostic) { found.append(diagnostic) }

    /// Reports every member that was never asked for as unknown, then hands over all diagnostics.
    public mutating func finish(into diagnostics: inout [Diagnostic]) {
        for member in members where !read.contains(member.key) {
            found.append(
                Diagnostic(
                    rule: "unknown-field", message: "unknown field '\(member.key)' in \(what)",
                    location: member.keyLocation, pointer: member.value.pointer,
                    suggestion: Suggestion.didYouMean(member.key, among: read.sorted())))
        }
        diagnostics += found
        found = []
    }

    private mutating func typed<T>(_ key: String, required: Bool, expected: String, _ convert: (JSONNode) -> T?) -> T? {
        guard let value = node(key, required: required) else { return nil }
        if let converted = convert(value) { return converted }
        found.append(
            Diagnostic(
                rule: "wrong-type", message: "'\(key)' in \(what) must be \(expected), not \(describe(value))", at: value))
        return nil
    }

    private func describe(_ node: JSONNode) -> String {
        switch node.value {
        case .string(let s): "the string \"\(s)\""
        case .number(let n): "the number \(n.rounded() == n ? String(Int(n)) : String(n))"
        default: node.value.kindName
        }
    }
}
