import ArgumentParser
import Directory
import FlowEngine
import Foundation

/// `gatehouse discover EMAIL --config FILE`: which organization, connection and flow an email gets.
struct DiscoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Show the organization an email address is discovered to, its path, connection and flow.")

    @Argument(help: "The email address.")
    var email: String

    @Option(help: "Directory configuration file.")
    var config: String

    @Option(help: "The app whose flow to show (default: every app).")
    var app: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let directoryConfig: DirectoryConfig
        do {
            directoryConfig = try DirectoryConfig.load(path: config)
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
        let report: DiscoveryReport
        do {
            report = try DiscoveryReport(email: email, directory: Directory(config: directoryConfig), app: app.map(AppID.init))
        } catch {
            printError("error: \(error.description)")
            throw ExitStatus.usage
        }
        print(json ? report.json : report.text)
        if report.organization == nil { throw ExitStatus.rejected }
    }
}

/// What discovery decides for one email address.
struct DiscoveryReport: Encodable {
    struct Org: Encodable {
        var id: String
        var name: String
        var path: [String]
        var connection: String?
        var connectionKind: String?
        var requiredLevel: String?
        var suspended: Bool
        var matchedDomain: String
        var viaSubdomain: Bool
        var otherClaimants: [String]
    }

    var email: String
    var domain: String
    var organization: Org?
    /// Flow per app, for the discovered organization (or the app default when none).
    var flows: [String: String]

    init(email: String, directory: Directory, app: AppID?) throws(DirectoryError) {
        let address = try EmailAddress(email)
        self.email = email
        self.domain = address.domain
        let apps = app.map { [$0] } ?? directory.config.apps.map(\.id)
        var organization: Org?
        if let match = directory.domains.lookup(email: address), let context = directory.context(of: match.organization) {
            organization = Org(
                id: context.id.rawValue, name: context.name, path: context.path.map(\.rawValue),
                connection: context.connection?.id.rawValue, connectionKind: context.connection?.kind.rawValue,
                requiredLevel: context.requiredLevel?.rawValue, suspended: context.suspended, matchedDomain: match.domain,
                viaSubdomain: match.viaSubdomain, otherClaimants: match.otherCandidates.map(\.rawValue))
        }
        self.organization = organization
        var flows: [String: String] = [:]
        for app in apps {
            if let flow = directory.flow(for: app, org: organization.map { OrgID($0.id) }) { flows[app.rawValue] = flow.rawValue }
        }
        self.flows = flows
    }

    var text: String {
        var lines = ["email:        \(email)", "domain:       \(domain)"]
        if let org = organization {
            lines.append("organization: \(org.id) (\(org.name))\(org.suspended ? " — SUSPENDED" : "")")
            lines.append("path:         \(org.path.joined(separator: " > "))")
            lines.append("matched:      \(org.matchedDomain)\(org.viaSubdomain ? " (subdomain claim)" : "")")
            if !org.otherClaimants.isEmpty { lines.append("also claimed: \(org.otherClaimants.joined(separator: ", "))") }
            lines.append("connection:   \(org.connection.map { "\($0) (\(org.connectionKind ?? "?"))" } ?? "none")")
            lines.append("level:        \(org.requiredLevel ?? "app default")")
        } else {
            lines.append("organization: none (no verified claim on this domain)")
        }
        for (app, flow) in flows.sorted(by: { $0.key < $1.key }) { lines.append("flow:         \(app) → \(flow)") }
        return lines.joined(separator: "\n")
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
