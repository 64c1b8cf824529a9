import Authenticators
import Foundation

/// Where the relying party's random bytes come from (PKCE verifiers, `state`, `nonce`, `jti`).
///
/// Injected so that tests and replay can pass a fixed source; servers use ``system``.
public struct RandomBytes: Sendable {
    private let generate: @Sendable (Int) -> [UInt8]

    /// Wraps a generator that returns exactly the number of bytes asked for.
    public init(_ generate: @escaping @Sendable (Int) -> [UInt8]) {
        self.generate = generate
    }

    /// The operating system's cryptographically secure generator.
    public static let system = RandomBytes { count in
        var generator = SystemRandomNumberGenerator()
        return (0..<max(0, count)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] { generate(count) }

    /// `count` random bytes in base64url (32 bytes give 43 characters, 256 bits).
    func token(bytes count: Int = 32) -> String { Bytes.base64URL(bytes(count)) }
}
