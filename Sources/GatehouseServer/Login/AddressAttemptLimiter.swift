import Directory
import Foundation

/// Counts password and code submissions per client address in a sliding window, in the store, so the
/// limit holds across nodes (DESIGN.md §9).
///
/// This complements the per-account lockout that the login environment applies: that one stops
/// guessing one account's password, this one stops one address from spraying many accounts. The
/// read-modify-write is not atomic across nodes, so concurrent submissions from one address may
/// overshoot the limit by the number of nodes; the window stays bounded.
public struct AddressAttemptLimiter: Sendable {
    /// The store.
    public let store: any DirectoryStore
    /// Submissions allowed per window.
    public let limit: Int
    /// The window, in seconds.
    public let window: TimeInterval

    static let namespace = "ratelimit.address"

    /// Creates a limiter.
    public init(store: any DirectoryStore, limit: Int, window: TimeInterval) {
        self.store = store
        self.limit = limit
        self.window = window
    }

    /// The decision on one submission.
    public enum Decision: Sendable, Hashable {
        /// Go ahead; the submission was counted.
        case allowed
        /// Refused without counting; the oldest counted submission leaves the window after this many seconds.
        case limited(retryAfter: TimeInterval)
    }

    /// Counts a submission from `address` unless the window is already full.
    public func record(address: String, now: Date) async throws -> Decision {
        var times = try await store.ephemeral(namespace: Self.namespace, key: address, now: now)
            .flatMap { try? JSONDecoder().decode([Date].self, from: $0) } ?? []
        times = times.filter { now.timeIntervalSince($0) < window }.sorted()
        if times.count >= limit, let oldest = times.first {
            return .limited(retryAfter: max(1, window - now.timeIntervalSince(oldest)))
        }
        times.append(now)
        try await store.putEphemeral(
            namespace: Self.namespace, key: address, value: try JSONEncoder().encode(times), expiresAt: now.addingTimeInterval(window))
        return .allowed
    }
}
