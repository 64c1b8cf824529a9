import Directory
import FlowEngine
import Foundation
import GatehouseServer
import Logging
import Login
import Testing

@Suite("Runtime: assembling the server from its files")
struct RuntimeTests {
    @Test func takesAnAbsoluteFlowsDirectoryOfTheDirectoryConfigurationAsItIs() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The directory configuration lives in one folder and names the repository's flows by absolute path.
        let source = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/directory.json"))
        var config = try #require(try JSONSerialization.jsonObject(with: source) as? [String: Any])
        config["flows_directory"] = repositoryRoot.appendingPathComponent("flows").path
        let configFile = folder.appendingPathComponent("directory.json")
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)

        var configuration = ServerConfiguration()
        configuration.databasePath = folder.appendingPathComponent("gatehouse.sqlite").path
        configuration.directoryConfigPath = configFile.path
        var environment = ServerEnvironment()
        environment.logger = Logger(label: "gatehouse.test", factory: { _ in SwiftLogNoOpLogHandler() })
        let runtime = try await GatehouseRuntime.make(configuration: configuration, environment: environment)
        #expect(try runtime.flows.flow("saas-console").id == "saas-console")
        try await (runtime.store as? SQLiteStore)?.close()
    }
}
