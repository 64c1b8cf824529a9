/// SAML 2.0 names: namespaces, bindings, NameID formats, status codes and the protocol values
/// Gatehouse reads from a Response (``SAML/Response``, ``SAML/Assertion`` and their parts).
///
/// The nested types are named as in SAML Core so a reader who knows the specification recognises them.
public enum SAML {
    /// XML namespaces (SAML Core §1.2).
    public enum Namespace {
        /// `urn:oasis:names:tc:SAML:2.0:assertion` (prefix `saml`).
        public static let assertion = "urn:oasis:names:tc:SAML:2.0:assertion"
        /// `urn:oasis:names:tc:SAML:2.0:protocol` (prefix `samlp`).
        public static let `protocol` = "urn:oasis:names:tc:SAML:2.0:protocol"
        /// XML Schema instance, for `xsi:type` and `xsi:nil` on attribute values.
        public static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
        /// The `xml:` namespace (`xml:id`).
        public static let xml = "http://www.w3.org/XML/1998/namespace"
    }

    /// NameID formats (SAML Core §8.3).
    public enum NameIDFormat {
        /// `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`.
        public static let unspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
        /// `urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress`: the value is an email address.
        public static let emailAddress = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        /// `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent`: an opaque, stable pseudonym.
        public static let persistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
        /// `urn:oasis:names:tc:SAML:2.0:nameid-format:transient`: changes every login.
        public static let transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
        /// `urn:oasis:names:tc:SAML:2.0:nameid-format:entity`: for Issuer.
        public static let entity = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
    }

    /// Top-level and second-level status codes (SAML Core §3.2.2.2).
    public enum StatusCode {
        /// The request succeeded.
        public static let success = "urn:oasis:names:tc:SAML:2.0:status:Success"
        /// The request could not be performed due to an error on the part of the requester.
        public static let requester = "urn:oasis:names:tc:SAML:2.0:status:Requester"
        /// The request could not be performed due to an error on the part of the responder.
        public static let responder = "urn:oasis:names:tc:SAML:2.0:status:Responder"
        /// The responder does not speak this SAML version.
        public static let versionMismatch = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch"
        /// The responding provider was unable to successfully authenticate the principal.
        public static let authnFailed = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
        /// The responding provider is unable or unwilling to authenticate the principal passively.
        public static let noPassive = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
        /// The specified authentication context requirements cannot be met.
        public static let noAuthnContext = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"
        /// The SAML responder or SAML authority does not wish to respond.
        public static let requestDenied = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
        /// The principal is not known to the responder.
        public static let unknownPrincipal = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"
        /// The requested NameID format cannot be supported.
        public static let invalidNameIDPolicy = "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy"
        /// The responder does not support the request.
        public static let requestUnsupported = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported"
    }

    /// `SubjectConfirmation/@Method` for bearer assertions (SAML Profiles §3.3).
    public static let bearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

    /// Common `AuthnContextClassRef` values (SAML Authn Context §3.4).
    public enum AuthnContextClass {
        /// Password over a protected transport (TLS).
        public static let passwordProtectedTransport = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        /// Password.
        public static let password = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
        /// Unspecified.
        public static let unspecified = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"
        /// Microsoft's "multiple authentication methods" (Entra ID / ADFS MFA).
        public static let microsoftMultipleAuthn = "http://schemas.microsoft.com/claims/multipleauthn"
    }
}

/// A SAML binding (SAML Bindings §3): how a message travels through the browser.
public enum SAMLBinding: String, Sendable, Hashable, Codable, CaseIterable {
    /// HTTP-Redirect (§3.4): DEFLATE + base64 in the query string.
    case httpRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    /// HTTP-POST (§3.5): base64 in an auto-submitted HTML form.
    case httpPOST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

    /// The binding URI.
    public var uri: String { rawValue }
}
