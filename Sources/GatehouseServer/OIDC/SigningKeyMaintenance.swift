import Directory
import Foundation
import Logging
import OIDCProvider
import ServiceLifecycle

/// Keeps a running node's signing keys current: every ``interval`` it reads the key ring from the store
/// (another node may have rotated it) and, when the active keys are older than
/// ``ServerConfiguration/signingKeyRotation``, rotates them — on one node only: the node that takes the
/// rotation lock in the store rotates, the others pick the new ring up at their next reload.
///
/// Retired keys stay published for the overlap period, so tokens signed just before a rotation keep
/// verifying at relying parties.
struct SigningKeyMaintenance: Service {
    /// Where the rotation lock lives (the key ring's own namespace).
    static let lockKey = "rotation-lock"

    let keys: SigningKeyStore
    let store: any DirectoryStore
    /// The rotation period; zero or less never rotates.
    let rotation: TimeInterval
    /// Time between two checks.
    let interval: Duration
    let clock: @Sendable () -> Date
    let logger: Logger

    /// The maintenance of `keys` with the server's settings, checking hourly.
    init(runtime: GatehouseRuntime, keys: SigningKeyStore, interval: Duration = .seconds(3600)) {
        self.keys = keys
        store = runtime.store
        rotation = runtime.configuration.signingKeyRotation
        self.interval = interval
        clock = runtime.clock
        logger = runtime.logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    try await check()
                } catch {
                    logger.warning(
                        "signing key maintenance failed; will retry", metadata: ["error.type": .string(String(reflecting: type(of: error)))])
                }
            }
        }
    }

    /// One check: reload, then rotate when due and this node holds the lock.
    /// - Returns: Whether this node rotated the keys.
    @discardableResult
    func check() async throws -> Bool {
        let now = clock()
        try await keys.reload(now: now)
        guard rotation > 0 else { return false }
        guard await keys.isRotationDue(now: now, interval: .seconds(rotation)) else { return false }
        // One node rotates; the lock outlives the rotation and expires by itself.
        guard try await store.insertEphemeralIfAbsent(
            namespace: SigningKeyStore.namespace, key: Self.lockKey, value: Data(), expiresAt: now.addingTimeInterval(300), now: now)
        else { return false }
        try await keys.reload(now: now)
        guard try await keys.rotateIfDue(now: now, interval: .seconds(rotation)) else { return false }
        logger.notice("rotated the signing keys", metadata: ["after_seconds": .stringConvertible(rotation)])
        return true
    }
}
