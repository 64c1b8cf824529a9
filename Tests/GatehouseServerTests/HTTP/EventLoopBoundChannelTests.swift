import GatehouseServer
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Connections are handled on their own event loops (real loopback HTTP)")
struct EventLoopBoundChannelTests {
    @Test("a request's handler runs on its connection's event loop, and is back there after an RS256 signature made off it")
    func handlersRunOnTheEventLoop() async throws {
        try await withServer { server in
            let (app, _) = try await server.application()
            try await app.test(.live) { client in
                for _ in 0..<3 {
                    try await client.execute(uri: "/test/executor", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body) == "handler=event loop after-signing=event loop")
                    }
                }
            }
        }
    }
}
