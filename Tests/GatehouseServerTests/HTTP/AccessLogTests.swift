import Authenticators
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Login
import Synchronization
import Testing

/// Keeps every log record, for tests that check what is (not) logged.
final class RecordingLog: Sendable {
    struct Record: Sendable {
        var message: String
        var metadata: [String: String]
        var text: String { ([message] + metadata.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
    }

    private let records = Mutex<[Record]>([])
    var all: [Record] { records.withLock { $0 } }

    var logger: Logger {
        Logger(label: "gatehouse.test") { _ in Handler(log: self) }
    }

    fileprivate func append(_ record: Record) { records.withLock { $0.append(record) } }

    struct Handler: LogHandler {
        let log: RecordingLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            log.append(Record(message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

@Suite("Access logs: one structured line per request, with the request id and without secrets")
struct AccessLogTests {
    @Test func logsEveryRequestWithItsIdAndNeverASecret() async throws {
        let log = RecordingLog()
        try await withServer { server in
            var environment = ServerEnvironment()
            let clock = server.clock
            environment.clock = { clock.now }
            environment.logger = log.logger
            environment.credentialSettings.passwordHasher = .init(cost: .test)
            let runtime = try await GatehouseRuntime.make(configuration: server.configuration, environment: environment)
            let app = try await buildApplication(runtime: runtime, extensions: [StubOAuth()])
            try await app.test(.router) { client in
                var browser = Browser(client)
                browser.extraHeaders = [.requestID: "trace-42"]
                var page = try await browser.authorize("client_id=console&state=state-secret-value&login_hint=alice@globex.test")
                page = try await browser.submit(page, [("password", alicePassword)])
                page = try await browser.submit(page, [("code", try server.totp())])
                #expect(page.text.hasPrefix("authenticated"))
                // The same app again: the SSO session answers at once.
                page = try await browser.authorize("client_id=console&state=state-secret-value-2")
                #expect(page.text.hasPrefix("authenticated"))
            }
        }
        let records = log.all
        // One line for each login's start and end; the SSO login, which ended where it began, has only its end.
        let logins = records.filter { $0.message.hasPrefix("login ") }
        #expect(logins.map(\.message) == ["login started", "login allowed", "login allowed"])
        #expect(logins.map { $0.metadata["sso"] } == ["false", "false", "true"])
        #expect(logins.allSatisfy { $0.metadata["flow"] != nil && $0.metadata["app"] == "console" })
        let requests = records.filter { $0.message == "request" }
        #expect(requests.count == 5)
        #expect(requests.allSatisfy { $0.metadata["request_id"] == "trace-42" })
        #expect(records.allSatisfy { $0.metadata["hb.request.id"] == nil }, "one request id per line: Hummingbird's is replaced")
        #expect(requests.contains { $0.metadata["path"] == "/login/{id}" && $0.metadata["status"] == "200" })
        #expect(records.contains { $0.message == "login allowed" && $0.metadata["request_id"] == "trace-42" })
        for record in records {
            #expect(!record.text.contains(alicePassword))
            #expect(!record.text.contains("state-secret-value"))
            #expect(!record.text.contains("gatehouse_session"))
            #expect(!record.text.contains("csrf"))
        }
    }
}
