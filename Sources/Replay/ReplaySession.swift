import FlowEngine
import Foundation

/// Replays every fixture under some paths and writes the report `gatehouse replay` prints.
public enum ReplaySession {
    /// The printed report and its counts.
    public struct Report: Sendable {
        /// What to print: a line per fixture, the diffs, and `N passed, N failed`.
        public var text: String
        /// Fixtures that passed.
        public var passed: Int
        /// Fixtures that failed.
        public var failed: Int
    }

    /// Replays the fixtures found under `paths` (files, or directories searched recursively).
    public static func run(paths: [String], verbose: Bool = false, runner: FixtureRunner = FixtureRunner()) async -> Report {
        var text = ""
        var passed = 0
        var failed = 0
        for path in paths {
            let (files, isDirectory) = fixtureFiles(under: path)
            if files.isEmpty {
                text += "ERROR \(path): no such file or directory with .json files\n"
                failed += 1
            }
            for file in files {
                guard let result = await runner.run(path: file) else {
                    if !isDirectory {
                        text += "ERROR \(file): not a fixture (no \"fixture\" member)\n"
                        failed += 1
                    }
                    continue
                }
                if result.passed {
                    passed += 1
                    text += "PASS \(file) — \(result.name)\n"
                } else {
                    failed += 1
                    text += "FAIL \(file) — \(result.name)\n"
                    result.failures.forEach { text += "    \($0)\n" }
                }
                if verbose {
                    result.notes.forEach { text += "    note: \($0)\n" }
                    for (index, transcript) in result.transcripts.enumerated() {
                        text += "    [\(index + 1)] " + Transcript.render(.object(transcript.summary)) + "\n"
                        transcript.notes.forEach { text += "    note: \($0)\n" }
                    }
                }
            }
        }
        text += "\(passed) passed, \(failed) failed\n"
        return Report(text: text, passed: passed, failed: failed)
    }

    /// `path` itself when it is a file; otherwise its `.json` files, recursively, sorted.
    static func fixtureFiles(under path: String) -> (files: [String], isDirectory: Bool) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return ([], false) }
        guard isDirectory.boolValue else { return ([path], false) }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var files: [String] = []
        while let name = enumerator?.nextObject() as? String {
            if name.hasSuffix(".json") { files.append((path as NSString).appendingPathComponent(name)) }
        }
        return (files.sorted(), true)
    }
}
