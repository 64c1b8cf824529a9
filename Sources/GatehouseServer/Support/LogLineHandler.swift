#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Synchronization

/// The server's log handler: one line per event on standard output, in the format of swift-log's
/// `StreamLogHandler` (`<time> <level> <label>: <key=value …> [<source>] <message>`, keys sorted),
/// built as bytes and written with one `write(2)` per line.
///
/// `StreamLogHandler` formats the metadata again each time a key is set on a logger (every request
/// sets `request_id`), asks `strftime` for the time of every line, and interpolates the line through
/// `String`; at one access-log line per request that was several percent of a login's CPU time. Here
/// setting a key only stores it, the time's text is reused within its second, and the line is
/// written in one system call (whole lines, never interleaved).
///
/// ```swift
/// var logger = Logger(label: "gatehouse", factory: { LogLineHandler(label: $0) })
/// logger.info("request", metadata: ["status": "200"])
/// // 2026-12-07T02:41:07+0000 info gatehouse: status=200 [GatehouseServer] request
/// ```
public struct LogLineHandler: LogHandler {
    /// The logger's label, written after the level.
    public let label: String
    /// The lowest level written (``Logger`` filters before calling ``log(event:)``).
    public var logLevel: Logger.Level = .info
    /// Metadata written on every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Metadata added to every line when it is written (task-local context, say).
    public var metadataProvider: Logger.MetadataProvider?
    private let output: Output

    /// Where lines go: a file descriptor, standard output by default.
    public struct Output: Sendable {
        let emit: @Sendable ([UInt8]) -> Void

        /// Standard output.
        public static let standardOutput = Output { line in Self.writeAll(line, to: 1) }

        /// Every line to `sink`, for tests.
        public static func collecting(_ sink: @escaping @Sendable (String) -> Void) -> Output {
            Output { sink(String(decoding: $0, as: UTF8.self)) }
        }

        private static func writeAll(_ line: [UInt8], to descriptor: Int32) {
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0, errno == EINTR {
                        continue
                    } else {
                        return  // a closed or full output drops the line: logging never fails a request
                    }
                }
            }
        }
    }

    /// A handler for `label` writing to `output`.
    public init(label: String, output: Output = .standardOutput, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
    }

    /// The value of one metadata key of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line: the handler's metadata, then the provider's, then the event's (later keys
    /// win), and an event's error as `error.message` and `error.type`.
    public func log(event: LogEvent) {
        // Every key once, sorted; of a key set at several places the later one (an insertion sort,
        // stable, over the handful of keys a line has: no dictionary is merged for each line).
        var entries: [(key: String, value: Logger.Metadata.Value)] = []
        entries.reserveCapacity(metadata.count + 8)
        func add(_ key: String, _ value: Logger.Metadata.Value) {
            var place = entries.endIndex
            entries.append((key, value))
            while place > 0, key.utf8.lexicographicallyPrecedes(entries[place - 1].key.utf8) {
                entries.swapAt(place, place - 1)
                place -= 1
            }
        }
        for (key, value) in metadata { add(key, value) }
        if let provided = metadataProvider?.get() { for (key, value) in provided { add(key, value) } }
        if let explicit = event.metadata { for (key, value) in explicit { add(key, value) } }
        if let error = event.error {
            add("error.message", .string("\(error)"))
            add("error.type", .string(String(reflecting: type(of: error))))
        }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: Self.clock.text(for: time(nil)))
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: event.level.rawValue.utf8)
        if !label.isEmpty {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: label.utf8)
        }
        line.append(UInt8(ascii: ":"))
        for (index, (key, value)) in entries.enumerated() where index + 1 == entries.count || entries[index + 1].key != key {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            Self.append(value, to: &line)
        }
        line.append(contentsOf: " [".utf8)
        line.append(contentsOf: event.source.utf8)
        line.append(contentsOf: "] ".utf8)
        line.append(contentsOf: event.message.description.utf8)
        line.append(UInt8(ascii: "\n"))
        output.emit(line)
    }

    /// A value as `StreamLogHandler` writes it (its `description`), strings without a copy.
    private static func append(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
        switch value {
        case .string(let text): line.append(contentsOf: text.utf8)
        case .stringConvertible(let convertible): line.append(contentsOf: convertible.description.utf8)
        default: line.append(contentsOf: value.description.utf8)
        }
    }

    /// The time of the current second as text, made once per second.
    private static let clock = SecondClock()

    /// `2026-12-07T02:41:07+0000` for the second it was last asked about.
    final class SecondClock: Sendable {
        private let last = Mutex<(second: time_t, text: [UInt8])>((-1, []))

        func text(for second: time_t) -> [UInt8] {
            if let known = last.withLock({ $0.second == second ? $0.text : nil }) { return known }
            var parts = tm()
            var now = second
            gmtime_r(&now, &parts)
            var buffer = [Int8](repeating: 0, count: 32)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S+0000", &parts)
            let text = buffer[0..<count].map { UInt8(bitPattern: $0) }
            last.withLock { $0 = (second, text) }
            return text
        }
    }
}
