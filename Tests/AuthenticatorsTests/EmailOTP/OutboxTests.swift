import Authenticators
import Testing

struct OutboxTests {
    @Test func memoryOutboxKeepsMessagesInOrder() async {
        let outbox = MemoryOutbox()
        let first = EmailMessage(to: "alice@example.com", subject: "Your code", body: "123456")
        let second = EmailMessage(to: "bob@example.com", subject: "Your code", body: "654321")
        await outbox.send(first)
        await outbox.send(second)
        #expect(await outbox.messages == [first, second])
    }

    @Test func usableThroughTheProtocol() async {
        let outbox = MemoryOutbox()
        let sender: any Outbox = outbox
        await sender.send(EmailMessage(to: "carol@example.com", subject: "Hi", body: ""))
        #expect(await outbox.messages.map(\.to) == ["carol@example.com"])
    }
}
