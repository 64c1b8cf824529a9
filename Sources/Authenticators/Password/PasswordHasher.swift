import Crypto
import CryptoExtras
import Foundation

/// Hashes and verifies passwords with scrypt (RFC 7914) through swift-crypto's `KDF.Scrypt`.
///
/// Hashes are self-describing strings in the PHC string format, so the cost can be raised later and old
/// hashes still verify:
///
/// ```
/// $scrypt$ln=15,r=8,p=1$<salt, base64 without padding>$<hash, base64 without padding>
/// ```
///
/// Passwords are normalised to Unicode NFC before hashing (NIST SP 800-63B §5.1.1.2), so "é" typed as one
/// code point or as "e" plus a combining accent is the same password. The hasher stores nothing: the
/// caller keeps the encoded string.
///
/// ```swift
/// let hasher = PasswordHasher()
/// let encoded = try hasher.hash("correct horse", random: SystemRandom())
/// if try hasher.verify(attempt, against: encoded), hasher.needsRehash(encoded) { /* store a fresh hash */ }
/// ```
public struct PasswordHasher: Sendable, Hashable {
    /// The cost new hashes get; hashes made with another cost still verify, with their own cost.
    public var cost: ScryptCost

    /// Bytes of random salt in a new hash.
    public static let saltLength = 16
    /// Bytes of derived key in a new hash.
    public static let hashLength = 32

    private static let identifier = "scrypt"
    private static let acceptedSaltLengths = 8...64
    private static let acceptedHashLengths = 16...64

    /// Creates a hasher with the production cost unless told otherwise (tests pass ``ScryptCost/test``).
    public init(cost: ScryptCost = .standard) {
        self.cost = cost
    }

    /// Hashes `password` with a fresh salt from `random`.
    /// - Returns: The encoded hash to store.
    /// - Throws: ``AuthenticatorError/Code/derivationFailed`` if scrypt itself fails.
    public func hash(_ password: String, random: some RandomSource) throws(AuthenticatorError) -> String {
        let salt = random.bytes(Self.saltLength)
        let key = try Self.derive(Self.normalized(password), salt: salt, cost: cost, length: Self.hashLength)
        return "$\(Self.identifier)$\(cost)$\(Bytes.base64(salt))$\(Bytes.base64(key))"
    }

    /// Whether `password` matches the encoded hash, compared in constant time.
    /// - Throws: ``AuthenticatorError/Code/malformedHash`` when `encoded` cannot be parsed or its cost is
    ///   out of range; ``AuthenticatorError/Code/derivationFailed`` if scrypt itself fails.
    public func verify(_ password: String, against encoded: String) throws(AuthenticatorError) -> Bool {
        let stored = try Self.parse(encoded)
        let key = try Self.derive(Self.normalized(password), salt: stored.salt, cost: stored.cost, length: stored.hash.count)
        return Bytes.constantTimeEquals(key, stored.hash)
    }

    /// Whether a hash that just verified should be replaced: its cost or lengths differ from this hasher's,
    /// or it cannot be parsed at all.
    public func needsRehash(_ encoded: String) -> Bool {
        guard let stored = try? Self.parse(encoded) else { return true }
        return stored.cost != cost || stored.salt.count != Self.saltLength || stored.hash.count != Self.hashLength
    }

    /// Spends the same time as ``verify(_:against:)`` on a hash of this hasher's cost, and always fails.
    ///
    /// Call it when the account does not exist, so that a login for an unknown account takes as long as one
    /// for a known account and response times do not reveal which accounts exist.
    /// - Returns: `false`.
    @discardableResult
    public func verifyDummy(_ password: String) -> Bool {
        let salt = [UInt8](repeating: 0, count: Self.saltLength)
        let key = (try? Self.derive(Self.normalized(password), salt: salt, cost: cost, length: Self.hashLength)) ?? []
        _ = Bytes.constantTimeEquals(key, [UInt8](repeating: 0, count: Self.hashLength))
        return false
    }

    /// The one place scrypt runs: `KDF.Scrypt.deriveKey` from CryptoExtras.
    static func derive(_ password: [UInt8], salt: [UInt8], cost: ScryptCost, length: Int) throws(AuthenticatorError) -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: password, salt: salt, outputByteCount: length, rounds: cost.n, blockSize: cost.r, parallelism: cost.p)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw .derivationFailed(reason: "scrypt \(cost) failed: \(error)")
        }
    }

    private static func normalized(_ password: String) -> [UInt8] {
        Array(password.precomposedStringWithCanonicalMapping.utf8)
    }

    /// The three parts of an encoded hash.
    private struct Stored {
        var cost: ScryptCost
        var salt: [UInt8]
        var hash: [UInt8]
    }

    private static func parse(_ encoded: String) throws(AuthenticatorError) -> Stored {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty else {
            throw .malformedHash(reason: "expected $scrypt$ln=…,r=…,p=…$salt$hash")
        }
        guard parts[1] == identifier else {
            throw .malformedHash(reason: "unsupported algorithm '\(parts[1])', expected '\(identifier)'")
        }
        let parameters = parts[2].split(separator: ",", omittingEmptySubsequences: false)
        guard parameters.count == 3,
            let logN = number(parameters[0], named: "ln"),
            let r = number(parameters[1], named: "r"),
            let p = number(parameters[2], named: "p")
        else {
            throw .malformedHash(reason: "parameters '\(parts[2])' are not ln=<int>,r=<int>,p=<int>")
        }
        let cost: ScryptCost
        do {
            cost = try ScryptCost(logN: logN, r: r, p: p)
        } catch {
            throw .malformedHash(reason: error.reason)
        }
        guard let salt = Bytes.bytes(base64: String(parts[3])), acceptedSaltLengths.contains(salt.count) else {
            throw .malformedHash(reason: "salt must be \(acceptedSaltLengths) bytes of unpadded base64")
        }
        guard let hash = Bytes.bytes(base64: String(parts[4])), acceptedHashLengths.contains(hash.count) else {
            throw .malformedHash(reason: "hash must be \(acceptedHashLengths) bytes of unpadded base64")
        }
        return Stored(cost: cost, salt: salt, hash: hash)
    }

    /// The value of `name=<1 to 3 ASCII digits>`, or nil.
    private static func number(_ parameter: Substring, named name: String) -> Int? {
        guard parameter.hasPrefix(name + "=") else { return nil }
        let digits = parameter.dropFirst(name.count + 1)
        guard (1...3).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
