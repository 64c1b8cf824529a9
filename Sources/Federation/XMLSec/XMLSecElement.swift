internal import CXMLSec
import Foundation

/// One element of an ``XMLSecDocument``: a borrowed `xmlNodePtr` plus the document that owns it, so
/// the node cannot outlive its tree.
///
/// Reading is namespace-aware everywhere: elements are matched by (namespace URI, local name), never by
/// prefix, and attributes are read without a namespace (`xmlGetNoNsProp`), so `foo:ID` never stands in
/// for `ID`.
struct XMLSecElement {
    /// The document that owns the node.
    let document: XMLSecDocument
    let node: xmlNodePtr

    /// The local name (`Assertion`).
    var name: String { String(cString: node.pointee.name) }

    /// The namespace URI, if the element has one.
    var namespaceURI: String? {
        node.pointee.ns?.pointee.href.map { String(cString: $0) }
    }

    /// Whether the element is `name` in `namespace`.
    ///
    /// Compares the C strings in place: the structure checks call this for every element of every
    /// Response, and two Strings made per call showed in the validation profile.
    func `is`(_ name: String, in namespace: String) -> Bool {
        guard let href = node.pointee.ns?.pointee.href else { return false }
        return xmlString(node.pointee.name, equals: name) && xmlString(href, equals: namespace)
    }

    /// The value of the attribute `name` that has no namespace.
    func attribute(_ name: String) -> String? {
        consumeXMLString(withXMLString(name) { xmlGetNoNsProp(node, $0) })
    }

    /// The value of the attribute `name` in `namespace` (`xsi:nil`, say).
    func attribute(_ name: String, in namespace: String) -> String? {
        consumeXMLString(withXMLString(name) { name in withXMLString(namespace) { xmlGetNsProp(node, name, $0) } })
    }

    /// The attributes whose (local name, namespace URI) is one of `names` (nil: no namespace), in
    /// document order, with their values. Other attributes are skipped without making Strings of them.
    func attributes(named names: [(name: String, namespaceURI: String?)]) -> [(name: String, namespaceURI: String?, value: String)] {
        var result: [(name: String, namespaceURI: String?, value: String)] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            attribute = current.pointee.next
            let href = current.pointee.ns?.pointee.href
            guard
                let match = names.first(where: { wanted in
                    xmlString(current.pointee.name, equals: wanted.name)
                        && (wanted.namespaceURI.map { uri in href.map { xmlString($0, equals: uri) } ?? false } ?? (href == nil))
                })
            else { continue }
            let value = consumeXMLString(xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1)) ?? ""
            result.append((match.name, match.namespaceURI, value))
        }
        return result
    }

    /// Every attribute: local name, namespace URI (nil for none) and value.
    var attributes: [(name: String, namespaceURI: String?, value: String)] {
        var result: [(name: String, namespaceURI: String?, value: String)] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            let value = consumeXMLString(xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1)) ?? ""
            result.append((String(cString: current.pointee.name), current.pointee.ns?.pointee.href.map { String(cString: $0) }, value))
            attribute = current.pointee.next
        }
        return result
    }

    /// The text of the element and all its descendants (`xmlNodeGetContent`), comments and
    /// processing instructions excluded.
    ///
    /// This is how NameID and other values are read: a comment injected in the middle of a value
    /// (`alice@example.com<!---->.evil.test`) cannot truncate it, as reading only the first text child would.
    var text: String {
        consumeXMLString(xmlNodeGetContent(node)) ?? ""
    }

    /// The text, trimmed of surrounding XML whitespace.
    var trimmedText: String {
        text.trimmingXMLWhitespace()
    }

    /// The parent element, if the parent is an element.
    var parent: XMLSecElement? {
        guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLSecElement(document: document, node: parent)
    }

    /// The element children, in document order.
    var children: [XMLSecElement] {
        var result: [XMLSecElement] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(XMLSecElement(document: document, node: current)) }
            child = current.pointee.next
        }
        return result
    }

    /// The element children named `name` in `namespace`.
    func children(_ name: String, in namespace: String) -> [XMLSecElement] {
        var result: [XMLSecElement] = []
        var child = node.pointee.children
        while let current = child {
            let element = XMLSecElement(document: document, node: current)
            if current.pointee.type == XML_ELEMENT_NODE && element.is(name, in: namespace) { result.append(element) }
            child = current.pointee.next
        }
        return result
    }

    /// The first element child named `name` in `namespace`.
    func child(_ name: String, in namespace: String) -> XMLSecElement? {
        var child = node.pointee.children
        while let current = child {
            let element = XMLSecElement(document: document, node: current)
            if current.pointee.type == XML_ELEMENT_NODE && element.is(name, in: namespace) { return element }
            child = current.pointee.next
        }
        return nil
    }

    /// Every element below this one (not itself), in document order.
    var descendants: [XMLSecElement] {
        descendants { _ in true }
    }

    /// The elements below this one (not itself) for which `isIncluded` is true, in document order.
    /// Walks the tree through the node links, without an array per level.
    func descendants(where isIncluded: (XMLSecElement) -> Bool) -> [XMLSecElement] {
        var result: [XMLSecElement] = []
        var current = node.pointee.children
        while let visited = current {
            if visited.pointee.type == XML_ELEMENT_NODE {
                let element = XMLSecElement(document: document, node: visited)
                if isIncluded(element) { result.append(element) }
                if let first = visited.pointee.children {
                    current = first
                    continue
                }
            }
            // Next sibling, or the next sibling of the nearest ancestor below `node` that has one.
            var climbing: xmlNodePtr? = visited
            current = nil
            while let at = climbing, at != node {
                if let next = at.pointee.next {
                    current = next
                    break
                }
                climbing = at.pointee.parent
            }
        }
        return result
    }

    /// The element as XML text (namespaces declared on ancestors are not repeated), for display.
    func serialized(pretty: Bool) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, document.pointer, node, 0, pretty ? 1 : 0)
        return xmlBufferContent(buffer).map { String(cString: $0) } ?? ""
    }

    /// Whether both values name the same node.
    func isSameNode(as other: XMLSecElement) -> Bool { node == other.node }

    /// A readable location such as `/Response/Assertion[1]/Subject`, for reasons.
    var path: String {
        var parts: [String] = []
        var current: XMLSecElement? = self
        while let element = current {
            parts.append(element.name)
            current = element.parent
        }
        return "/" + parts.reversed().joined(separator: "/")
    }
}

/// Whether the NUL-terminated `pointer` holds exactly the UTF-8 of `string` (no String made).
func xmlString(_ pointer: UnsafePointer<xmlChar>?, equals string: String) -> Bool {
    guard let pointer else { return false }
    var string = string
    return string.withUTF8 { utf8 in
        strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self)) == utf8.count
            && (utf8.isEmpty || memcmp(pointer, utf8.baseAddress!, utf8.count) == 0)
    }
}

extension String {
    /// The string without leading and trailing XML whitespace (space, tab, CR, LF).
    func trimmingXMLWhitespace() -> String {
        // ASCII text (nearly every SAML value) trims byte by byte; elsewhere, by Characters, so that
        // white space joined to a following combining mark stays as the grapheme it is part of.
        let utf8 = self.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            let isWhitespace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
            guard let first = utf8.firstIndex(where: { !isWhitespace($0) }), let last = utf8.lastIndex(where: { !isWhitespace($0) }) else {
                return ""
            }
            return first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) ? self : String(self[first...last])
        }
        let whitespace: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        guard let first = firstIndex(where: { !whitespace.contains($0) }),
            let last = lastIndex(where: { !whitespace.contains($0) })
        else { return "" }
        return String(self[first...last])
    }
}
