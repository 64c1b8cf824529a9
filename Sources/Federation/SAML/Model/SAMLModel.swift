import Foundation

extension SAML {
    /// The parts of a `samlp:Response` (SAML Core §3.3.3, §3.2.2) Gatehouse checks.
    public struct Response: Sendable, Hashable, Codable {
        /// `ID`.
        public var id: String
        /// `IssueInstant`.
        public var issueInstant: Date
        /// `Destination`: where the IdP meant to send it.
        public var destination: String?
        /// `InResponseTo`: the AuthnRequest it answers; nil when unsolicited.
        public var inResponseTo: String?
        /// `Issuer` (optional on a Response).
        public var issuer: Issuer?
        /// `Status`.
        public var status: SAMLStatus
    }

    /// An `Issuer` (SAML Core §2.2.5): an entityID, with a Format that must be `entity` when present.
    public struct Issuer: Sendable, Hashable, Codable {
        /// The entityID.
        public var value: String
        /// `Format`, if given.
        public var format: String?
    }

    /// The parts of a `saml:Assertion` (SAML Core §2.3.3) Gatehouse checks and uses.
    public struct Assertion: Sendable, Hashable, Codable {
        /// `ID`: what the replay cache remembers.
        public var id: String
        /// `IssueInstant`.
        public var issueInstant: Date
        /// `Issuer`.
        public var issuer: Issuer
        /// `Subject/NameID`, nil when the subject is missing or only an `EncryptedID`/`BaseID`.
        public var nameID: NameID?
        /// Whether the Subject held an `EncryptedID` (not supported).
        public var hasEncryptedID: Bool
        /// `Subject/SubjectConfirmation` elements.
        public var subjectConfirmations: [SubjectConfirmation]
        /// `Conditions`, if present.
        public var conditions: Conditions?
        /// `AuthnStatement` elements.
        public var authnStatements: [AuthnStatement]
        /// The attributes of every `AttributeStatement`, in document order.
        public var attributes: [Attribute]
    }

    /// `NameID` (SAML Core §2.2.3): the subject's identifier at the IdP.
    public struct NameID: Sendable, Hashable, Codable {
        /// The identifier, read with all its text (a comment inside cannot cut it short).
        public var value: String
        /// `Format`, if given.
        public var format: String?
        /// `NameQualifier`, if given.
        public var nameQualifier: String?
        /// `SPNameQualifier`, if given.
        public var spNameQualifier: String?

        /// Creates a NameID.
        public init(value: String, format: String? = nil, nameQualifier: String? = nil, spNameQualifier: String? = nil) {
            self.value = value
            self.format = format
            self.nameQualifier = nameQualifier
            self.spNameQualifier = spNameQualifier
        }
    }

    /// `SubjectConfirmation` (SAML Core §2.4.1.1).
    public struct SubjectConfirmation: Sendable, Hashable, Codable {
        /// `Method` (bearer for Web Browser SSO).
        public var method: String
        /// `SubjectConfirmationData`, if present.
        public var data: SubjectConfirmationData?
    }

    /// `SubjectConfirmationData` (SAML Core §2.4.1.2).
    public struct SubjectConfirmationData: Sendable, Hashable, Codable {
        /// `NotBefore`: forbidden for bearer confirmations (SAML Profiles §4.1.4.2).
        public var notBefore: Date?
        /// `NotOnOrAfter`: the end of the delivery window.
        public var notOnOrAfter: Date?
        /// `Recipient`: must be our ACS URL.
        public var recipient: String?
        /// `InResponseTo`: must be our AuthnRequest ID when present.
        public var inResponseTo: String?
        /// `Address`: the client address the IdP saw (not enforced: proxies and IPv6 make it unreliable).
        public var address: String?
    }

    /// `Conditions` (SAML Core §2.5.1).
    public struct Conditions: Sendable, Hashable, Codable {
        /// `NotBefore`.
        public var notBefore: Date?
        /// `NotOnOrAfter`.
        public var notOnOrAfter: Date?
        /// One entry per `AudienceRestriction`, each listing its `Audience` values.
        public var audienceRestrictions: [[String]]
        /// Whether `OneTimeUse` is present (always enforced anyway, by the replay cache).
        public var oneTimeUse: Bool
        /// Conditions Gatehouse does not understand (a generic `Condition`, say): their presence makes
        /// the assertion invalid (SAML Core §2.5.1.1: "Indeterminate").
        public var unknownConditions: [String]
    }

    /// `AuthnStatement` (SAML Core §2.7.2).
    public struct AuthnStatement: Sendable, Hashable, Codable {
        /// `AuthnInstant`.
        public var authnInstant: Date
        /// `SessionIndex`, for single logout.
        public var sessionIndex: String?
        /// `SessionNotOnOrAfter`.
        public var sessionNotOnOrAfter: Date?
        /// `AuthnContext/AuthnContextClassRef`.
        public var authnContextClassRef: String?
    }

    /// `Attribute` (SAML Core §2.7.3.1).
    public struct Attribute: Sendable, Hashable, Codable {
        /// `Name`.
        public var name: String
        /// `NameFormat`, if given.
        public var nameFormat: String?
        /// `FriendlyName`, if given.
        public var friendlyName: String?
        /// The `AttributeValue` texts (values with `xsi:nil="true"` are left out).
        public var values: [String]
    }
}

// MARK: - Reading from XML (only ever from the element that was verified)

extension SAML.Response {
    /// Reads the Response header fields and status from the root element.
    init(element: XMLSecElement) throws(FederationError) {
        let samlp = SAML.Namespace.protocol
        guard element.is("Response", in: samlp) else {
            throw FederationError(.malformedMessage, "the root element is <\(element.name)> in \(element.namespaceURI ?? "no namespace"), not a SAML 2.0 <samlp:Response>")
        }
        guard element.attribute("Version") == "2.0" else {
            throw FederationError(.malformedMessage, "<Response> Version is '\(element.attribute("Version") ?? "")', not '2.0'")
        }
        id = try SAMLRead.requiredAttribute("ID", of: element)
        issueInstant = try SAMLRead.requiredTime("IssueInstant", of: element)
        destination = element.attribute("Destination")
        inResponseTo = element.attribute("InResponseTo")
        issuer = try SAMLRead.issuer(of: element, required: false)
        let statuses = element.children("Status", in: samlp)
        guard statuses.count == 1, let code = statuses[0].child("StatusCode", in: samlp), let value = code.attribute("Value") else {
            throw FederationError(.malformedMessage, "<Response> must have exactly one <Status> with a <StatusCode Value=…>")
        }
        status = SAMLStatus(
            code: value, subcode: code.child("StatusCode", in: samlp)?.attribute("Value"),
            message: statuses[0].child("StatusMessage", in: samlp)?.trimmedText
        )
    }
}

extension SAML.Assertion {
    /// Reads an Assertion from its (verified) element.
    init(element: XMLSecElement) throws(FederationError) {
        let saml = SAML.Namespace.assertion
        guard element.is("Assertion", in: saml) else {
            throw FederationError(.malformedMessage, "expected <saml:Assertion>, found <\(element.name)>")
        }
        guard element.attribute("Version") == "2.0" else {
            throw FederationError(.malformedMessage, "<Assertion> Version is '\(element.attribute("Version") ?? "")', not '2.0'")
        }
        id = try SAMLRead.requiredAttribute("ID", of: element)
        issueInstant = try SAMLRead.requiredTime("IssueInstant", of: element)
        guard let issuer = try SAMLRead.issuer(of: element, required: true) else {
            throw FederationError(.malformedMessage, "<Assertion> has no <Issuer>")
        }
        self.issuer = issuer

        let subjects = element.children("Subject", in: saml)
        guard subjects.count <= 1 else { throw FederationError(.malformedMessage, "<Assertion> has \(subjects.count) <Subject> elements") }
        let subject = subjects.first
        let nameIDs = subject?.children("NameID", in: saml) ?? []
        guard nameIDs.count <= 1 else { throw FederationError(.malformedMessage, "<Subject> has \(nameIDs.count) <NameID> elements") }
        nameID = nameIDs.first.map {
            SAML.NameID(
                value: $0.trimmedText, format: $0.attribute("Format"), nameQualifier: $0.attribute("NameQualifier"),
                spNameQualifier: $0.attribute("SPNameQualifier")
            )
        }
        hasEncryptedID = subject?.child("EncryptedID", in: saml) != nil
        var confirmations: [SAML.SubjectConfirmation] = []
        for confirmation in subject?.children("SubjectConfirmation", in: saml) ?? [] {
            let data = confirmation.children("SubjectConfirmationData", in: saml)
            guard data.count <= 1 else { throw FederationError(.malformedMessage, "a <SubjectConfirmation> has \(data.count) <SubjectConfirmationData>") }
            confirmations.append(
                SAML.SubjectConfirmation(
                    method: try SAMLRead.requiredAttribute("Method", of: confirmation),
                    data: try data.first.map { (data) throws(FederationError) in
                        SAML.SubjectConfirmationData(
                            notBefore: try SAMLRead.optionalTime("NotBefore", of: data),
                            notOnOrAfter: try SAMLRead.optionalTime("NotOnOrAfter", of: data),
                            recipient: data.attribute("Recipient"), inResponseTo: data.attribute("InResponseTo"),
                            address: data.attribute("Address")
                        )
                    }
                )
            )
        }
        subjectConfirmations = confirmations

        let allConditions = element.children("Conditions", in: saml)
        guard allConditions.count <= 1 else { throw FederationError(.malformedMessage, "<Assertion> has \(allConditions.count) <Conditions>") }
        conditions = try allConditions.first.map { (conditions) throws(FederationError) in
            var audiences: [[String]] = []
            var oneTimeUse = false
            var unknown: [String] = []
            for condition in conditions.children {
                if condition.is("AudienceRestriction", in: saml) {
                    audiences.append(condition.children("Audience", in: saml).map(\.trimmedText))
                } else if condition.is("OneTimeUse", in: saml) {
                    oneTimeUse = true
                } else if !condition.is("ProxyRestriction", in: saml) {
                    unknown.append(condition.name)
                }
            }
            return SAML.Conditions(
                notBefore: try SAMLRead.optionalTime("NotBefore", of: conditions),
                notOnOrAfter: try SAMLRead.optionalTime("NotOnOrAfter", of: conditions),
                audienceRestrictions: audiences, oneTimeUse: oneTimeUse, unknownConditions: unknown
            )
        }

        var statements: [SAML.AuthnStatement] = []
        for statement in element.children("AuthnStatement", in: saml) {
            statements.append(
                SAML.AuthnStatement(
                    authnInstant: try SAMLRead.requiredTime("AuthnInstant", of: statement),
                    sessionIndex: statement.attribute("SessionIndex"),
                    sessionNotOnOrAfter: try SAMLRead.optionalTime("SessionNotOnOrAfter", of: statement),
                    authnContextClassRef: statement.child("AuthnContext", in: saml)?.child("AuthnContextClassRef", in: saml)?.trimmedText
                )
            )
        }
        authnStatements = statements

        var attributes: [SAML.Attribute] = []
        for statement in element.children("AttributeStatement", in: saml) {
            for attribute in statement.children("Attribute", in: saml) {
                let values = attribute.children("AttributeValue", in: saml).filter { value in
                    !["true", "1"].contains(value.attribute("nil", in: SAML.Namespace.xsi))
                }
                attributes.append(
                    SAML.Attribute(
                        name: try SAMLRead.requiredAttribute("Name", of: attribute), nameFormat: attribute.attribute("NameFormat"),
                        friendlyName: attribute.attribute("FriendlyName"), values: values.map(\.trimmedText)
                    )
                )
            }
        }
        self.attributes = attributes
    }
}

/// Small readers shared by the model initialisers, each failing with the element's path.
enum SAMLRead {
    static func requiredAttribute(_ name: String, of element: XMLSecElement) throws(FederationError) -> String {
        guard let value = element.attribute(name), !value.isEmpty else {
            throw FederationError(.malformedMessage, "\(element.path) has no \(name)")
        }
        return value
    }

    static func requiredTime(_ name: String, of element: XMLSecElement) throws(FederationError) -> Date {
        guard let time = try optionalTime(name, of: element) else {
            throw FederationError(.malformedMessage, "\(element.path) has no \(name)")
        }
        return time
    }

    static func optionalTime(_ name: String, of element: XMLSecElement) throws(FederationError) -> Date? {
        guard let text = element.attribute(name) else { return nil }
        guard let date = SAMLDateTime.parse(text) else {
            throw FederationError(.malformedMessage, "\(element.path)/@\(name) '\(text)' is not a UTC xs:dateTime")
        }
        return date
    }

    /// The `saml:Issuer` child, if any; more than one is refused.
    static func issuer(of element: XMLSecElement, required: Bool) throws(FederationError) -> SAML.Issuer? {
        let issuers = element.children("Issuer", in: SAML.Namespace.assertion)
        guard issuers.count <= 1 else { throw FederationError(.malformedMessage, "\(element.path) has \(issuers.count) <Issuer> elements") }
        guard let issuer = issuers.first else {
            if required { throw FederationError(.malformedMessage, "\(element.path) has no <Issuer>") }
            return nil
        }
        return SAML.Issuer(value: issuer.trimmedText, format: issuer.attribute("Format"))
    }
}
