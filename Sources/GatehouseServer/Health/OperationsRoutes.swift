import Directory
import HTTPTypes
import Hummingbird
import Logging

/// Liveness, readiness and metrics, for orchestrators and Prometheus.
enum OperationsRoutes {
    /// Adds `/healthz` (the process answers), `/readyz` (the store answers) and `/metrics`.
    static func add(to router: Router<GatehouseRequestContext>, runtime: GatehouseRuntime) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, context in
            do {
                // A read that reaches the database file (not a copy in memory): a closed or broken store throws.
                try await runtime.store.checkReadable()
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
            } catch {
                context.logger.warning("readiness check failed: the store does not answer")
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "store unavailable\n")))
            }
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: runtime.metrics.exposition())))
        }
    }
}
