import Authenticators
import Foundation

/// Text escaping shared by the bindings and the message builders.
enum SAMLEncoding {
    /// `text` escaped for XML character data and attribute values (`&`, `<`, `>`, `"`, `'`).
    ///
    /// On the UTF-8 bytes (the five are ASCII, and no byte of a multi-byte character is): text
    /// without them, the usual case, is returned as it is.
    static func xmlEscape(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { escapedInXML($0) != nil }) else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            if let entity = escapedInXML(byte) {
                entity.withUTF8Buffer { escaped.append(contentsOf: $0) }
            } else {
                escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    /// The entity that stands for `byte` in XML text and attribute values, nil when it stands for itself.
    private static func escapedInXML(_ byte: UInt8) -> StaticString? {
        switch byte {
        case UInt8(ascii: "&"): "&amp;"
        case UInt8(ascii: "<"): "&lt;"
        case UInt8(ascii: ">"): "&gt;"
        case UInt8(ascii: "\""): "&quot;"
        case UInt8(ascii: "'"): "&apos;"
        default: nil
        }
    }

    /// `text` percent-encoded for a query string: every byte but RFC 3986 unreserved characters.
    ///
    /// The HTTP-Redirect signature covers the query exactly as sent (SAML Bindings §3.4.4.1), so the
    /// encoding must be deterministic: this one encodes `+`, `/` and `=` of base64 too.
    static func urlEncode(_ text: String) -> String { Bytes.percentEncoded(text) }

    /// A message ID: `_` followed by 40 hex digits from 20 random bytes (an `xs:ID` must not start
    /// with a digit; 160 bits cannot be guessed).
    static func messageID(randomBytes: (Int) -> [UInt8]) -> String { "_" + Bytes.hex(randomBytes(20)) }
}

/// An auto-submitting HTML form for the HTTP-POST binding (SAML Bindings §3.5.4): the browser posts
/// `fields` to `action`.
public struct SAMLPostForm: Sendable, Hashable {
    /// One hidden field.
    public struct Field: Sendable, Hashable {
        /// The field name (`SAMLRequest`, `SAMLResponse`, `RelayState`).
        public var name: String
        /// The value (base64 message, or RelayState).
        public var value: String
    }

    /// Where the form posts to.
    public var action: String
    /// The hidden fields, in order.
    public var fields: [Field]

    /// Creates a form.
    public init(action: String, fields: [Field]) {
        self.action = action
        self.fields = fields
    }

    /// The value of the field `name`.
    public func value(of name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// A complete HTML page that posts the form on load, with a button for browsers without JavaScript.
    /// - Parameter scriptNonce: The CSP nonce for the inline script, when the page is served with a
    ///   `script-src 'nonce-…'` policy.
    public func html(scriptNonce: String? = nil) -> String {
        let nonce = scriptNonce.map { " nonce=\"\(SAMLEncoding.xmlEscape($0))\"" } ?? ""
        let inputs = fields.map {
            "<input type=\"hidden\" name=\"\(SAMLEncoding.xmlEscape($0.name))\" value=\"\(SAMLEncoding.xmlEscape($0.value))\"/>"
        }.joined()
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Signing in…</title></head>
            <body>
            <form method="post" action="\(SAMLEncoding.xmlEscape(action))">\(inputs)<noscript><p>JavaScript is off: press Continue.</p><button type="submit">Continue</button></noscript></form>
            <script\(nonce)>document.forms[0].submit();</script>
            </body></html>
            """
    }
}
