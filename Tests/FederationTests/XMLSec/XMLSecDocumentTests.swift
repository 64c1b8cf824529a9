import Foundation
import Testing

@testable import Federation

@Suite("XML parsing: XXE, entity expansion and limits")
struct XMLSecDocumentTests {
    private static func parse(_ xml: String, limit: Int = XMLSecDocument.defaultMaximumSize) throws(FederationError) -> XMLSecDocument {
        try XMLSecDocument(parsing: Array(xml.utf8), maximumSize: limit)
    }

    @Test("rejects an external entity and never fetches it")
    func rejectsExternalEntityWithoutFetching() throws {
        let listener = try LoopbackListener()
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:\(listener.port)/secret">]>
            <r>&xxe;</r>
            """
        #expect(throws: FederationError(.malformedMessage, "")) { try Self.parse(xml) }
        #expect(!listener.hasPendingConnection, "the parser connected to the entity's URL")
    }

    @Test("rejects a local-file external entity")
    func rejectsFileEntity() {
        let xml = "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><r>&xxe;</r>"
        do {
            _ = try Self.parse(xml)
            Issue.record("parsed")
        } catch {
            #expect(error.code == .malformedMessage)
            #expect(error.reason.contains("DOCTYPE"))
            #expect(!error.reason.contains("root:"))
        }
    }

    @Test("rejects entity expansion (billion laughs) at once")
    func rejectsBillionLaughs() {
        var entities = "<!ENTITY lol0 \"lol\">"
        for level in 1...9 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE lolz [\(entities)]><lolz>&lol9;</lolz>"
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(throws: FederationError(.malformedMessage, "")) { try Self.parse(xml) }
        }
        #expect(elapsed < .seconds(1))
    }

    @Test("rejects any DOCTYPE, even a harmless one, and an external DTD")
    func rejectsAnyDoctype() {
        #expect(throws: FederationError(.malformedMessage, "")) { try Self.parse("<!DOCTYPE r><r/>") }
        #expect(throws: FederationError(.malformedMessage, "")) {
            try Self.parse("<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/r.dtd\"><r/>")
        }
    }

    @Test("rejects an undeclared entity reference and malformed XML, with libxml2's reason")
    func rejectsMalformed() {
        do {
            _ = try Self.parse("<r>&xxe;</r>")
            Issue.record("parsed")
        } catch {
            #expect(error.code == .malformedMessage)
            #expect(error.reason.contains("xxe"))
        }
        #expect(throws: FederationError(.malformedMessage, "")) { try Self.parse("<r><unclosed></r>") }
        #expect(throws: FederationError(.malformedMessage, "")) { try Self.parse("") }
    }

    @Test("rejects a document over the size limit before parsing")
    func rejectsOversized() {
        #expect(throws: FederationError(.messageTooLarge, "")) { try Self.parse("<r>" + String(repeating: "x", count: 100) + "</r>", limit: 64) }
    }

    @Test("reads text through comments and CDATA, and attributes without namespace only")
    func readsTextAndAttributes() throws {
        let document = try Self.parse("<r xmlns:x=\"urn:x\" x:ID=\"evil\" ID=\"good\">a<!-- c -->b<![CDATA[<c>]]></r>")
        #expect(document.root.text == "ab<c>")
        #expect(document.root.attribute("ID") == "good")
    }

    @Test("registers an ID once and refuses a second element with the same ID")
    func registersIDs() throws {
        let document = try Self.parse("<r><a ID=\"x\"/><b ID=\"x\"/></r>")
        let children = document.root.children
        try document.registerID(of: children[0], attribute: "ID")
        #expect(document.element(withID: "x")?.isSameNode(as: children[0]) == true)
        #expect(throws: FederationError(.signatureWrapping, "")) { try document.registerID(of: children[1], attribute: "ID") }
    }

    @Test("raw DEFLATE round-trips and refuses to inflate past its limit")
    func rawDeflate() throws {
        let text = Array(String(repeating: "SAML ", count: 10_000).utf8)
        let compressed = RawDeflate.compress(text)
        #expect(compressed.count < 1_000)
        #expect(try RawDeflate.decompress(compressed, limit: text.count) == text)
        #expect(throws: FederationError(.messageTooLarge, "")) { try RawDeflate.decompress(compressed, limit: 1_000) }
        #expect(throws: FederationError(.malformedMessage, "")) { try RawDeflate.decompress([1, 2, 3, 4], limit: 1_000) }
    }

    @Test("parses and formats SAML times")
    func samlTimes() {
        #expect(SAMLDateTime.parse("2026-03-02T09:00:00Z") == Date(timeIntervalSince1970: 1_772_442_000))
        #expect(SAMLDateTime.parse("2026-03-02T09:00:00.250Z") == Date(timeIntervalSince1970: 1_772_442_000.25))
        #expect(SAMLDateTime.parse("1999-12-31T23:59:59Z") == Date(timeIntervalSince1970: 946_684_799))
        #expect(SAMLDateTime.parse("2026-03-02T09:00:00+02:00") == nil)
        #expect(SAMLDateTime.parse("2026-03-02 09:00:00Z") == nil)
        #expect(SAMLDateTime.parse("2026-13-02T09:00:00Z") == nil)
        #expect(SAMLDateTime.format(Date(timeIntervalSince1970: 1_772_442_000.9)) == "2026-03-02T09:00:00Z")
        #expect(SAMLDateTime.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
    }
}
