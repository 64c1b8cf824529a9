import Authenticators
import Foundation
import Synchronization

/// A random source that hands out a fixed script of bytes, to show exactly which bytes are used or skipped.
final class ScriptedRandom: RandomSource {
    private let remaining: Mutex<[UInt8]>

    init(_ bytes: [UInt8]) {
        remaining = Mutex(bytes)
    }

    func bytes(_ count: Int) -> [UInt8] {
        remaining.withLock { remaining in
            precondition(remaining.count >= count, "ScriptedRandom ran out of bytes")
            defer { remaining.removeFirst(count) }
            return Array(remaining.prefix(count))
        }
    }
}

/// A fixed instant for tests: 2023-11-14T22:13:20Z.
let referenceTime = Date(timeIntervalSince1970: 1_700_000_000)

/// Lower-case hex, for comparing bytes with published vectors.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
