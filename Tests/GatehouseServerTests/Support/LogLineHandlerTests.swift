import Foundation
import Logging
import Synchronization
import Testing
@testable import GatehouseServer

@Suite("Log lines")
struct LogLineHandlerTests {
    /// The lines a test logger wrote.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// A logger whose lines land in `lines`.
    static func logger(_ lines: Lines, provider: Logger.MetadataProvider? = nil) -> Logger {
        Logger(label: "gatehouse") { label in
            LogLineHandler(label: label, output: .collecting { lines.append($0) }, metadataProvider: provider)
        }
    }

    struct Refused: Error, CustomStringConvertible {
        var description: String { "no" }
    }

    @Test("a line is the time, level, label, sorted key=value metadata, source and message, as StreamLogHandler writes it")
    func format() throws {
        let lines = Lines()
        var logger = Self.logger(lines)
        logger[metadataKey: "request_id"] = "r-1"
        let metadata: Logger.Metadata = ["status": .stringConvertible(303), "method": "GET", "path": "/authorize"]
        logger.info("request", metadata: metadata)
        let line = try #require(lines.all.first)
        let match = try #require(line.wholeMatch(of: /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000) (.*)\n/))
        #expect(match.2 == "info gatehouse: method=GET path=/authorize request_id=r-1 status=303 [GatehouseServerTests] request")
    }

    @Test("the event's metadata wins over the provider's, which wins over the logger's; an error adds its message and type")
    func precedence() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["source": "provider", "tenant": "acme"] }
        var logger = Self.logger(lines, provider: provider)
        logger[metadataKey: "source"] = "logger"
        logger[metadataKey: "tenant"] = "logger"
        logger.log(level: Logger.Level.error, "failed", error: Refused(), metadata: ["tenant": "event"])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix(" error gatehouse: error.message=no error.type=GatehouseServerTests.LogLineHandlerTests.Refused source=provider tenant=event [GatehouseServerTests] failed\n"))
    }

    @Test("metadata set on a copy of a logger stays on that copy; the level filters")
    func valueSemantics() throws {
        let lines = Lines()
        let base = Self.logger(lines)
        var request = base
        request[metadataKey: "request_id"] = "r-2"
        request.logLevel = Logger.Level.notice
        request.info("dropped")
        request.notice("kept")
        base.info("plain")
        let written = lines.all
        #expect(written.count == 2)
        #expect(written[0].contains("gatehouse: request_id=r-2 [GatehouseServerTests] kept"))
        #expect(written[1].contains("gatehouse: [GatehouseServerTests] plain"))
    }

    @Test("the time is UTC, to the second")
    func time() {
        let clock = LogLineHandler.SecondClock()
        #expect(String(decoding: clock.text(for: 1_765_075_267), as: UTF8.self) == "2025-12-07T02:41:07+0000")
        #expect(String(decoding: clock.text(for: 1_765_075_267), as: UTF8.self) == "2025-12-07T02:41:07+0000")
        #expect(String(decoding: clock.text(for: 0), as: UTF8.self) == "1970-01-01T00:00:00+0000")
    }
}
