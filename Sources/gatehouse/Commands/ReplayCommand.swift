import ArgumentParser
import Foundation
import Replay

/// `gatehouse replay PATH...`: replays recorded login fixtures offline and deterministically.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded login fixtures; one line per fixture, a diff per failure, exit 1 on any failure.")

    @Argument(help: "Fixture files, or directories searched recursively for fixtures (JSON files with a \"fixture\" member).")
    var paths: [String]

    @Flag(help: "Print each transaction's prompts and outcome.")
    var verbose = false

    func run() async throws {
        let report = await ReplaySession.run(paths: paths, verbose: verbose)
        print(report.text, terminator: "")
        if report.failed > 0 || report.passed == 0 { throw ExitStatus.rejected }
    }
}
