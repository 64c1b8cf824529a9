extension Predicate {
    /// Decodes a predicate, reporting every problem with its location.
    static func decode(_ node: JSONNode, diagnostics: inout [Diagnostic], depth: Int = 0) -> Predicate? {
        guard var reader = ObjectReader(node, what: "a predicate", diagnostics: &diagnostics) else { return nil }
        defer { reader.finish(into: &diagnostics) }
        let combinators = ["all", "any", "not", "field"].filter { reader.has($0) }
        guard combinators.count == 1 else {
            reader.report(
                Diagnostic(
                    rule: "invalid-predicate",
                    message: combinators.isEmpty
                        ? "a predicate needs one of 'all', 'any', 'not' or 'field'"
                        : "a predicate takes exactly one of 'all', 'any', 'not', 'field' (found \(combinators.joined(separator: ", ")))",
                    at: node))
            for name in ["all", "any", "not", "field"] + PredicateOperator.names { _ = reader.has(name) }
            return nil
        }
        switch combinators[0] {
        case "all", "any":
            let key = combinators[0]
            guard let list = reader.node(key), let elements = list.arrayElements, !elements.isEmpty else {
                reader.report(Diagnostic(rule: "wrong-type", message: "'\(key)' must be a non-empty array of predicates", at: node))
                return nil
            }
            let decoded = elements.compactMap { decode($0, diagnostics: &diagnostics, depth: depth + 1) }
            guard decoded.count == elements.count else { return nil }
            return key == "all" ? .all(decoded) : .any(decoded)
        case "not":
            guard let inner = reader.node("not"), let decoded = decode(inner, diagnostics: &diagnostics, depth: depth + 1) else {
                return nil
            }
            return .not(decoded)
        default:
            return decodeTest(&reader, node: node)
        }
    }

    private static func decodeTest(_ reader: inout ObjectReader, node: JSONNode) -> Predicate? {
        guard let name = reader.string("field", required: true), let fieldNode = reader.node("field") else {
            for op in PredicateOperator.names { _ = reader.has(op) }
            return nil
        }
        let present = PredicateOperator.names.filter { reader.has($0) }
        guard let field = PredicateField(name: name) else {
            reader.report(
                Diagnostic(
                    rule: "invalid-predicate", message: "unknown predicate field '\(name)'", at: fieldNode,
                    suggestion: Suggestion.didYouMean(name, among: PredicateField.names)))
            return nil
        }
        guard present.count == 1, let opName = present.first, let valueNode = reader.node(opName) else {
            reader.report(
                Diagnostic(
                    rule: "invalid-predicate",
                    message: "a field test takes exactly one operator (\(field.operators.joined(separator: ", ")))", at: node))
            return nil
        }
        guard field.operators.contains(opName) else {
            reader.report(
                Diagnostic(
                    rule: "invalid-predicate",
                    message: "operator '\(opName)' does not apply to field '\(name)'; use \(field.operators.joined(separator: ", "))",
                    at: valueNode))
            return nil
        }
        let op: PredicateOperator?
        switch opName {
        case "equals": op = valueNode.stringValue.map(PredicateOperator.equals)
        case "contains": op = valueNode.stringValue.map(PredicateOperator.contains)
        case "at_least": op = valueNode.stringValue.map { .atLeast(LevelName($0)) }
        case "exists":
            if case .bool(let b) = valueNode.value { op = .exists(b) } else { op = nil }
        default:
            let strings = valueNode.arrayElements?.compactMap(\.stringValue)
            op = strings.flatMap { $0.count == valueNode.arrayElements?.count && !$0.isEmpty ? .oneOf($0) : nil }
        }
        guard let op else {
            let expected = opName == "exists" ? "true or false" : opName == "in" ? "a non-empty array of strings" : "a string"
            reader.report(
                Diagnostic(rule: "wrong-type", message: "'\(opName)' must be \(expected), not \(valueNode.value.kindName)", at: valueNode))
            return nil
        }
        if field == .connectionKind {
            let kinds = ConnectionKind.allCases.map(\.rawValue)
            let named: [String] = switch op {
            case .equals(let v): [v]
            case .oneOf(let vs): vs
            default: []
            }
            for value in named where !kinds.contains(value) {
                reader.report(
                    Diagnostic(
                        rule: "invalid-predicate", message: "'\(value)' is not a connection kind", at: valueNode,
                        suggestion: Suggestion.didYouMean(value, among: kinds)))
            }
        }
        return .test(field, op)
    }

    /// Every level the predicate names (`at_least`, `acr equals`), for the reference check.
    var levelReferences: [LevelName] {
        switch self {
        case .all(let ps), .any(let ps): return ps.flatMap(\.levelReferences)
        case .not(let p): return p.levelReferences
        case .test(.acr, .atLeast(let level)): return [level]
        case .test(.acr, .equals(let level)): return [LevelName(level)]
        case .test: return []
        }
    }

    /// Every app id the predicate names.
    var appReferences: [String] {
        switch self {
        case .all(let ps), .any(let ps): return ps.flatMap(\.appReferences)
        case .not(let p): return p.appReferences
        case .test(.app, .equals(let app)): return [app]
        case .test(.app, .oneOf(let apps)): return apps
        default: return []
        }
    }

    /// Every organization id the predicate names.
    var organizationReferences: [String] {
        switch self {
        case .all(let ps), .any(let ps): return ps.flatMap(\.organizationReferences)
        case .not(let p): return p.organizationReferences
        case .test(.organization, .equals(let org)), .test(.organizationPath, .contains(let org)): return [org]
        case .test(.organization, .oneOf(let orgs)): return orgs
        default: return []
        }
    }
}
