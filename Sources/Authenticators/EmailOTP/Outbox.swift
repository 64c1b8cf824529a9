/// One email to send.
public struct EmailMessage: Sendable, Hashable, Codable {
    /// The recipient's address.
    public var to: String
    /// The subject line.
    public var subject: String
    /// The plain-text body.
    public var body: String

    /// Creates a message.
    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// Where emails go: SMTP or an email API in production, ``MemoryOutbox`` in tests.
///
/// ```swift
/// struct LoggingOutbox: Outbox {
///     func send(_ message: EmailMessage) async { print("to \(message.to): \(message.subject)") }
/// }
/// ```
public protocol Outbox: Sendable {
    /// Hands `message` over for delivery.
    func send(_ message: EmailMessage) async
}

/// An outbox that keeps every message in memory, in the order sent, for tests and demos to read.
public actor MemoryOutbox: Outbox {
    /// The messages sent so far, oldest first.
    public private(set) var messages: [EmailMessage] = []

    /// Creates an empty outbox.
    public init() {}

    /// Appends `message` to ``messages``.
    public func send(_ message: EmailMessage) async {
        messages.append(message)
    }
}
