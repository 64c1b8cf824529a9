/// One-time recovery codes for when the second factor is lost: shown once, stored only as SHA-256 hashes.
///
/// Codes look like `k7pm-3xqa-9vwe`: ``groups`` groups of ``groupLength`` characters from
/// ``Alphabet/unambiguous``, about 59 bits with the defaults. The caller stores ``generate(random:)``'s
/// hashes and, when ``redeem(_:hashes:)`` returns an index, removes that hash so the code works once.
public struct RecoveryCodes: Sendable, Hashable {
    /// Codes per batch, 1…100.
    public let count: Int
    /// Dash-separated groups per code, 1…8.
    public let groups: Int
    /// Characters per group, 1…8.
    public let groupLength: Int

    /// Creates a generator.
    /// - Throws: ``AuthenticatorError/Code/invalidParameters`` when a value is out of its range.
    public init(count: Int = 10, groups: Int = 3, groupLength: Int = 4) throws(AuthenticatorError) {
        guard (1...100).contains(count) else { throw .invalidParameters(reason: "recovery code count must be 1…100, got \(count)") }
        guard (1...8).contains(groups), (1...8).contains(groupLength) else {
            throw .invalidParameters(reason: "recovery codes need 1…8 groups of 1…8 characters, got \(groups) of \(groupLength)")
        }
        self.init(unchecked: count, groups, groupLength)
    }

    private init(unchecked count: Int, _ groups: Int, _ groupLength: Int) {
        self.count = count
        self.groups = groups
        self.groupLength = groupLength
    }

    /// Ten codes of three groups of four characters.
    public static let standard = RecoveryCodes(unchecked: 10, 3, 4)

    /// A new batch: the codes to show the user once, and the hashes to store, in the same order.
    public func generate(random: some RandomSource) -> (codes: [String], hashes: [String]) {
        let codes = (0..<count).map { _ in
            (0..<groups).map { _ in random.randomString(length: groupLength, alphabet: .unambiguous) }.joined(separator: "-")
        }
        return (codes, codes.map { Bytes.sha256Hex(Self.normalized($0)) })
    }

    /// The index in `hashes` of the hash that `code` matches, or nil.
    ///
    /// Case, dashes and spaces in `code` are ignored. The input is compared with every hash in constant time,
    /// so the time taken does not reveal which one matched.
    public func redeem(_ code: String, hashes: [String]) -> Int? {
        let normalized = Self.normalized(code)
        guard normalized.count == groups * groupLength else { return nil }
        let candidate = Bytes.sha256Hex(normalized)
        var match: Int?
        for (index, hash) in hashes.enumerated() where Bytes.constantTimeEquals(candidate.utf8, hash.utf8) {
            match = match ?? index
        }
        return match
    }

    /// Lower case, without dashes and white space: the form that is hashed.
    private static func normalized(_ code: String) -> String {
        String(code.lowercased().filter { $0 != "-" && !$0.isWhitespace })
    }
}
