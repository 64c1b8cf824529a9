import Foundation

/// Keeps one connection's IdP metadata fresh: fetches it from the IdP's metadata URL through
/// ``UpstreamHTTP``, verifies it with a ``SAMLMetadataPolicy``, and fetches it again on a schedule.
///
/// - **Schedule.** The next refresh is ``Configuration/refreshInterval`` after a success, shortened by
///   the metadata's `cacheDuration` and to half the time left before its `validUntil` (so several
///   attempts fit before it expires), never below ``Configuration/minimumInterval``
///   (``refreshDelay(for:configuration:now:)``). After a failure the next attempt is
///   ``Configuration/retryInterval`` later.
/// - **Failures keep the last good metadata.** A fetch that fails (network, HTTP status, parsing,
///   signature) leaves the previous metadata in use and is reported in ``lastError``.
/// - **Expired metadata is refused.** Past its `validUntil`, ``current()`` throws `expired` instead of
///   returning it, whatever refreshing did.
///
/// Time comes from the injected `now` clock, and ``run(sleep:)`` waits with the injected `sleep`, so
/// tests drive the schedule with a fake clock. Concurrent callers of ``current()`` share one fetch.
///
/// ```swift
/// let refresher = MetadataRefresher(configuration: .init(url: metadataURL, policy: policy), http: upstreamHTTP, now: { Date() })
/// group.addTask { await refresher.run(sleep: { try await Task.sleep(for: .seconds($0)) }) }
/// let idp = try await refresher.current().identityProvider()
/// ```
public actor MetadataRefresher {
    /// Where the metadata is and how often to fetch it.
    public struct Configuration: Sendable {
        /// The IdP's metadata URL (`https`).
        public var url: URL
        /// Which entity and signer to accept.
        public var policy: SAMLMetadataPolicy
        /// The time between two refreshes, before `cacheDuration` and `validUntil` shorten it. Default 6 hours.
        public var refreshInterval: TimeInterval
        /// The shortest time between two refreshes, whatever the metadata says. Default 60 seconds.
        public var minimumInterval: TimeInterval
        /// The time before trying again after a failure. Default 5 minutes.
        public var retryInterval: TimeInterval

        /// Creates a configuration.
        public init(
            url: URL, policy: SAMLMetadataPolicy, refreshInterval: TimeInterval = 6 * 3_600, minimumInterval: TimeInterval = 60,
            retryInterval: TimeInterval = 300
        ) {
            self.url = url
            self.policy = policy
            self.refreshInterval = refreshInterval
            self.minimumInterval = minimumInterval
            self.retryInterval = retryInterval
        }
    }

    /// The configuration.
    public nonisolated let configuration: Configuration
    private let http: any UpstreamHTTP
    private let now: @Sendable () -> Date

    /// The last metadata that was fetched and verified, if any.
    public private(set) var metadata: SAMLIdPMetadata?
    /// When ``metadata`` was fetched.
    public private(set) var lastSuccess: Date?
    /// Why the last refresh failed; nil after a success.
    public private(set) var lastError: FederationError?
    /// When the next refresh is due (now, until the first fetch).
    public private(set) var nextRefresh: Date
    /// How many fetches were made (successful or not).
    public private(set) var fetchCount = 0

    private var inFlight: Task<Result<SAMLIdPMetadata, FederationError>, Never>?

    /// Creates a refresher.
    /// - Parameters:
    ///   - configuration: URL, policy and intervals.
    ///   - http: The outbound HTTP client (``UpstreamHTTPClient`` in the server, a fake in tests).
    ///   - now: The clock.
    ///   - initial: Metadata already known (read from configuration or a cache); fetched at once otherwise.
    public init(
        configuration: Configuration, http: any UpstreamHTTP, now: @escaping @Sendable () -> Date, initial: SAMLIdPMetadata? = nil
    ) {
        self.configuration = configuration
        self.http = http
        self.now = now
        self.metadata = initial
        let start = now()
        self.nextRefresh = initial.map { start + Self.refreshDelay(for: $0, configuration: configuration, now: start) } ?? start
    }

    /// The metadata to use now: the last good one, refreshed first when none was fetched yet or a
    /// refresh is due.
    /// - Throws: ``FederationError``: `expired` when the last good metadata is past its `validUntil`
    ///   (the reason adds the last refresh error); the fetch's error when there never was good metadata.
    public func current() async throws(FederationError) -> SAMLIdPMetadata {
        if metadata == nil || now() >= nextRefresh {
            _ = await refreshResult()
        }
        guard let metadata else {
            throw lastError ?? FederationError(.metadataInvalid, "no metadata has been fetched from \(UpstreamHTTPClient.describe(configuration.url))")
        }
        let time = now()
        if let validUntil = metadata.validUntil, validUntil <= time {
            let cause = lastError.map { "; the last refresh failed: \($0.code): \($0.reason)" } ?? ""
            throw FederationError(
                .expired,
                "the metadata of '\(metadata.entityID)' expired at \(SAMLDateTime.format(validUntil)) (now \(SAMLDateTime.format(time)))\(cause)"
            )
        }
        return metadata
    }

    /// Fetches the metadata now, whatever the schedule.
    /// - Returns: The new metadata.
    /// - Throws: ``FederationError`` when the fetch or verification fails (the last good metadata is kept).
    @discardableResult
    public func refresh() async throws(FederationError) -> SAMLIdPMetadata {
        try await refreshResult().get()
    }

    /// Refreshes when a refresh is due; a failure is only recorded in ``lastError``.
    public func refreshIfDue() async {
        if now() >= nextRefresh { _ = await refreshResult() }
    }

    /// Refreshes on schedule until the task is cancelled (or `sleep` throws).
    /// - Parameter sleep: Waits the given number of seconds (`Task.sleep` in the server; a fake clock in tests).
    public func run(sleep: @Sendable (TimeInterval) async throws -> Void) async {
        while !Task.isCancelled {
            await refreshIfDue()
            do {
                try await sleep(max(0, nextRefresh.timeIntervalSince(now())))
            } catch {
                return
            }
        }
    }

    /// The time from `now` to the next refresh after fetching `metadata`: the configured interval,
    /// bounded by `cacheDuration` and by half the time left before `validUntil`, at least the minimum.
    public static func refreshDelay(for metadata: SAMLIdPMetadata, configuration: Configuration, now: Date) -> TimeInterval {
        var delay = configuration.refreshInterval
        if let cacheDuration = metadata.cacheDuration { delay = min(delay, cacheDuration) }
        if let validUntil = metadata.validUntil { delay = min(delay, validUntil.timeIntervalSince(now) / 2) }
        return max(delay, configuration.minimumInterval)
    }

    // MARK: Fetching

    /// One fetch at a time: callers arriving during a fetch wait for it instead of starting another.
    /// The task inherits the actor's isolation and records the outcome before it completes, so every
    /// waiter sees the new state.
    private func refreshResult() async -> Result<SAMLIdPMetadata, FederationError> {
        if let inFlight { return await inFlight.value }
        let task = Task {
            let result = await Self.fetch(configuration: configuration, http: http, now: now())
            record(result)
            inFlight = nil
            return result
        }
        inFlight = task
        return await task.value
    }

    private func record(_ result: Result<SAMLIdPMetadata, FederationError>) {
        fetchCount += 1
        let time = now()
        switch result {
        case .success(let fresh):
            metadata = fresh
            lastSuccess = time
            lastError = nil
            nextRefresh = time + Self.refreshDelay(for: fresh, configuration: configuration, now: time)
        case .failure(let error):
            lastError = error
            var delay = configuration.retryInterval
            if let metadata { delay = min(delay, Self.refreshDelay(for: metadata, configuration: configuration, now: time)) }
            nextRefresh = time + max(delay, configuration.minimumInterval)
        }
    }

    /// `GET` the URL, require a 2xx, and read the body as IdP metadata under the policy.
    private static func fetch(configuration: Configuration, http: any UpstreamHTTP, now: Date) async -> Result<SAMLIdPMetadata, FederationError> {
        let source = UpstreamHTTPClient.describe(configuration.url)
        let response: UpstreamHTTPResponse
        do {
            response = try await http.get(configuration.url, headers: ["accept": "application/samlmetadata+xml, application/xml, text/xml"])
        } catch let error as FederationError {
            return .failure(error)
        } catch {
            return .failure(FederationError(.upstreamHTTP, "fetching the metadata from \(source) failed: \(error)"))
        }
        guard response.isSuccess else {
            return .failure(FederationError(.upstreamHTTP, "the metadata URL \(source) answered HTTP \(response.status)"))
        }
        do {
            return .success(try SAMLIdPMetadata(parsing: response.body, policy: configuration.policy, now: now))
        } catch {
            return .failure(error)
        }
    }
}
