import Directory
import Federation
import FlowEngine
import Foundation

/// Where a SAML connection's IdP description comes from: fixed in the connection's settings, or the
/// IdP's metadata URL, fetched, verified and refreshed on a schedule (``MetadataRefresher``).
///
/// Settings keys for metadata (beside those of ``SAMLServiceProvider/Settings``, which the metadata
/// fills in: `sso_url`, `sso_binding`, `signing_certificates`):
///
/// | key | meaning |
/// |---|---|
/// | `metadata_url` | The IdP's metadata (`https`). |
/// | `idp_entity_id` | Required with `metadata_url`: which entity to take, pinned. |
/// | `metadata_signing_certificates` | PEM certificates of the metadata signer; when given, unsigned or wrongly signed metadata is refused. |
/// | `metadata_refresh_seconds` | Longest time between two fetches (default 6 hours; `cacheDuration` and `validUntil` shorten it). |
enum SAMLConnectionSource: Sendable {
    /// Settings given in full.
    case fixed(SAMLServiceProvider, SAMLResponseValidator)
    /// Settings completed by the IdP's metadata.
    case metadata(MetadataBackedSAMLConnection)

    /// The connection as it is now.
    /// - Throws: ``FederationError`` when the metadata cannot be fetched and none is known, has expired,
    ///   or describes an unusable IdP.
    func current() async throws -> (SAMLServiceProvider, SAMLResponseValidator) {
        switch self {
        case .fixed(let serviceProvider, let validator): (serviceProvider, validator)
        case .metadata(let connection): try await connection.current()
        }
    }
}

/// A SAML connection whose IdP comes from its metadata URL. The validator (IdP certificates parsed
/// once) is rebuilt only when the fetched metadata changes, so a certificate rollover published in the
/// metadata is picked up at the next refresh.
actor MetadataBackedSAMLConnection {
    /// The fetcher.
    let refresher: MetadataRefresher
    private let connection: Connection
    private let build: @Sendable (Connection) throws -> (SAMLServiceProvider, SAMLResponseValidator)
    private var built: (metadata: SAMLIdPMetadata, serviceProvider: SAMLServiceProvider, validator: SAMLResponseValidator)?

    /// Reads the metadata keys of `connection.settings`.
    /// - Throws: ``FederationError`` `configuration` for a missing `idp_entity_id`, a bad URL or certificate.
    init(
        connection: Connection, url: String, http: any UpstreamHTTP, now: @escaping @Sendable () -> Date,
        build: @escaping @Sendable (Connection) throws -> (SAMLServiceProvider, SAMLResponseValidator)
    ) throws {
        guard case .object(let settings)? = connection.settings, case .string(let entityID)? = settings["idp_entity_id"] else {
            throw FederationError(.configuration, "connection '\(connection.id)': metadata_url needs idp_entity_id (the entity to take)")
        }
        guard let metadataURL = URL(string: url), metadataURL.host != nil else {
            throw FederationError(.configuration, "connection '\(connection.id)': metadata_url '\(url)' is not a URL")
        }
        var signers: [String] = []
        if case .array(let certificates)? = settings["metadata_signing_certificates"] {
            signers = certificates.compactMap { if case .string(let pem) = $0 { pem } else { nil } }
        }
        var configuration = MetadataRefresher.Configuration(
            url: metadataURL, policy: try SAMLMetadataPolicy(entityID: entityID, signingCertificates: signers))
        if case .number(let seconds)? = settings["metadata_refresh_seconds"] { configuration.refreshInterval = seconds }
        refresher = MetadataRefresher(configuration: configuration, http: http, now: now)
        self.connection = connection
        self.build = build
    }

    /// The connection with the current metadata (fetched when due).
    func current() async throws -> (SAMLServiceProvider, SAMLResponseValidator) {
        let metadata = try await refresher.current()
        if let built, built.metadata == metadata { return (built.serviceProvider, built.validator) }
        guard case .object(var settings)? = connection.settings else {
            throw FederationError(.configuration, "connection '\(connection.id)' has no settings")
        }
        let fromMetadata = try metadata.settings()
        settings["sso_url"] = .string(fromMetadata.ssoURL)
        settings["sso_binding"] = fromMetadata.ssoBinding.map(PlainJSON.string)
        settings["signing_certificates"] = .array(fromMetadata.signingCertificates.map(PlainJSON.string))
        if settings["name_id_format"] == nil, let format = fromMetadata.nameIDFormat { settings["name_id_format"] = .string(format) }
        var completed = connection
        completed.settings = .object(settings)
        let (serviceProvider, validator) = try build(completed)
        built = (metadata, serviceProvider, validator)
        return (serviceProvider, validator)
    }
}
