import FlowEngine

/// A named level of assurance and the authentication methods that reach it (DESIGN.md §5).
///
/// ``methods`` lists alternatives: the level is reached when the methods a login used (its `amr`
/// values, RFC 8176: `pwd`, `otp`, `fed`, `mfa`, `hwk`…) contain **all** the methods of **any one**
/// combination. Configuration lists levels weakest first, so a level's position is its rank.
public struct AssuranceLevel: Sendable, Hashable, Codable {
    /// The level's name (`loa2`), as apps, connections and organizations refer to it.
    public var name: LevelName
    /// What the level means, for people.
    public var description: String?
    /// The method combinations that reach the level; one of them must be fully present.
    public var methods: [[String]]

    /// Creates a level.
    public init(name: LevelName, description: String? = nil, methods: [[String]]) {
        self.name = name
        self.description = description
        self.methods = methods
    }

    /// Whether a login that used `amr` reaches this level.
    /// - Parameter amr: The authentication methods used so far.
    public func isReached(by amr: some Sequence<String>) -> Bool {
        let used = Set(amr)
        return methods.contains { combination in !combination.isEmpty && combination.allSatisfy(used.contains) }
    }
}
