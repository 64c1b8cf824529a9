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

    /// The factors that count towards `mfa`: something known, and something held.
    static let knowledge: Set<String> = ["pwd", "pin", "kba"]
    static let possession: Set<String> = ["otp", "email", "hwk", "swk", "sms", "sc"]

    /// `amr` with `method` added, sorted, with `mfa` added when knowledge and possession are both present.
    public static func adding(_ method: [String], to amr: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(amr.count + method.count + 1)
        for value in amr + method where !result.contains(value) { result.append(value) }
        if !result.contains(multiFactor), result.contains(where: knowledge.contains), result.contains(where: possession.contains) {
            result.append(multiFactor)
        }
        result.sort()
        return result
    }
}
