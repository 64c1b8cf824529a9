import ArgumentParser
import Directory
import FlowEngine
import Foundation
import Login

/// `gatehouse flow`: check, draw and describe flow files.
struct FlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow", abstract: "Check, draw and describe flow files.",
        subcommands: [Check.self, Graph.self, Schema.self])

    /// `gatehouse flow check FILE...`
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate flow files; prints file:line:col diagnostics, exits 1 when any file has errors.")

        @Argument(help: "Flow files to check.")
        var files: [String]

        @Option(help: "Directory configuration, to check references to connections, levels, apps and organizations.")
        var config: String?

        @Flag(help: "Also print warnings (unreachable steps).")
        var warnings = false

        func run() async throws {
            var references: FlowReferences?
            if let config {
                do {
                    references = FlowReferences(try DirectoryConfig.load(path: config))
                } catch {
                    printError(error.description)
                    throw ExitStatus.usage
                }
            }
            let (output, valid) = FlowChecker.check(files: files, references: references, showWarnings: warnings)
            print(output, terminator: "")
            if !valid { throw ExitStatus.rejected }
        }
    }

    /// `gatehouse flow graph FILE --format mermaid|dot`
    struct Graph: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render a flow as a Mermaid or Graphviz DOT graph.")

        @Argument(help: "The flow file.")
        var file: String

        @Option(help: "mermaid or dot.")
        var format: String = "mermaid"

        func run() async throws {
            guard let format = FlowGraphFormat(rawValue: format) else {
                printError("unknown format '\(format)'; use mermaid or dot")
                throw ExitStatus.usage
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("cannot read \(file)")
                throw ExitStatus.usage
            }
            let (document, diagnostics) = FlowDecoder.decode(Array(data), file: file)
            guard let document, !diagnostics.hasErrors else {
                diagnostics.forEach { printError($0.description) }
                throw ExitStatus.rejected
            }
            print(FlowGraphRenderer.render(document, format: format), terminator: "")
        }
    }

    /// `gatehouse flow schema`
    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the JSON Schema of flow files (flows/schema.json).")

        func run() async throws {
            print(FlowSchema.jsonSchema(), terminator: "")
        }
    }
}

/// The text `flow check` prints, separated from the command so tests can call it.
enum FlowChecker {
    /// Checks each file; returns the report and whether every file is free of errors.
    static func check(files: [String], references: FlowReferences?, showWarnings: Bool) -> (String, Bool) {
        var output = ""
        var valid = true
        let validator = FlowValidator()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                output += "\(file): error: cannot read the file\n"
                valid = false
                continue
            }
            if isJSONSchema(Array(data), file: file) {
                output += "\(file): skipped (a JSON Schema, not a flow)\n"
                continue
            }
            let (_, diagnostics) = validator.validate(Array(data), file: file, references: references)
            let shown = diagnostics.filter { showWarnings || $0.severity == .error }
            shown.forEach { output += $0.description + "\n" }
            let errors = diagnostics.filter { $0.severity == .error }.count
            if errors > 0 {
                valid = false
                output += "\(file): \(errors) error\(errors == 1 ? "" : "s")\n"
            } else {
                output += "\(file): ok\n"
            }
        }
        return (output, valid)
    }

    /// Whether the file is a JSON Schema (flows/schema.json sits beside the flows, so `flows/*.json` names it).
    static func isJSONSchema(_ bytes: [UInt8], file: String) -> Bool {
        guard let root = try? JSONParser.parse(bytes, file: file), let schema = root["$schema"]?.stringValue else { return false }
        return schema.hasPrefix("https://json-schema.org/") || schema.hasPrefix("http://json-schema.org/")
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
