import ArgumentParser
import FlowEngine
import Directory
import Foundation

/// `gatehouse config`: check a directory configuration, or import it into the SQLite store.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check a directory configuration or import it into the store.",
        subcommands: [Check.self, Import.self])

    /// `gatehouse config check FILE`
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file; file:line:col diagnostics.")

        @Argument(help: "The configuration file.")
        var file: String

        func run() async throws {
            let (config, diagnostics) = try loadConfig(file)
            diagnostics.forEach { print($0.description) }
            guard config != nil else { throw ExitStatus.rejected }
            print("\(file): ok")
        }
    }

    /// `gatehouse config import FILE --database PATH`
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the directory in a SQLite store with a configuration file (all or nothing).")

        @Argument(help: "The configuration file.")
        var file: String

        @Option(help: "The SQLite database file (created when missing).")
        var database: String = "gatehouse.sqlite"

        func run() async throws {
            let (config, diagnostics) = try loadConfig(file)
            diagnostics.forEach { printError($0.description) }
            guard let config else { throw ExitStatus.rejected }
            let store = try await SQLiteStore.open(path: database, sharing: .shared)
            do {
                try await store.replaceDirectory(with: config)
            } catch {
                try? await store.close()
                printError("error: \(error.description)")
                throw ExitStatus.rejected
            }
            try await store.close()
            print(
                "imported \(config.organizations.count) organizations, \(config.apps.count) apps, \(config.connections.count) connections, \(config.users.count) users into \(database)"
            )
        }
    }
}

/// Loads a configuration, turning file errors into a usage exit.
func loadConfig(_ path: String) throws -> (DirectoryConfig?, [Diagnostic]) {
    do {
        return try ConfigLoader.load(path: path)
    } catch {
        printError("error: \(error.description)")
        throw ExitStatus.usage
    }
}
