/// One finding about a flow or configuration file: what is wrong, where, and what to do.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How bad the finding is.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// The rule that found it (`unknown-step-type`), stable for scripts and tests.
    public var rule: String
    /// What is wrong, for a person.
    public var message: String
    /// Where, as `file:line:col`.
    public var location: SourceLocation
    /// Where, as a JSON pointer into the document.
    public var pointer: JSONPointer
    /// A fix, when there is an obvious one ("did you mean 'totp'?").
    public var suggestion: String?

    /// Creates an error diagnostic unless told otherwise.
    public init(
        _ severity: Severity = .error, rule: String, message: String, location: SourceLocation, pointer: JSONPointer,
        suggestion: String? = nil
    ) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.location = location
        self.pointer = pointer
        self.suggestion = suggestion
    }

    /// Creates a diagnostic located at a JSON node.
    public init(_ severity: Severity = .error, rule: String, message: String, at node: JSONNode, suggestion: String? = nil) {
        self.init(severity, rule: rule, message: message, location: node.location, pointer: node.pointer, suggestion: suggestion)
    }

    /// `file:line:col: error: message — suggestion [pointer] (rule)`, the compiler-style line `flow check` prints.
    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        if let suggestion { text += " — \(suggestion)" }
        text += " [\(pointer.description.isEmpty ? "/" : pointer.description)] (\(rule))"
        return text
    }
}

extension Array where Element == Diagnostic {
    /// Whether any finding is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}

/// "did you mean …?" for a misspelt name: the closest candidate within a small edit distance.
public enum Suggestion {
    /// The candidate closest to `word`, if one is close enough to be a likely typo.
    public static func closest<S: Sequence<String>>(to word: String, among candidates: S) -> String? {
        var best: (String, Int)?
        let limit = max(2, word.count / 3)
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// "did you mean 'x'?" or nil.
    public static func didYouMean<S: Sequence<String>>(_ word: String, among candidates: S) -> String? {
        closest(to: word, among: candidates).map { "did you mean '\($0)'?" }
    }

    /// Damerau–Levenshtein distance (optimal string alignment): a swap of two letters counts once.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
