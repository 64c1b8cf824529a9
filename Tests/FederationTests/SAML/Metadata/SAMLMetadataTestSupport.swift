import Foundation
import Testing

@testable import Federation

/// Metadata of the test IdP (``SAMLFixture``), the committed samples under
/// `Resources/saml/metadata/`, and small XML surgery helpers.
enum MetadataFixture {
    /// `Tests/FederationTests/Resources/saml/metadata/`, read from the source tree (so the snapshot test
    /// can rewrite a sample with `GATEHOUSE_UPDATE_SAMPLES=1`).
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources/saml/metadata")

    static func sample(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The test IdP's metadata model.
    static func idpMetadata(validUntil: Date? = nil, cacheDuration: TimeInterval? = nil) throws -> SAMLIdPMetadata {
        try SAMLFixture.idp().metadata(singleSignOnURL: SAMLFixture.ssoURL, validUntil: validUntil, cacheDuration: cacheDuration)
    }

    /// The test IdP's metadata, unsigned.
    static func unsigned(validUntil: Date? = nil, cacheDuration: TimeInterval? = nil) throws -> String {
        try idpMetadata(validUntil: validUntil, cacheDuration: cacheDuration).xml(documentID: "_metadata")
    }

    /// The test IdP's metadata signed by `key`/`certificate` (the IdP's own key by default).
    static func signed(
        key: String = SAMLTestKeys.idpKey, certificate: String = SAMLTestKeys.idpCertificate, algorithm: XMLSignatureAlgorithm = .rsaSHA256,
        validUntil: Date? = nil
    ) throws -> String {
        try idpMetadata(validUntil: validUntil).signedXML(
            with: SAMLSigningKey(privateKeyPEM: key, certificatePEM: certificate), documentID: "_metadata", algorithm: algorithm
        )
    }

    /// A policy, optionally requiring the metadata to be signed by `signers`.
    static func policy(entityID: String? = nil, signers: [String] = [], allowSHA1: Bool = false, maximumSize: Int = SAMLMetadataPolicy.defaultMaximumSize) throws -> SAMLMetadataPolicy {
        try SAMLMetadataPolicy(entityID: entityID, signingCertificates: signers, allowSHA1: allowSHA1, maximumSize: maximumSize)
    }

    /// Reads `xml` as IdP metadata at ``SAMLFixture/now``.
    static func read(_ xml: String, policy: SAMLMetadataPolicy? = nil, now: Date = SAMLFixture.now) throws(FederationError) -> SAMLIdPMetadata {
        let policy = policy ?? (try? SAMLMetadataPolicy())!
        return try SAMLIdPMetadata(parsing: Array(xml.utf8), policy: policy, now: now)
    }

    /// The base64 body of a PEM certificate, as metadata carries it.
    static func base64(_ pem: String) -> String {
        pem.components(separatedBy: "\n").filter { !$0.hasPrefix("-----") }.joined()
    }

    /// DER of every certificate in `pems`, to compare certificates whatever their PEM line breaks.
    static func der(_ pems: [String]) -> [[UInt8]] {
        pems.flatMap { (try? PEM.decode($0, label: "CERTIFICATE")) ?? [] }
    }

    /// A minimal IDPSSODescriptor entity, written by hand, for shapes the writer never produces.
    static func entity(
        _ entityID: String = SAMLFixture.idpEntityID, id: String? = nil, attributes: String = "", roleAttributes: String = "",
        keyDescriptors: String? = nil, services: String? = nil, protocols: String = SAML.protocolSupport
    ) -> String {
        let keys = keyDescriptors ?? """
            <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(base64(SAMLTestKeys.idpCertificate))</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
            """
        let sso = services ?? "<md:SingleSignOnService Binding=\"\(SAMLBinding.httpRedirect.uri)\" Location=\"\(SAMLFixture.ssoURL)\"/>"
        return """
            <md:EntityDescriptor xmlns:md="\(SAML.Namespace.metadata)" xmlns:ds="\(SAML.Namespace.xmlDSig)"\(id.map { " ID=\"\($0)\"" } ?? "") entityID="\(entityID)"\(attributes)>\
            <md:IDPSSODescriptor protocolSupportEnumeration="\(protocols)"\(roleAttributes)>\(keys)\(sso)</md:IDPSSODescriptor></md:EntityDescriptor>
            """
    }

    /// An `EntitiesDescriptor` around `entities`.
    static func group(_ entities: [String], attributes: String = "") -> String {
        "<md:EntitiesDescriptor xmlns:md=\"\(SAML.Namespace.metadata)\" Name=\"urn:test:federation\"\(attributes)>\(entities.joined())</md:EntitiesDescriptor>"
    }
}

/// An IdP metadata endpoint at the network edge: answers `GET`s from a script of responses, counts
/// requests, and can hold a request until released (to test that concurrent callers share one fetch).
actor MetadataEndpoint: UpstreamHTTP {
    enum Answer: Sendable {
        case body(String)
        case status(Int)
        case failure
    }

    private var answers: [Answer]
    private(set) var requests: [UpstreamHTTPRequest] = []
    private var gate: CheckedContinuation<Void, Never>?
    private var held = false

    init(_ answers: [Answer]) {
        self.answers = answers
    }

    /// Replaces the answers still to come.
    func script(_ answers: [Answer]) { self.answers = answers }

    /// Makes the next request wait until ``release()``.
    func hold() { held = true }

    func release() {
        held = false
        gate?.resume()
        gate = nil
    }

    var requestCount: Int { requests.count }

    func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        requests.append(request)
        if held { await withCheckedContinuation { gate = $0 } }
        let answer = answers.isEmpty ? .status(404) : answers.removeFirst()
        switch answer {
        case .body(let xml): return UpstreamHTTPResponse(status: 200, headers: ["content-type": "application/samlmetadata+xml"], body: Array(xml.utf8))
        case .status(let status): return UpstreamHTTPResponse(status: status)
        case .failure: throw FederationError(.upstreamHTTP, "connection refused")
        }
    }
}

/// A clock tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = SAMLFixture.now) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}
