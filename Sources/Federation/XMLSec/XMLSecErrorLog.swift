internal import CXMLSec
import Foundation

/// The libxml2 and libxmlsec1 error reports raised on the current thread while one operation runs,
/// so they end up in the thrown ``FederationError`` instead of on standard error.
///
/// Both libraries report errors through callbacks without a per-call context: libxmlsec1 through one
/// process-wide callback (`xmlSecErrorsSetCallback`), libxml2 through a per-thread structured error
/// handler (`xmlSetStructuredErrorFunc`). ``capture(_:)`` makes a log current for the calling thread
/// (a pthread key, so concurrent operations on other threads keep their own) and installs the libxml2
/// handler for the duration of `body`. The C calls inside `body` are synchronous, so the thread cannot
/// change under them; never `await` inside `body`.
///
/// (The nio-ssl habit: drain the library's error queue into the thrown error.)
final class XMLSecErrorLog {
    /// At most this many messages are kept, so a hostile document cannot grow a reason without bound.
    static let capacity = 8

    /// The messages, oldest first.
    private(set) var messages: [String] = []

    private init() {}

    fileprivate func append(_ message: String) {
        guard messages.count < Self.capacity else { return }
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty && messages.last != trimmed { messages.append(trimmed) }
    }

    /// Empties the log (after an expected failure, e.g. trying the next key).
    func clear() { messages.removeAll() }

    /// An error whose reason is `reason` followed by the library messages collected so far.
    func error(_ code: FederationError.Code, _ reason: String, file: String = #fileID, line: UInt = #line) -> FederationError {
        let details = messages.isEmpty ? "" : " (" + messages.joined(separator: "; ") + ")"
        return FederationError(code, reason + details, file: file, line: line)
    }

    /// Runs `body` with a fresh log current on this thread and returns its result.
    static func capture<T>(_ body: (XMLSecErrorLog) throws(FederationError) -> T) throws(FederationError) -> T {
        let log = XMLSecErrorLog()
        let previous = pthread_getspecific(threadKey)
        let pointer = Unmanaged.passUnretained(log).toOpaque()
        pthread_setspecific(threadKey, pointer)
        xmlSetStructuredErrorFunc(pointer, libxmlHandler)
        defer {
            pthread_setspecific(threadKey, previous)
            xmlSetStructuredErrorFunc(previous, previous == nil ? silentHandler : libxmlHandler)
            withExtendedLifetime(log) {}
        }
        return try body(log)
    }

    /// Installs the process-wide libxmlsec1 callback (once, from ``XMLSecLibrary``).
    static func installCallbacks() {
        _ = threadKey
        xmlSecErrorsSetCallback { file, line, function, object, subject, reason, message in
            _ = (file, line, object, reason)
            guard let raw = pthread_getspecific(XMLSecErrorLog.threadKey) else { return }
            let log = Unmanaged<XMLSecErrorLog>.fromOpaque(raw).takeUnretainedValue()
            var text = function.map { String(cString: $0) } ?? "xmlsec"
            if let subject { text += " [\(String(cString: subject))]" }
            if let message { text += ": " + String(cString: message) }
            log.append(text)
        }
        xmlSetStructuredErrorFunc(nil, silentHandler)
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private static let libxmlHandler: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let log = Unmanaged<XMLSecErrorLog>.fromOpaque(context).takeUnretainedValue()
        let message = error.pointee.message.map { String(cString: $0) } ?? "libxml2 error \(error.pointee.code)"
        log.append(error.pointee.line > 0 ? "line \(error.pointee.line): \(message)" : message)
    }

    /// Drops libxml2 reports made outside ``capture(_:)`` instead of printing them.
    private static let silentHandler: xmlStructuredErrorFunc = { _, _ in }
}
