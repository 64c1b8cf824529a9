/// The scrypt work factors (RFC 7914 §2): `N = 2^logN` (CPU/memory cost), `r` (block size), `p` (parallelism).
///
/// Every value of this type is inside the accepted range, because the only public initialiser checks it.
/// The limits also apply to costs read back from stored hashes, so a tampered hash cannot make a login
/// allocate gigabytes.
public struct ScryptCost: Sendable, Hashable, CustomStringConvertible {
    /// log2 of the CPU/memory cost `N`, 1…20.
    public let logN: Int
    /// The block size `r`, 1…32.
    public let r: Int
    /// The parallelism `p`, 1…16.
    public let p: Int

    /// The largest memory one derivation may need (`128 · N · r` bytes): 1 GiB.
    public static let maxMemoryBytes = 1 << 30

    /// Creates a cost.
    /// - Throws: ``AuthenticatorError/Code/invalidParameters`` when a factor is out of range or the
    ///   derivation would need more than ``maxMemoryBytes``.
    public init(logN: Int = 15, r: Int = 8, p: Int = 1) throws(AuthenticatorError) {
        guard (1...20).contains(logN) else { throw .invalidParameters(reason: "scrypt logN must be 1…20, got \(logN)") }
        guard (1...32).contains(r) else { throw .invalidParameters(reason: "scrypt r must be 1…32, got \(r)") }
        guard (1...16).contains(p) else { throw .invalidParameters(reason: "scrypt p must be 1…16, got \(p)") }
        guard (128 << logN) * r <= Self.maxMemoryBytes else {
            throw .invalidParameters(reason: "scrypt ln=\(logN),r=\(r) needs more than \(Self.maxMemoryBytes) bytes of memory")
        }
        self.init(unchecked: logN, r, p)
    }

    private init(unchecked logN: Int, _ r: Int, _ p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// `ln=15,r=8,p=1`: 32 MiB and roughly 50–100 ms per derivation on a server core; the production default.
    public static let standard = ScryptCost(unchecked: 15, 8, 1)
    /// `ln=10,r=8,p=1`: 1 MiB, for tests only.
    public static let test = ScryptCost(unchecked: 10, 8, 1)

    /// `N = 2^logN`.
    public var n: Int { 1 << logN }

    /// `ln=<logN>,r=<r>,p=<p>`, the parameter segment of the encoded hash.
    public var description: String { "ln=\(logN),r=\(r),p=\(p)" }
}
