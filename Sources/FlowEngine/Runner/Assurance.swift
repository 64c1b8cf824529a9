/// A configured level of assurance and the method combinations that reach it (DESIGN.md §5).
public struct LevelDefinition: Sendable, Hashable, Codable {
    /// The level's name (`loa2`).
    public var name: LevelName
    /// Alternatives: the level is reached when the amr values contain every method of any one entry.
    public var methods: [[String]]

    /// Creates a definition.
    public init(name: LevelName, methods: [[String]]) {
        self.name = name
        self.methods = methods
    }
}

/// The ordered set of levels (weakest first) and the arithmetic on them.
public struct AssurancePolicy: Sendable, Hashable, Codable {
    /// The levels, weakest first; their order is their rank.
    public var levels: [LevelDefinition]

    /// Creates a policy.
    public init(levels: [LevelDefinition]) { self.levels = levels }

    /// The position of `level`, or nil when it is not configured.
    public func rank(of level: LevelName) -> Int? { levels.firstIndex { $0.name == level } }

    /// The highest level reached by `amr` or asserted upstream, whichever ranks higher.
    public func level(amr: [String], upstream: LevelName?) -> LevelName? {
        var best = upstream.flatMap { rank(of: $0) } ?? -1
        // amr holds a handful of values: scanning it beats hashing it into a set.
        for (index, definition) in levels.enumerated().reversed() where index > best {
            if definition.methods.contains(where: { $0.allSatisfy(amr.contains) }) {
                best = index
                break
            }
        }
        return best >= 0 ? levels[best].name : nil
    }

    /// Whether `current` is at least `required`; no requirement is always met, an unknown level never meets one.
    public func satisfies(_ current: LevelName?, required: LevelName?) -> Bool {
        guard let required else { return true }
        guard let current, let have = rank(of: current), let need = rank(of: required) else { return false }
        return have >= need
    }

    /// The stronger of two requirements.
    public func stronger(_ a: LevelName?, _ b: LevelName?) -> LevelName? {
        guard let a else { return b }
        guard let b else { return a }
        return (rank(of: a) ?? -1) >= (rank(of: b) ?? -1) ? a : b
    }
}

/// amr values (RFC 8176 where one exists) that the built-in steps add.
public enum AuthenticationMethod {
    /// Password (RFC 8176 `pwd`).
    public static let password = "pwd"
    /// One-time password: TOTP or a recovery code (RFC 8176 `otp`).
    public static let oneTimePassword = "otp"
    /// A code sent by email (not registered in RFC 8176).
    public static let email = "email"
    /// Federated to an upstream IdP (not registered in RFC 8176).
    public static let federated = "fed"
    /// Multiple factors (RFC 8176 `mfa`), added when two independent factors were used.
    public static let multiFactor = "mfa"

    /// The factors that count towards `mfa`: something known, and something held. Arrays, not sets:
    /// a handful of short strings are compared faster than they are hashed.
    static let knowledge = ["pwd", "pin", "kba"]
    static let possession = ["otp", "email", "hwk", "swk", "sms", "sc"]

    /// `amr` with `method` added, sorted, with `mfa` added when knowledge and possession are both present.
    public static func adding(_ method: [String], to amr: [String]) -> [String] {
        var result = amr
        add(method, to: &result)
        return result
    }

    /// Adds `methods` to `amr` in place, with the result of ``adding(_:to:)``: no duplicates, sorted,
    /// `mfa` when knowledge and possession are both present. `amr` holds a handful of values, so
    /// scanning it beats hashing it into a set, and a method already present costs nothing.
    static func add(_ methods: some Sequence<String>, to amr: inout [String]) {
        if hasDuplicates(amr) {
            var unique: [String] = []
            for value in amr where !unique.contains(value) { unique.append(value) }
            amr = unique
        }
        var changed = false
        for value in methods where !amr.contains(value) {
            amr.append(value)
            changed = true
        }
        if !amr.contains(multiFactor), amr.contains(where: knowledge.contains), amr.contains(where: possession.contains) {
            amr.append(multiFactor)
            changed = true
        }
        if changed || !isSorted(amr) { amr.sort() }
    }

    private static func hasDuplicates(_ values: [String]) -> Bool {
        for i in values.indices {
            for j in values.indices where j > i && values[i] == values[j] { return true }
        }
        return false
    }

    private static func isSorted(_ values: [String]) -> Bool {
        for i in values.indices.dropFirst() where values[i - 1] > values[i] { return false }
        return true
    }
}
