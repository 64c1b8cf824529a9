import Crypto
import Glibc
import Synchronization

/// Where every random byte in the module comes from, passed in by the caller.
///
/// Servers pass ``SystemRandom``; tests and the replay of recorded logins pass ``SeededRandom`` so that the
/// same inputs give the same secrets, salts and codes.
public protocol RandomSource: Sendable {
    /// Returns `count` random bytes (none when `count` is zero or negative).
    func bytes(_ count: Int) -> [UInt8]
}

/// The operating system's cryptographically secure generator: glibc's `arc4random_buf(3)`, which
/// fills the whole buffer from the kernel's `getrandom(2)` (the source of Swift's
/// `SystemRandomNumberGenerator` on Linux) in one call, where that generator draws eight bytes per call.
public struct SystemRandom: RandomSource {
    /// Creates the source; it holds no state.
    public init() {}

    /// Returns `count` bytes from the system generator, in one call.
    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            arc4random_buf(buffer.baseAddress!, count)
            initialized = count
        }
    }
}

/// A deterministic byte stream for tests and replay: SHA-256 in counter mode over a 64-bit seed.
///
/// Block `i` of the stream is `SHA-256(seed ‖ i)`, both as little-endian `UInt64`, so the stream is the
/// same on every platform. Each call starts a fresh block and drops the unused tail of its last one.
/// The counter sits behind a `Mutex`, so one instance can be shared across tasks.
///
/// - Warning: A 64-bit seed can be guessed. Never use this source for real credentials.
public final class SeededRandom: RandomSource {
    private let seed: UInt64
    private let nextBlock = Mutex<UInt64>(0)

    /// Creates a stream that starts at block 0 of `seed`.
    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Returns the next `count` bytes of the stream.
    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        let blockCount = (count + SHA256.byteCount - 1) / SHA256.byteCount
        let first = nextBlock.withLock { next in
            defer { next &+= UInt64(blockCount) }
            return next
        }
        var output: [UInt8] = []
        output.reserveCapacity(blockCount * SHA256.byteCount)
        for index in 0..<UInt64(blockCount) {
            var hash = SHA256()
            withUnsafeBytes(of: seed.littleEndian) { hash.update(bufferPointer: $0) }
            withUnsafeBytes(of: (first &+ index).littleEndian) { hash.update(bufferPointer: $0) }
            output.append(contentsOf: hash.finalize())
        }
        return Array(output.prefix(count))
    }
}

extension RandomSource {
    /// A string of `length` characters drawn uniformly from `alphabet`.
    ///
    /// Uses rejection sampling: a byte at or above the largest multiple of the alphabet size that fits in
    /// 256 is thrown away, so no character is more likely than another (no modulo bias).
    public func randomString(length: Int, alphabet: Alphabet) -> String {
        let size = alphabet.characters.count
        let limit = 256 - 256 % size
        var characters: [Character] = []
        characters.reserveCapacity(max(0, length))
        while characters.count < length {
            for byte in bytes(length - characters.count) where Int(byte) < limit {
                characters.append(alphabet.characters[Int(byte) % size])
            }
        }
        return String(characters)
    }

    /// A string of `count` decimal digits, leading zeros included (for one-time codes).
    public func randomDigits(_ count: Int) -> String {
        randomString(length: count, alphabet: .digits)
    }
}
