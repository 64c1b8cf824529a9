import FlowEngine
import Directory
import Foundation
import Testing

@testable import gatehouse

@Suite("Command line")
struct CommandTests {
    @Test func flowCheckPassesTheCommittedFlows() throws {
        let flows = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("flows").path)
            .filter { $0.hasSuffix(".json") }
            .map { repositoryRoot.appendingPathComponent("flows/\($0)").path }
        #expect(flows.count >= 5)
        let (output, valid) = FlowChecker.check(files: flows, references: nil, showWarnings: true)
        #expect(valid, "\(output)")
        #expect(output.contains("schema.json: skipped (a JSON Schema, not a flow)"))
    }

    @Test func flowCheckLocatesEveryErrorOfABrokenFlow() throws {
        let path = try temporaryFile(
            """
            {
              "start": "first",
              "steps": {
                "first": { "type": "identify", "next": { "success": "second" } },
                "second": { "type": "topt", "next": { "success": "done" } },
                "done": { "type": "allow", "extra": 1 }
              }
            }
            """, name: "broken.json")
        let (output, valid) = FlowChecker.check(files: [path], references: nil, showWarnings: false)
        #expect(!valid)
        #expect(output.contains("\(path):5:25: error: unknown step type 'topt' — did you mean 'totp'? [/steps/second/type] (unknown-step-type)"))
        #expect(output.contains("\(path):6:32: error: unknown field 'extra' in step 'done'"))
        #expect(output.contains("\(path): 2 errors"))
    }

    @Test func flowCheckReportsAnUnreadableFile() {
        let (output, valid) = FlowChecker.check(files: ["/nonexistent.json"], references: nil, showWarnings: false)
        #expect(!valid)
        #expect(output == "/nonexistent.json: error: cannot read the file\n")
    }

    @Test func discoverShowsTheOrganizationPathConnectionAndFlow() throws {
        let config = try DirectoryConfig.load(path: directoryConfig)
        let report = try DiscoveryReport(email: "Hans@EMEA.example", directory: Directory(config: config), app: "reseller")
        #expect(report.organization?.id == "northwind-emea")
        #expect(report.organization?.path == ["provider", "northwind", "northwind-emea"])
        #expect(report.organization?.connection == "northwind-oidc")
        #expect(report.flows == ["reseller": "reseller-portal"])
        #expect(report.text.contains("path:         provider > northwind > northwind-emea"))
        #expect(report.json.contains(#""connection_kind" : "oidc""#))
    }

    @Test func discoverReportsAnUnknownDomainAndRejectsABadAddress() throws {
        let config = try DirectoryConfig.load(path: directoryConfig)
        let directory = Directory(config: config)
        let report = try DiscoveryReport(email: "x@nowhere.test", directory: directory, app: "console")
        #expect(report.organization == nil)
        #expect(report.flows == ["console": "saas-console"])
        #expect(throws: (any Error).self) { try DiscoveryReport(email: "no-at-sign", directory: directory, app: nil) }
    }
}
