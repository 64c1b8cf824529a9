internal import CXMLSec

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
    func `is`(_ name: String, in namespace: String) -> Bool {
        namespaceURI == namespace && self.name == name
    }

    /// The value of the attribute `name` that has no namespace.
    func attribute(_ name: String) -> String? {
        consumeXMLString(withXMLString(name) { xmlGetNoNsProp(node, $0) })
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
        children.filter { $0.is(name, in: namespace) }
    }

    /// The first element child named `name` in `namespace`.
    func child(_ name: String, in namespace: String) -> XMLSecElement? {
        children.first { $0.is(name, in: namespace) }
    }

    /// Every element below this one (not itself), in document order.
    var descendants: [XMLSecElement] {
        var result: [XMLSecElement] = []
        var stack = children.reversed() as [XMLSecElement]
        while let element = stack.popLast() {
            result.append(element)
            stack.append(contentsOf: element.children.reversed())
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

extension String {
    /// The string without leading and trailing XML whitespace (space, tab, CR, LF).
    func trimmingXMLWhitespace() -> String {
        let whitespace: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        guard let first = firstIndex(where: { !whitespace.contains($0) }),
            let last = lastIndex(where: { !whitespace.contains($0) })
        else { return "" }
        return String(self[first...last])
    }
}
