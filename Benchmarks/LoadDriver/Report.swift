import Foundation

/// CPU time used by the server and by the driver during the measured window, from `/proc/<pid>/stat`
/// (utime + stime, in clock ticks of 10 ms).
struct CPUUsage: Sendable {
    /// Server CPU seconds in the window; nil without a server pid.
    var server: Double?
    /// The driver's own CPU seconds in the window.
    var driver: Double?

    static func measure(_ window: Window, serverPID: Int?) async throws -> CPUUsage {
        try await Task.sleep(until: window.from, clock: .continuous)
        let serverBefore = serverPID.flatMap(cpuSeconds)
        let driverBefore = cpuSeconds(Int(getpid()))
        try await Task.sleep(until: window.to, clock: .continuous)
        let serverAfter = serverPID.flatMap(cpuSeconds)
        let driverAfter = cpuSeconds(Int(getpid()))
        return CPUUsage(
            server: serverAfter.flatMap { after in serverBefore.map { after - $0 } },
            driver: driverAfter.flatMap { after in driverBefore.map { after - $0 } })
    }

    /// utime + stime of a process, in seconds.
    static func cpuSeconds(_ pid: Int) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name: state is field 3, utime and stime are fields 14 and 15 (proc(5)).
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// The result of a run: throughput, latency percentiles per complete login, CPU per login.
struct Report {
    var scenario: Scenario
    var algorithm: BenchmarkDirectory.Algorithm
    var clients: Int
    var warmup: Double
    var duration: Double
    var outcomes: [ClientOutcome]
    var usage: CPUUsage
    var poolWaits: Int

    var text: String {
        let latencies = outcomes.flatMap(\.latencies).map { Double($0.components.seconds) * 1e3 + Double($0.components.attoseconds) / 1e15 }
            .sorted()
        let count = latencies.count
        let rate = Double(count) / duration
        let errors = outcomes.map(\.errors).reduce(0, +)
        func percentile(_ q: Double) -> Double {
            guard count > 0 else { return .nan }
            return latencies[min(count - 1, max(0, Int((q * Double(count)).rounded(.up)) - 1))]
        }
        func perLogin(_ seconds: Double?) -> String {
            guard let seconds, count > 0 else { return "n/a" }
            return String(format: "%.2f cores = %.2f ms per login", seconds / duration, seconds * 1e3 / Double(count))
        }
        var lines = [
            "scenario \(scenario.rawValue), \(algorithm.rawValue) ID tokens, \(clients) clients, "
                + String(format: "%.1f s measured after %.1f s warm-up", duration, warmup),
            String(format: "  complete operations %d = %.1f /s   (errors %d, user-pool waits %d)", count, rate, errors, poolWaits),
            String(format: "  latency             p50 %.2f ms   p99 %.2f ms   max %.2f ms", percentile(0.5), percentile(0.99), latencies.last ?? .nan),
            "  server CPU          \(perLogin(usage.server))",
            "  driver CPU          \(perLogin(usage.driver))",
        ]
        for failure in outcomes.flatMap(\.failures).prefix(3) { lines.append("  failure: \(failure)") }
        lines.append(
            "RESULT scenario=\(scenario.rawValue) alg=\(algorithm.rawValue) clients=\(clients) "
                + String(
                    format: "seconds=%.1f count=%d per_s=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d server_cpu_s=%.2f driver_cpu_s=%.2f pool_waits=%d",
                    duration, count, rate, percentile(0.5), percentile(0.99), errors, usage.server ?? -1, usage.driver ?? -1, poolWaits))
        return lines.joined(separator: "\n")
    }
}
