internal import CXMLSec
import Foundation

/// Owns one libxml2 document (`xmlDocPtr`), freed in `deinit`.
///
/// The only way to get one from bytes is ``init(parsing:maximumSize:)``, the safe parser: a size
/// limit, `XML_PARSE_NONET`, no entity substitution, no DTD loading or validation, and any DOCTYPE at
/// all refused before its internal subset is read (so neither external entities (XXE) nor entity
/// expansion ("billion laughs") can happen). Elements are handed out as ``XMLSecElement`` values that
/// keep the document alive.
///
/// Not `Sendable`: a document belongs to the one call that parsed it.
final class XMLSecDocument {
    /// The default largest message Gatehouse parses: 256 KiB.
    static let defaultMaximumSize = 256 * 1024

    let pointer: xmlDocPtr

    /// Parses `bytes` as a standalone XML document.
    /// - Parameters:
    ///   - bytes: The document (any encoding libxml2 detects; UTF-8 in practice).
    ///   - maximumSize: The largest accepted size in bytes.
    /// - Throws: ``FederationError`` `messageTooLarge` over the limit; `malformedMessage` when the
    ///   document is not well-formed, has no root element or contains a DOCTYPE.
    init(parsing bytes: some Collection<UInt8>, maximumSize: Int = XMLSecDocument.defaultMaximumSize) throws(FederationError) {
        try XMLSecLibrary.ensureInitialized()
        guard bytes.count <= maximumSize else {
            throw FederationError(.messageTooLarge, "the XML document is \(bytes.count) bytes; the limit is \(maximumSize)")
        }
        let contiguous = Array(bytes)
        pointer = try XMLSecErrorLog.capture { log throws(FederationError) in
            guard let context = xmlNewParserCtxt() else { throw log.error(.xmlSecurity, "libxml2 could not create a parser") }
            defer { xmlFreeParserCtxt(context) }
            // A DOCTYPE stops the parser at once, before any declaration in it is read.
            context.pointee.sax.pointee.internalSubset = { parserContext, _, _, _ in
                xmlStopParser(parserContext?.assumingMemoryBound(to: xmlParserCtxt.self))
            }
            let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue)
            let document = contiguous.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    xmlCtxtReadMemory(context, chars.baseAddress, Int32(chars.count), nil, nil, options)
                }
            }
            if context.pointee.errNo == Int32(XML_ERR_USER_STOP.rawValue) {
                if let document { xmlFreeDoc(document) }
                throw FederationError(.malformedMessage, "the XML document contains a DOCTYPE, which is never accepted (XXE and entity-expansion defence)")
            }
            guard let document else { throw log.error(.malformedMessage, "the message is not well-formed XML") }
            guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
                xmlFreeDoc(document)
                throw FederationError(.malformedMessage, "the XML document contains a DOCTYPE, which is never accepted")
            }
            guard xmlDocGetRootElement(document) != nil else {
                xmlFreeDoc(document)
                throw FederationError(.malformedMessage, "the XML document has no root element")
            }
            return document
        }
    }

    deinit {
        xmlFreeDoc(pointer)
    }

    /// The root element (always present: the parser refuses documents without one).
    var root: XMLSecElement {
        XMLSecElement(document: self, node: xmlDocGetRootElement(pointer)!)
    }

    /// The document serialised as-is (no reformatting, so signatures stay valid), with an XML declaration.
    func serialized() -> [UInt8] {
        dump(format: false)
    }

    /// The document indented for people (``SAMLInspection``); never verify a signature over this.
    func prettyPrinted() -> String {
        String(decoding: dump(format: true), as: UTF8.self)
    }

    private func dump(format: Bool) -> [UInt8] {
        var memory: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpFormatMemoryEnc(pointer, &memory, &size, "UTF-8", format ? 1 : 0)
        defer { gh_xml_free(memory) }
        guard let memory, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: memory, count: Int(size)))
    }

    /// Declares the no-namespace attribute `name` of `element` as an XML ID, so that a same-document
    /// reference `#value` resolves to `element` and to nothing else.
    ///
    /// Only the elements Gatehouse is about to verify are registered (never `xmlSecAddIDs` over the
    /// whole tree), so a reference cannot resolve to an element hidden elsewhere.
    /// - Throws: ``FederationError`` `malformedMessage` when the attribute is missing;
    ///   `signatureWrapping` when another element already holds the same ID.
    func registerID(of element: XMLSecElement, attribute name: String) throws(FederationError) {
        try XMLSecErrorLog.capture { log throws(FederationError) in
            let attribute = withXMLString(name) { xmlHasNsProp(element.node, $0, nil) }
            guard let attribute, let value = element.attribute(name), !value.isEmpty else {
                throw FederationError(.malformedMessage, "<\(element.name)> has no \(name) attribute")
            }
            if let existing = withXMLString(value, { xmlGetID(pointer, $0) }) {
                guard existing == attribute else {
                    throw FederationError(.signatureWrapping, "the ID '\(value)' is declared by more than one element")
                }
                return
            }
            guard withXMLString(value, { xmlAddID(nil, pointer, $0, attribute) }) != nil else {
                throw log.error(.signatureWrapping, "the ID '\(value)' could not be registered")
            }
        }
    }

    /// The element whose registered ID is `id`, if any.
    func element(withID id: String) -> XMLSecElement? {
        guard let attribute = withXMLString(id, { xmlGetID(pointer, $0) }), let parent = attribute.pointee.parent else {
            return nil
        }
        return XMLSecElement(document: self, node: parent)
    }
}

/// Calls `body` with `string` as a NUL-terminated `const xmlChar *`.
func withXMLString<Result>(_ string: String, _ body: (UnsafePointer<xmlChar>) -> Result) -> Result {
    string.withCString { characters in
        characters.withMemoryRebound(to: xmlChar.self, capacity: string.utf8.count + 1, body)
    }
}

/// Takes ownership of an `xmlChar *` libxml2 allocated and returns it as a String.
func consumeXMLString(_ pointer: UnsafeMutablePointer<xmlChar>?) -> String? {
    guard let pointer else { return nil }
    defer { gh_xml_free(pointer) }
    return String(cString: pointer)
}
