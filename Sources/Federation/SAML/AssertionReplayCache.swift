import Crypto
import Directory
import Foundation

/// One-time use of SAML assertions (SAML Profiles §4.1.4.5): remembers every accepted assertion
/// until it expires, so a captured Response cannot be posted again, on any node.
///
/// Implementations must be atomic across every node of a deployment: of two concurrent claims of the
/// same id, exactly one may succeed. ``DirectoryAssertionReplayCache`` is the one Gatehouse uses.
///
/// ```swift
/// struct InMemoryReplayCache: AssertionReplayCache {
///     let store = MemoryStore()
///     func claim(id: String, until: Date, now: Date) async throws -> Bool {
///         try await store.insertEphemeralIfAbsent(namespace: "test", key: id, value: Data(), expiresAt: until, now: now)
///     }
/// }
/// ```
public protocol AssertionReplayCache: Sendable {
    /// Records `id` as used until `until`, unless it is already recorded and not yet expired.
    /// - Parameters:
    ///   - id: An opaque key for the assertion (the validator derives it from the issuer and the assertion ID).
    ///   - until: When the record may be forgotten: once the assertion can no longer be accepted anyway.
    ///   - now: The current time (records with `until <= now` count as absent).
    /// - Returns: true when the id was free and is now claimed; false when it was already used (a replay).
    func claim(id: String, until: Date, now: Date) async throws -> Bool
}

/// The replay cache over the ``DirectoryStore``'s atomic ephemeral entries, so every broker node
/// sharing the store (SQLite file, PostgreSQL) shares it.
public struct DirectoryAssertionReplayCache: AssertionReplayCache {
    /// The ephemeral-entry namespace used in the store.
    public static let namespace = "saml-assertion"

    private let store: any DirectoryStore

    /// Creates the cache over `store`.
    public init(store: any DirectoryStore) {
        self.store = store
    }

    /// Claims `id` with ``DirectoryStore/insertEphemeralIfAbsent(namespace:key:value:expiresAt:now:)``.
    public func claim(id: String, until: Date, now: Date) async throws -> Bool {
        try await store.insertEphemeralIfAbsent(namespace: Self.namespace, key: id, value: Data(), expiresAt: until, now: now)
    }
}

extension SAML.Assertion {
    /// The replay-cache key of this assertion: SHA-256 of issuer and ID (fixed length, no separator
    /// ambiguity, and one IdP cannot use up another's IDs).
    var replayKey: String {
        var hash = SHA256()
        var issuer = issuer.value
        var id = id
        issuer.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { hash.update(bufferPointer: $0) }
        id.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        let digest = hash.finalize()
        return String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { hex in
            var count = 0
            for byte in digest {
                hex[count] = Self.hexDigit(byte >> 4)
                hex[count + 1] = Self.hexDigit(byte & 0x0F)
                count += 2
            }
            return count
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
