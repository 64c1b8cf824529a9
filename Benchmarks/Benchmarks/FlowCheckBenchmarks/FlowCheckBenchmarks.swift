import Benchmark
import FlowEngine
import Foundation

// `gatehouse flow check` over 1,000 flow files: what its FlowChecker does per file (read the file,
// validate it with every built-in rule), without printing. One iteration checks all 1,000 files.

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        warmupIterations: 2,
        maxDuration: .seconds(10),
        maxIterations: 1_000
    )

    Benchmark("flow check: read + validate 1000 files", configuration: configuration) { _, files in
        let validator = FlowValidator()
        var errors = 0
        for path in files.paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                errors += 1
                continue
            }
            let (_, diagnostics) = validator.validate(Array(data), file: path)
            errors += diagnostics.count { $0.severity == .error }
        }
        blackHole(errors)
    } setup: {
        try FlowFiles.shared()
    }

    // The same without the file reads, to tell I/O from validation.
    Benchmark("flow check: validate 1000 files (already read)", configuration: configuration) { _, files in
        let validator = FlowValidator()
        var errors = 0
        for (path, bytes) in zip(files.paths, files.contents) {
            let (_, diagnostics) = validator.validate(bytes, file: path)
            errors += diagnostics.count { $0.severity == .error }
        }
        blackHole(errors)
    } setup: {
        try FlowFiles.shared()
    }
}

/// 1,000 valid flow files in a temporary folder: the example flows of `flows/` copied in turn (200
/// copies each of today's five), each copy with its own `id` and description.
final class FlowFiles: Sendable {
    static let count = 1_000

    let folder: URL
    let paths: [String]
    /// The files' bytes, for the benchmark that leaves reading out.
    let contents: [[UInt8]]

    /// Written on first use (in a benchmark's setup), removed when the process exits.
    private static let made = Result { try FlowFiles() }

    /// The files, or why they could not be made.
    static func shared() throws -> FlowFiles { try made.get() }

    private init() throws {
        // Benchmarks/Benchmarks/FlowCheckBenchmarks/<this file> → the repository's flows/.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let examples = try FileManager.default.contentsOfDirectory(
            at: repository.appendingPathComponent("flows"), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "json" && $0.lastPathComponent != "schema.json" }.sorted { $0.path < $1.path }
        guard !examples.isEmpty else { throw SetupError("no example flows in \(repository.path)/flows") }
        let sources = try examples.map { try String(contentsOf: $0, encoding: .utf8) }

        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-flow-check-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var paths: [String] = []
        var contents: [[UInt8]] = []
        let validator = FlowValidator()
        for n in 0..<Self.count {
            let example = examples[n % examples.count].deletingPathExtension().lastPathComponent
            let name = "\(example)-\(n)"
            let source = try Self.variant(of: sources[n % sources.count], id: name, number: n)
            let path = folder.appendingPathComponent("\(name).json").path
            try Data(source.utf8).write(to: URL(fileURLWithPath: path))
            let (_, diagnostics) = validator.validate(Array(source.utf8), file: path)
            if let error = diagnostics.first(where: { $0.severity == .error }) {
                throw SetupError("generated flow \(path) is not valid: \(error)")
            }
            paths.append(path)
            contents.append(Array(source.utf8))
        }
        self.paths = paths
        self.contents = contents
        atexit { FlowFiles.removeFolder() }
    }

    /// `source` with an `id` of its own and a description that names the copy.
    private static func variant(of source: String, id: String, number: Int) throws -> String {
        guard let brace = source.firstIndex(of: "{") else { throw SetupError("an example flow is not a JSON object") }
        var text = source
        text.insert(contentsOf: "\n  \"id\": \"\(id)\",", at: text.index(after: brace))
        return text.replacingOccurrences(of: "\"description\": \"", with: "\"description\": \"Copy \(number): ")
    }

    private static func removeFolder() {
        if case .success(let files) = made { try? FileManager.default.removeItem(at: files.folder) }
    }
}

/// A fixture that does not hold what the benchmark assumes.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
