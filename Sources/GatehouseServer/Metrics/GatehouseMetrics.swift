import Foundation
import Prometheus
import Synchronization

/// The broker's Prometheus metrics, exposed at `/metrics` in the text exposition format.
///
/// Each application owns its registry (no global `MetricsSystem` bootstrap), so several servers in
/// one process (tests) keep separate counts. Label values come from configuration (app ids, flow
/// step names, deny reasons) or from small fixed sets, never from user input.
///
/// The OAuth endpoints call ``tokenIssued(grantType:kind:)`` for every token they issue:
///
/// ```swift
/// runtime.metrics.tokenIssued(grantType: "authorization_code", kind: "id_token")
/// ```
public struct GatehouseMetrics: Sendable {
    /// The registry the metrics live in (what `/metrics` prints).
    public let registry: PrometheusCollectorRegistry
    /// The counters and histograms made so far, by metric and label values: the registry makes each
    /// one once, and every later event is a dictionary lookup instead of the registry's own (which
    /// builds the metric's name and compares its labels under a lock).
    private let handles = Handles()

    /// Creates the metrics in a fresh registry.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Counters and histograms by metric name and label values.
    private final class Handles: Sendable {
        private let counters = Mutex<[[String]: Counter]>([:])
        private let histograms = Mutex<[[String]: DurationHistogram]>([:])

        /// The counter under `key` (the metric's name, then its label values), made by `make` the first time.
        func counter(_ key: [String], _ make: () -> Counter) -> Counter {
            if let known = counters.withLock({ $0[key] }) { return known }
            let made = make()
            counters.withLock { $0[key] = made }
            return made
        }

        /// The histogram under `key`, made by `make` the first time.
        func histogram(_ key: [String], _ make: () -> DurationHistogram) -> DurationHistogram {
            if let known = histograms.withLock({ $0[key] }) { return known }
            let made = make()
            histograms.withLock { $0[key] = made }
            return made
        }
    }

    /// Latency buckets for user-facing steps: 5 ms to 10 s (scrypt dominates password steps).
    static let stepBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// A login ended: `outcome` is `allow` or `deny`, `reason` the flow's deny reason (`none` for allow).
    public func loginFinished(app: String, outcome: String, reason: String) {
        handles.counter(["logins", app, outcome, reason]) {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "gatehouse", metricName: "logins", unitName: "total", helpText: "Logins that ended, by app and outcome."),
                labels: [("app", app), ("outcome", outcome), ("reason", reason)])
        }.increment()
    }

    /// One submitted page was processed (credential checks and effects included) in `duration`.
    public func stepCompleted(prompt: String, duration: Duration) {
        handles.histogram(["login_step_duration", prompt]) {
            registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(
                    namespace: "gatehouse", metricName: "login_step_duration", unitName: "seconds",
                    helpText: "Time to process one submitted login page, by the page's kind."),
                labels: [("prompt", prompt)], buckets: Self.stepBuckets)
        }.record(duration)
    }

    /// A token was issued: `grantType` is the OAuth grant (`authorization_code`, `refresh_token`), `kind`
    /// the token (`id_token`, `access_token`, `refresh_token`, `code`).
    public func tokenIssued(grantType: String, kind: String) {
        handles.counter(["tokens_issued", grantType, kind]) {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "gatehouse", metricName: "tokens_issued", unitName: "total", helpText: "Tokens and codes issued."),
                labels: [("grant_type", grantType), ("kind", kind)])
        }.increment()
    }

    /// A submission was refused by the per-address attempt limit.
    public func attemptLimited() {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "gatehouse", metricName: "attempts_limited", unitName: "total",
                helpText: "Password and code submissions refused by the per-address limit."),
            labels: []
        ).increment()
    }

    /// An upstream IdP's answer arrived for a configured connection and was `accepted` or refused
    /// (by the IdP, or by verification).
    public func upstreamAnswer(connection: String, accepted: Bool) {
        handles.counter(["upstream_answers", connection, accepted ? "accepted" : "refused"]) {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "gatehouse", metricName: "upstream_answers", unitName: "total",
                    helpText: "Answers from upstream IdPs (SAML Responses, OAuth callbacks), by connection and result."),
                labels: [("connection", connection), ("result", accepted ? "accepted" : "refused")])
        }.increment()
    }

    /// An HTTP request was answered; `route` is the route template (`/login/{id}`), never the raw path.
    public func requestServed(method: String, route: String, status: Int, duration: Duration) {
        let statusClass = "\(status / 100)xx"
        handles.counter(["http_requests", method, route, statusClass]) {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "gatehouse", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route and status class."),
                labels: [("method", method), ("route", route), ("status", statusClass)])
        }.increment()
        handles.histogram(["http_request_duration", route]) {
            registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(
                    namespace: "gatehouse", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency by route."),
                labels: [("route", route)], buckets: Self.stepBuckets)
        }.record(duration)
    }

    /// The text exposition of every metric (what `/metrics` serves).
    public func exposition() -> String { registry.emitToString() }
}
