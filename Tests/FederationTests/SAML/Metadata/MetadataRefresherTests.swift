import Foundation
import Testing

@testable import Federation

@Suite("SAML metadata refresh")
struct MetadataRefresherTests {
    static let url = URL(string: "https://idp.acme.test/metadata")!

    static func refresher(
        _ endpoint: MetadataEndpoint, clock: ManualClock, signers: [String] = [], interval: TimeInterval = 3_600
    ) throws -> MetadataRefresher {
        let policy = try MetadataFixture.policy(signers: signers)
        return MetadataRefresher(
            configuration: .init(url: url, policy: policy, refreshInterval: interval, minimumInterval: 60, retryInterval: 300), http: endpoint,
            now: { clock.now }
        )
    }

    @Test("fetches on first use, then serves the cached metadata until a refresh is due")
    func fetchesOnceUntilDue() async throws {
        let endpoint = MetadataEndpoint([.body(try MetadataFixture.signed()), .body(try MetadataFixture.signed())])
        let clock = ManualClock()
        let refresher = try Self.refresher(endpoint, clock: clock, signers: [SAMLTestKeys.idpCertificate])
        #expect(try await refresher.current().entityID == SAMLFixture.idpEntityID)
        clock.advance(by: 3_599)
        _ = try await refresher.current()
        #expect(await endpoint.requestCount == 1)
        clock.advance(by: 1)
        _ = try await refresher.current()
        #expect(await endpoint.requestCount == 2)
        let request = try #require(await endpoint.requests.first)
        #expect(request.method == .get && request.url == Self.url)
        #expect(request.header("accept")?.contains("application/samlmetadata+xml") == true)
    }

    @Test("schedules the next refresh within cacheDuration and half the time left before validUntil", arguments: [
        (nil, nil, 3_600.0),  // the configured interval
        (600.0, nil, 600),  // cacheDuration shortens it
        (nil, 1_000.0, 500),  // half of what is left before validUntil
        (7_200.0, 7_200.0, 3_600),  // neither is shorter than the interval
        (10.0, nil, 60),  // never below the minimum
        (nil, 30.0, 60),
    ] as [(TimeInterval?, TimeInterval?, TimeInterval)])
    func schedulesRefresh(cacheDuration: TimeInterval?, validFor: TimeInterval?, expected: TimeInterval) throws {
        let configuration = MetadataRefresher.Configuration(url: Self.url, policy: try MetadataFixture.policy(), refreshInterval: 3_600, minimumInterval: 60)
        let metadata = try MetadataFixture.idpMetadata(validUntil: validFor.map { SAMLFixture.now + $0 }, cacheDuration: cacheDuration)
        #expect(MetadataRefresher.refreshDelay(for: metadata, configuration: configuration, now: SAMLFixture.now) == expected)
    }

    @Test("follows the metadata's cacheDuration")
    func followsCacheDuration() async throws {
        let endpoint = MetadataEndpoint([.body(try MetadataFixture.unsigned(cacheDuration: 600)), .body(try MetadataFixture.unsigned())])
        let clock = ManualClock()
        let refresher = try Self.refresher(endpoint, clock: clock)
        _ = try await refresher.current()
        #expect(await refresher.nextRefresh == SAMLFixture.now + 600)
    }

    @Test("keeps the last good metadata when a refresh fails, and retries sooner", arguments: [
        MetadataEndpoint.Answer.status(500), .failure, .body("<not metadata/>"),
    ])
    func keepsLastGood(failure: MetadataEndpoint.Answer) async throws {
        let endpoint = MetadataEndpoint([.body(try MetadataFixture.unsigned()), failure, .body(try MetadataFixture.unsigned())])
        let clock = ManualClock()
        let refresher = try Self.refresher(endpoint, clock: clock)
        let first = try await refresher.current()
        clock.advance(by: 3_600)
        await #expect(throws: FederationError.self) { try await refresher.refresh() }
        #expect(try await refresher.current() == first)
        #expect(await refresher.lastError != nil)
        #expect(await refresher.nextRefresh == clock.now + 300)
        clock.advance(by: 300)
        await refresher.refreshIfDue()
        #expect(await refresher.lastError == nil)
        #expect(await endpoint.requestCount == 3)
    }

    @Test("keeps the last good metadata when a refresh is signed by the wrong key")
    func refusesBadlySignedRefresh() async throws {
        let forged = try MetadataFixture.signed(key: SAMLTestKeys.untrustedKey, certificate: SAMLTestKeys.untrustedCertificate)
        let endpoint = MetadataEndpoint([.body(try MetadataFixture.signed()), .body(forged)])
        let clock = ManualClock()
        let refresher = try Self.refresher(endpoint, clock: clock, signers: [SAMLTestKeys.idpCertificate])
        let good = try await refresher.current()
        clock.advance(by: 3_600)
        #expect(try await refresher.current() == good)
        #expect(await refresher.lastError?.code == .untrustedKey)
    }

    @Test("refuses the last good metadata once it is past validUntil and no refresh succeeded")
    func refusesExpired() async throws {
        let endpoint = MetadataEndpoint([.body(try MetadataFixture.unsigned(validUntil: SAMLFixture.now + 7_200))])
        let clock = ManualClock()
        let refresher = try Self.refresher(endpoint, clock: clock)
        _ = try await refresher.current()
        await endpoint.script([.status(503), .status(503), .status(503), .status(503)])
        clock.advance(by: 7_200)
        await #expect(throws: FederationError(.expired, "")) { try await refresher.current() }
    }

    @Test("throws the fetch error when there never was good metadata")
    func throwsWithoutMetadata() async throws {
        let refresher = try Self.refresher(MetadataEndpoint([.status(404)]), clock: ManualClock())
        await #expect(throws: FederationError(.upstreamHTTP, "")) { try await refresher.current() }
    }

    @Test("starts from known metadata without fetching")
    func startsFromInitial() async throws {
        let endpoint = MetadataEndpoint([])
        let clock = ManualClock()
        let initial = try MetadataFixture.read(try MetadataFixture.unsigned())
        let refresher = MetadataRefresher(
            configuration: .init(url: Self.url, policy: try MetadataFixture.policy()), http: endpoint, now: { clock.now }, initial: initial
        )
        #expect(try await refresher.current() == initial)
        #expect(await endpoint.requestCount == 0)
    }

    @Test("callers arriving during a fetch share it")
    func sharesOneFetch() async throws {
        let endpoint = MetadataEndpoint([.body(try MetadataFixture.unsigned()), .body(try MetadataFixture.unsigned())])
        await endpoint.hold()
        let refresher = try Self.refresher(endpoint, clock: ManualClock())
        async let first = refresher.current()
        async let second = refresher.current()
        while await endpoint.requestCount == 0 { await Task.yield() }
        await endpoint.release()
        let results = try await [first, second]
        #expect(results[0] == results[1])
        #expect(await endpoint.requestCount == 1)
        #expect(await refresher.fetchCount == 1)
    }

    @Test("run refreshes on schedule with the injected sleep, until cancelled")
    func runsOnSchedule() async throws {
        let endpoint = MetadataEndpoint(Array(repeating: .body(try MetadataFixture.unsigned()), count: 10))
        let clock = ManualClock()
        let refresher = try Self.refresher(endpoint, clock: clock, interval: 3_600)
        let slept = SleepLog()
        await refresher.run { seconds in
            let count = slept.record(seconds)
            clock.advance(by: seconds)
            if count == 3 { throw CancellationError() }
        }
        #expect(slept.all == [3_600, 3_600, 3_600])
        #expect(await endpoint.requestCount == 3)
    }
}

/// What `run`'s sleep was asked for.
final class SleepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: [TimeInterval] = []

    func record(_ value: TimeInterval) -> Int {
        lock.withLock {
            seconds.append(value)
            return seconds.count
        }
    }

    var all: [TimeInterval] { lock.withLock { seconds } }
}
