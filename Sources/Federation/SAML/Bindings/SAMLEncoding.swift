import Foundation

/// Text escaping shared by the bindings and the message builders.
enum SAMLEncoding {
    /// `text` escaped for XML character data and attribute values (`&`, `<`, `>`, `"`, `'`).
    static func xmlEscape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `text` percent-encoded for a query string: every byte but RFC 3986 unreserved characters.
    ///
    /// The HTTP-Redirect signature covers the query exactly as sent (SAML Bindings §3.4.4.1), so the
    /// encoding must be deterministic: this one encodes `+`, `/` and `=` of base64 too.
    static func urlEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(Character(UnicodeScalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (byte < 16 ? "0" + hex : hex)
            }
        }
        return encoded
    }

    /// A message ID: `_` followed by 40 hex digits from 20 random bytes (an `xs:ID` must not start
    /// with a digit; 160 bits cannot be guessed).
    static func messageID(randomBytes: (Int) -> [UInt8]) -> String {
        "_" + randomBytes(20).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
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
