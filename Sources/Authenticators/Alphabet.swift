/// The characters a random string is drawn from: between 1 and 256 distinct characters.
public struct Alphabet: Sendable, Hashable {
    /// The characters, in a fixed order (the order decides which byte maps to which character).
    public let characters: [Character]

    /// Creates an alphabet from the characters of `characters`.
    /// - Throws: ``AuthenticatorError/Code/invalidParameters`` when it is empty, longer than 256 characters
    ///   or repeats a character (a repeat would make that character more likely).
    public init(_ characters: String) throws(AuthenticatorError) {
        let list = Array(characters)
        guard (1...256).contains(list.count) else {
            throw .invalidParameters(reason: "an alphabet needs 1 to 256 characters, got \(list.count)")
        }
        guard Set(list).count == list.count else {
            throw .invalidParameters(reason: "alphabet '\(characters)' repeats a character")
        }
        self.characters = list
    }

    private init(unchecked characters: String) {
        self.characters = Array(characters)
    }

    /// `0`–`9`.
    public static let digits = Alphabet(unchecked: "0123456789")
    /// `A`–`Z`, `a`–`z`, `0`–`9`: the alphabet of TOTP secrets.
    public static let alphanumeric = Alphabet(unchecked: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    /// Lower-case letters and digits without the look-alikes `0 o 1 l i`: for codes people copy by hand.
    public static let unambiguous = Alphabet(unchecked: "23456789abcdefghjkmnpqrstuvwxyz")
}
