import Directory
import FlowEngine

/// Every application that can use the provider, by `client_id`, built once from the directory's apps
/// (and rebuilt when the directory is imported again).
///
/// ```swift
/// let registry = try ClientRegistry(directory: try await store.loadDirectory())
/// ```
public struct ClientRegistry: Sendable {
    private let clients: [AppID: OIDCClient]

    /// Builds the registry from ready clients; the first of two clients with the same id wins.
    public init(clients: some Sequence<OIDCClient>) {
        self.clients = Dictionary(clients.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Builds the registry from applications.
    /// - Parameters:
    ///   - applications: The apps (`DirectoryConfig.apps`).
    ///   - settings: Each app's client settings; by default its own ``Application/client`` (nil: the
    ///     defaults of ``OIDCClient``).
    /// - Throws: The first app whose settings ``OIDCClient/init(application:settings:)`` refuses.
    public init(
        applications: some Sequence<Application>, settings: (Application) -> OIDCClientSettings? = { $0.client }
    ) throws(OIDCProviderError) {
        var clients: [OIDCClient] = []
        for application in applications {
            clients.append(try OIDCClient(application: application, settings: settings(application)))
        }
        self.init(clients: clients)
    }

    /// Builds the registry from the whole directory's apps and their client settings.
    /// - Throws: As ``init(applications:settings:)``.
    public init(directory: DirectoryConfig) throws(OIDCProviderError) {
        try self.init(applications: directory.apps)
    }

    /// The client with this `client_id`.
    public func client(_ id: AppID) -> OIDCClient? { clients[id] }

    /// The client with this raw `client_id`.
    public func client(id: String) -> OIDCClient? { clients[AppID(id)] }

    /// Every client, sorted by id.
    public var all: [OIDCClient] { clients.values.sorted { $0.id < $1.id } }
}
