import FlowEngine
import Foundation

/// A `samlp:AuthnRequest` (SAML Core §3.4.1): what Gatehouse sends the customer IdP to start a login,
/// and how it travels (HTTP-Redirect or HTTP-POST binding).
///
/// The login transaction keeps ``id``: the Response must answer it (`InResponseTo`).
///
/// ```swift
/// let request = AuthnRequest(serviceProvider: sp, requiredLevel: upstream.requiredLevel, now: now, randomBytes: random.bytes)
/// transaction.samlRequestID = request.id
/// let location = try request.redirectURL(relayState: transaction.id, signingKey: spKey)   // 302 Location
/// ```
public struct AuthnRequest: Sendable, Hashable {
    /// `ID`: `_` + 40 random hex digits.
    public var id: String
    /// `IssueInstant`.
    public var issueInstant: Date
    /// `Destination`: the IdP's SingleSignOnService URL.
    public var destination: String
    /// `Issuer`: our SP entityID.
    public var issuer: String
    /// `AssertionConsumerServiceURL`: where the Response must be posted.
    public var assertionConsumerServiceURL: String
    /// `ProtocolBinding` for the Response: HTTP-POST.
    public var protocolBinding: SAMLBinding
    /// `NameIDPolicy/@Format`, if one is asked for.
    public var nameIDFormat: String?
    /// `ForceAuthn`: make the IdP authenticate again even with a session.
    public var forceAuthn: Bool
    /// `IsPassive`: the IdP must not interact with the user.
    public var isPassive: Bool
    /// `RequestedAuthnContext` class references (Comparison `exact`), empty for none.
    public var requestedAuthnContextClassRefs: [String]
    /// How the request travels to the IdP.
    public var binding: SAMLBinding

    /// Creates a request from its fields.
    public init(
        id: String, issueInstant: Date, destination: String, issuer: String, assertionConsumerServiceURL: String,
        protocolBinding: SAMLBinding = .httpPOST, nameIDFormat: String? = nil, forceAuthn: Bool = false, isPassive: Bool = false,
        requestedAuthnContextClassRefs: [String] = [], binding: SAMLBinding = .httpRedirect
    ) {
        self.id = id
        self.issueInstant = issueInstant
        self.destination = destination
        self.issuer = issuer
        self.assertionConsumerServiceURL = assertionConsumerServiceURL
        self.protocolBinding = protocolBinding
        self.nameIDFormat = nameIDFormat
        self.forceAuthn = forceAuthn
        self.isPassive = isPassive
        self.requestedAuthnContextClassRefs = requestedAuthnContextClassRefs
        self.binding = binding
    }

    /// Creates the request a connection sends, with a fresh ID.
    /// - Parameters:
    ///   - serviceProvider: The connection.
    ///   - requiredLevel: When set, the AuthnContextClassRefs mapped to this level are requested
    ///     (``SAMLServiceProvider/authnContextClassRefs(for:)``); the Response is still checked by level.
    ///   - forceAuthn: Ask the IdP to authenticate the user again (step-up).
    ///   - now: IssueInstant.
    ///   - randomBytes: The random source for the ID (the server's secure generator; a seeded one in tests).
    public init(
        serviceProvider: SAMLServiceProvider, requiredLevel: LevelName? = nil, forceAuthn: Bool = false, now: Date,
        randomBytes: (Int) -> [UInt8]
    ) {
        self.init(
            id: SAMLEncoding.messageID(randomBytes: randomBytes), issueInstant: now,
            destination: serviceProvider.identityProvider.singleSignOnURL, issuer: serviceProvider.entityID,
            assertionConsumerServiceURL: serviceProvider.assertionConsumerServiceURL, nameIDFormat: serviceProvider.nameIDFormat,
            forceAuthn: forceAuthn,
            requestedAuthnContextClassRefs: requiredLevel.map(serviceProvider.authnContextClassRefs(for:)) ?? [],
            binding: serviceProvider.identityProvider.singleSignOnBinding
        )
    }

    /// The request as XML (without signature).
    public var xml: String {
        let e = SAMLEncoding.xmlEscape
        var attributes = "ID=\"\(e(id))\" Version=\"2.0\" IssueInstant=\"\(SAMLDateTime.format(issueInstant))\""
        attributes += " Destination=\"\(e(destination))\" AssertionConsumerServiceURL=\"\(e(assertionConsumerServiceURL))\""
        attributes += " ProtocolBinding=\"\(protocolBinding.uri)\""
        if forceAuthn { attributes += " ForceAuthn=\"true\"" }
        if isPassive { attributes += " IsPassive=\"true\"" }
        var body = "<saml:Issuer>\(e(issuer))</saml:Issuer>"
        body += "<samlp:NameIDPolicy" + (nameIDFormat.map { " Format=\"\(e($0))\"" } ?? "") + " AllowCreate=\"true\"/>"
        if !requestedAuthnContextClassRefs.isEmpty {
            body += "<samlp:RequestedAuthnContext Comparison=\"exact\">"
            body += requestedAuthnContextClassRefs.map { "<saml:AuthnContextClassRef>\(e($0))</saml:AuthnContextClassRef>" }.joined()
            body += "</samlp:RequestedAuthnContext>"
        }
        return "<samlp:AuthnRequest xmlns:samlp=\"\(SAML.Namespace.protocol)\" xmlns:saml=\"\(SAML.Namespace.assertion)\" \(attributes)>\(body)</samlp:AuthnRequest>"
    }

    /// The HTTP-Redirect binding URL (SAML Bindings §3.4.4): the request DEFLATE-compressed, base64,
    /// URL-encoded as `SAMLRequest`, then `RelayState`, and when `signingKey` is given `SigAlg` and
    /// `Signature` computed over exactly that query string (§3.4.4.1).
    /// - Parameters:
    ///   - relayState: Opaque state the IdP returns unchanged (≤ 80 bytes, SAML Bindings §3.4.3).
    ///   - signingKey: Our key, to sign the request; nil for an unsigned request.
    ///   - algorithm: The signature method (RSA-SHA256 by default).
    /// - Throws: ``FederationError`` `configuration` when RelayState is too long or signing fails.
    public func redirectURL(
        relayState: String?, signingKey: SAMLSigningKey?, algorithm: XMLSignatureAlgorithm = .rsaSHA256
    ) throws(FederationError) -> String {
        let encoded = Data(RawDeflate.compress(Array(xml.utf8))).base64EncodedString()
        var query = "SAMLRequest=" + SAMLEncoding.urlEncode(encoded)
        if let relayState {
            guard relayState.utf8.count <= 80 else {
                throw FederationError(.configuration, "RelayState is \(relayState.utf8.count) bytes; SAML allows 80")
            }
            query += "&RelayState=" + SAMLEncoding.urlEncode(relayState)
        }
        if let signingKey {
            query += "&SigAlg=" + SAMLEncoding.urlEncode(algorithm.uri)
            let signature = try signingKey.sign(Array(query.utf8), algorithm: algorithm)
            query += "&Signature=" + SAMLEncoding.urlEncode(Data(signature).base64EncodedString())
        }
        return destination + (destination.utf8.contains(UInt8(ascii: "?")) ? "&" : "?") + query
    }

    /// The HTTP-POST binding form (SAML Bindings §3.5.4): the request, signed with an enveloped
    /// XML signature after `Issuer` when `signingKey` is given, base64 in `SAMLRequest`.
    /// - Throws: ``FederationError`` when signing fails.
    public func postForm(
        relayState: String?, signingKey: SAMLSigningKey?, algorithm: XMLSignatureAlgorithm = .rsaSHA256
    ) throws(FederationError) -> SAMLPostForm {
        var message = Array(xml.utf8)
        if let signingKey {
            let document = try XMLSecDocument(parsing: message)
            let issuer = document.root.child("Issuer", in: SAML.Namespace.assertion)
            try EnvelopedSignature.sign(document.root, idAttribute: "ID", key: signingKey.xmlSecKey, algorithm: algorithm, after: issuer)
            message = document.serialized()
        }
        var fields = [SAMLPostForm.Field(name: "SAMLRequest", value: Data(message).base64EncodedString())]
        if let relayState { fields.append(SAMLPostForm.Field(name: "RelayState", value: relayState)) }
        return SAMLPostForm(action: destination, fields: fields)
    }

    /// The binding the connection uses, as a redirect URL or a form.
    public enum Delivery: Sendable, Hashable {
        /// Send the browser here with a 302 (HTTP-Redirect binding).
        case redirect(String)
        /// Serve this auto-submitting form (HTTP-POST binding).
        case post(SAMLPostForm)
    }

    /// The request delivered with ``binding``.
    /// - Throws: ``FederationError`` as ``redirectURL(relayState:signingKey:algorithm:)`` and ``postForm(relayState:signingKey:algorithm:)``.
    public func delivery(
        relayState: String?, signingKey: SAMLSigningKey?, algorithm: XMLSignatureAlgorithm = .rsaSHA256
    ) throws(FederationError) -> Delivery {
        switch binding {
        case .httpRedirect: .redirect(try redirectURL(relayState: relayState, signingKey: signingKey, algorithm: algorithm))
        case .httpPOST: .post(try postForm(relayState: relayState, signingKey: signingKey, algorithm: algorithm))
        }
    }
}

extension AuthnRequest {
    /// Reads an AuthnRequest as an IdP receives it: the `SAMLRequest` value of an HTTP-Redirect URL
    /// (DEFLATE + base64) or of an HTTP-POST form (base64). For the test IdP and `saml inspect`; the
    /// request's own signature is not verified.
    /// - Parameters:
    ///   - samlRequest: The `SAMLRequest` parameter, already URL-decoded.
    ///   - binding: How it arrived.
    ///   - maximumSize: The largest accepted request.
    /// - Throws: ``FederationError`` `malformedMessage` or `messageTooLarge`.
    public init(received samlRequest: String, binding: SAMLBinding, maximumSize: Int = 64 * 1024) throws(FederationError) {
        guard let data = Data(base64Encoded: String(samlRequest.filter { !$0.isWhitespace })) else {
            throw FederationError(.malformedMessage, "SAMLRequest is not base64")
        }
        let bytes = binding == .httpRedirect ? try RawDeflate.decompress(Array(data), limit: maximumSize) : Array(data)
        let root = try XMLSecDocument(parsing: bytes, maximumSize: maximumSize).root
        guard root.is("AuthnRequest", in: SAML.Namespace.protocol), root.attribute("Version") == "2.0" else {
            throw FederationError(.malformedMessage, "SAMLRequest is not a SAML 2.0 AuthnRequest")
        }
        let saml = SAML.Namespace.assertion
        self.init(
            id: try SAMLRead.requiredAttribute("ID", of: root),
            issueInstant: try SAMLRead.requiredTime("IssueInstant", of: root),
            destination: root.attribute("Destination") ?? "",
            issuer: try SAMLRead.issuer(of: root, required: true)?.value ?? "",
            assertionConsumerServiceURL: root.attribute("AssertionConsumerServiceURL") ?? "",
            protocolBinding: root.attribute("ProtocolBinding").flatMap(SAMLBinding.init(rawValue:)) ?? .httpPOST,
            nameIDFormat: root.child("NameIDPolicy", in: SAML.Namespace.protocol)?.attribute("Format"),
            forceAuthn: root.attribute("ForceAuthn") == "true", isPassive: root.attribute("IsPassive") == "true",
            requestedAuthnContextClassRefs: root.child("RequestedAuthnContext", in: SAML.Namespace.protocol)?
                .children("AuthnContextClassRef", in: saml).map(\.trimmedText) ?? [],
            binding: binding
        )
    }
}
