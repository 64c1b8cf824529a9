import Crypto
import Foundation

/// The hashing and comparison helpers the provider shares.
enum Digests {
    /// Lower-case hex of SHA-256 over `text`'s UTF-8: how codes, tokens and client secrets are stored,
    /// so a copy of the store does not hold anything that can be presented.
    static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths (every byte
    /// is visited and the differences OR-ed), so a failed comparison leaks no prefix length.
    static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
