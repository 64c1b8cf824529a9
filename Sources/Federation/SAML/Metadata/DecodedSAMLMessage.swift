import Foundation

/// Any SAML protocol message as a person pastes it, decoded for `gatehouse saml inspect`: raw XML,
/// the base64 of an HTTP-POST form field, the DEFLATE + base64 of an HTTP-Redirect query parameter
/// (SAML Bindings §3.4.4.1, §3.5.4), a whole redirect URL, or a form body
/// (`SAMLResponse=…&RelayState=…`).
///
/// The XML goes through the same safe parser as everything else (no DOCTYPE, no network, size limit).
/// Nothing here is verified: the summary fields are what the message *claims*.
///
/// ```swift
/// let message = try DecodedSAMLMessage(decoding: "https://idp.test/sso?SAMLRequest=fZJB…&RelayState=tx1")
/// message.kind          // "AuthnRequest"
/// message.binding       // .httpRedirect
/// ```
public struct DecodedSAMLMessage: Sendable, Hashable {
    /// How the message was encoded.
    public enum Encoding: String, Sendable, Hashable, Codable {
        /// Raw XML.
        case xml
        /// base64 of the XML (the HTTP-POST binding).
        case base64
        /// base64 of raw DEFLATE of the XML (the HTTP-Redirect binding).
        case deflateBase64 = "deflate+base64"
    }

    /// One summary line: a field name and what the message says.
    public struct Field: Sendable, Hashable, Codable {
        /// The field (`ID`, `Issuer`, `Status`, …).
        public var name: String
        /// Its value.
        public var value: String
    }

    /// The query or form parameter the message came in (`SAMLRequest`, `SAMLResponse`), if any.
    public var parameter: String?
    /// The encoding found.
    public var encoding: Encoding
    /// The binding the encoding implies (nil for raw XML).
    public var binding: SAMLBinding?
    /// `RelayState`, when the message came with one.
    public var relayState: String?
    /// `SigAlg` of a signed HTTP-Redirect message.
    public var signatureAlgorithm: String?
    /// Whether the URL or form carried a `Signature` parameter (not verified here).
    public var hasQuerySignature: Bool
    /// The root element's local name (`Response`, `AuthnRequest`, `LogoutRequest`, …).
    public var kind: String
    /// The root element's namespace.
    public var namespaceURI: String?
    /// The decoded XML exactly as received (signatures are computed over these bytes).
    public var xml: String
    /// The XML indented for reading.
    public var prettyXML: String
    /// What the message says about itself (IDs, issuer, destination, status, signatures…), unverified.
    public var fields: [Field]
    /// The text to give ``SAMLResponseValidator`` for a Response: the XML when it was XML, the
    /// base64 value otherwise.
    public var validatorInput: String

    /// The largest decoded message accepted: 1 MiB.
    public static let defaultMaximumSize = 1 << 20

    /// Decodes `text`.
    /// - Throws: ``FederationError`` `malformedMessage` when it is none of the accepted forms or not
    ///   well-formed XML; `messageTooLarge` past `maximumSize`.
    public init(decoding text: String, maximumSize: Int = DecodedSAMLMessage.defaultMaximumSize) throws(FederationError) {
        let trimmed = text.trimmingXMLWhitespace()
        var value = trimmed
        parameter = nil
        relayState = nil
        signatureAlgorithm = nil
        hasQuerySignature = false
        if !trimmed.hasPrefix("<"), let found = Self.parameters(in: trimmed) {
            parameter = found.name
            value = found.value
            relayState = found.all["RelayState"]
            signatureAlgorithm = found.all["SigAlg"]
            hasQuerySignature = found.all["Signature"] != nil
        }

        let bytes: [UInt8]
        if value.hasPrefix("<") {
            encoding = .xml
            bytes = Array(value.utf8)
            validatorInput = value
        } else {
            // Base64 never holds spaces: a `+` turned into a space by form decoding is put back.
            var encoded = String(value.filter { !"\t\r\n".contains($0) }).replacingOccurrences(of: " ", with: "+")
            if encoded.contains("%"), let unescaped = encoded.removingPercentEncoding { encoded = unescaped }
            guard encoded.utf8.count <= (maximumSize / 3 + 1) * 4 + 4 else {
                throw FederationError(.messageTooLarge, "the encoded message is \(encoded.utf8.count) characters, more than \(maximumSize) bytes can encode to")
            }
            let padded = encoded + String(repeating: "=", count: (4 - encoded.utf8.count % 4) % 4)
            guard let data = Data(base64Encoded: padded), !data.isEmpty else {
                throw FederationError(
                    .malformedMessage, "the input is neither XML, base64, nor a URL or form with SAMLRequest or SAMLResponse"
                )
            }
            validatorInput = padded
            // XML starts with `<` after optional whitespace and a UTF-8 byte order mark; DEFLATE output does not.
            let leading: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0A, 0xEF, 0xBB, 0xBF]
            if data.first(where: { !leading.contains($0) }) == UInt8(ascii: "<") {
                encoding = .base64
                bytes = Array(data)
            } else {
                encoding = .deflateBase64
                bytes = try RawDeflate.decompress(Array(data), limit: maximumSize)
                validatorInput = String(decoding: bytes, as: UTF8.self)
            }
        }
        switch encoding {
        case .xml: binding = nil
        case .base64: binding = .httpPOST
        case .deflateBase64: binding = .httpRedirect
        }

        let document = try XMLSecDocument(parsing: bytes, maximumSize: maximumSize)
        let root = document.root
        kind = root.name
        namespaceURI = root.namespaceURI
        xml = String(decoding: bytes, as: UTF8.self)
        prettyXML = document.prettyPrinted()
        fields = Self.summary(of: root)
    }

    /// The SAML parameter of a URL query or form body, with every parameter.
    private static func parameters(in text: String) -> (name: String, value: String, all: [String: String])? {
        var query = Substring(text)
        if let mark = query.firstIndex(of: "?") { query = query[query.index(after: mark)...] }
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        let all = FormURLEncoding.decodeDictionary(String(query))
        for name in ["SAMLResponse", "SAMLRequest"] {
            if let value = all[name] { return (name, value, all) }
        }
        return nil
    }

    /// What the root says about itself, in a fixed order.
    private static func summary(of root: XMLSecElement) -> [Field] {
        let saml = SAML.Namespace.assertion
        let samlp = SAML.Namespace.protocol
        var fields: [Field] = []
        func add(_ name: String, _ value: String?) {
            if let value, !value.isEmpty { fields.append(Field(name: name, value: value)) }
        }
        for attribute in ["ID", "Version", "IssueInstant", "Destination", "InResponseTo", "AssertionConsumerServiceURL", "ProtocolBinding", "ForceAuthn", "IsPassive"] {
            add(attribute, root.attribute(attribute))
        }
        add("Issuer", root.child("Issuer", in: saml)?.trimmedText)
        if let status = root.child("Status", in: samlp), let code = status.child("StatusCode", in: samlp)?.attribute("Value") {
            let described = SAMLStatus(
                code: code, subcode: status.child("StatusCode", in: samlp)?.child("StatusCode", in: samlp)?.attribute("Value"),
                message: status.child("StatusMessage", in: samlp)?.trimmedText
            )
            add("Status", described.description)
        }
        add("NameIDPolicy", root.child("NameIDPolicy", in: samlp)?.attribute("Format"))
        let requested = root.child("RequestedAuthnContext", in: samlp)?.children("AuthnContextClassRef", in: saml).map(\.trimmedText) ?? []
        add("RequestedAuthnContext", requested.joined(separator: ", "))
        add("NameID", root.child("NameID", in: saml)?.trimmedText)
        add("SessionIndex", root.child("SessionIndex", in: samlp)?.trimmedText)
        let elements = [root] + root.descendants
        let assertions = elements.filter { $0.is("Assertion", in: saml) }
        let encrypted = elements.filter { $0.is("EncryptedAssertion", in: saml) }
        if !assertions.isEmpty || !encrypted.isEmpty {
            add("Assertions", "\(assertions.count) plain, \(encrypted.count) encrypted")
        }
        if let assertion = assertions.first {
            add("Assertion Subject", assertion.child("Subject", in: saml)?.child("NameID", in: saml)?.trimmedText)
        }
        let signatures = elements.filter { $0.is("Signature", in: SAML.Namespace.xmlDSig) }.compactMap { $0.parent?.path }
        add("Signed elements", signatures.isEmpty ? "none" : signatures.joined(separator: ", "))
        return fields
    }
}
