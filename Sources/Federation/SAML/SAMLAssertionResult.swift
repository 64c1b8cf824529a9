import FlowEngine
import Foundation

/// What a verified SAML Response says about the user: the output of ``SAMLResponseValidator``.
///
/// Every field comes from the element whose signature was verified (or from the Response that
/// enveloped it); nothing is read from anywhere else in the document.
public struct SAMLAssertionResult: Sendable, Hashable, Codable {
    /// The subject (`NameID` value and format).
    public var subject: SAML.NameID
    /// The `SessionIndex` of the first AuthnStatement, for single logout.
    public var sessionIndex: String?
    /// Every attribute by `Name`, values in document order (repeated Attributes merged).
    public var attributes: [String: [String]]
    /// The mapped attributes: claim name → values (``SAMLServiceProvider/attributeMapping``).
    public var claims: [String: [String]]
    /// The `AuthnContextClassRef` of the first AuthnStatement.
    public var authnContextClassRef: String?
    /// The level it maps to (``SAMLServiceProvider/levelMapping``), if mapped.
    public var level: LevelName?
    /// The email address: the `email` claim, else the NameID when its format is emailAddress.
    public var email: String?
    /// The IdP entityID (the Assertion's Issuer).
    public var issuer: String
    /// The Assertion `ID` (claimed in the replay cache).
    public var assertionID: String
    /// The Response `ID`.
    public var responseID: String
    /// The AuthnRequest it answers; nil for an accepted unsolicited Response.
    public var inResponseTo: String?
    /// The end of the assertion's validity: the earliest of Conditions/@NotOnOrAfter and the bearer
    /// confirmation's NotOnOrAfter.
    public var notOnOrAfter: Date
    /// When the IdP authenticated the user.
    public var authnInstant: Date?
    /// Whether the Response was signed (and verified).
    public var responseSigned: Bool
    /// Whether the Assertion was signed (and verified).
    public var assertionSigned: Bool
    /// Whether the Assertion arrived encrypted.
    public var wasEncrypted: Bool

    /// The identity handed to the flow runner (which adds amr `fed` itself).
    ///
    /// Multi-valued claims are joined with `,` because the flow's claims are single strings.
    public func upstreamIdentity(connection: ConnectionID) -> UpstreamIdentity {
        UpstreamIdentity(
            connection: connection, subject: subject.value, email: email,
            claims: claims.mapValues { $0.joined(separator: ",") }, amr: [], level: level
        )
    }
}
