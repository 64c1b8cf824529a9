import Synchronization

/// Carries a value an extension built in `configure(hooks:runtime:)` over to its
/// `addRoutes(to:login:runtime:)`, so hooks and routes share one instance (keys, caches).
final class Handoff<Value: Sendable>: Sendable {
    private let slot = Mutex<Value?>(nil)

    /// Leaves `value` for ``take()``.
    func put(_ value: Value) { slot.withLock { $0 = value } }

    /// The value left by ``put(_:)``, once; nil when none was left or it was already taken.
    func take() -> Value? { slot.withLock { slot in defer { slot = nil }; return slot } }
}
