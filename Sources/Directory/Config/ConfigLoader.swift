import Foundation
import FlowEngine

/// Reads a directory configuration file (levels, connections, organizations, apps, users) into a
/// ``DirectoryConfig``, reporting **every** problem with its `file:line:col` and JSON pointer.
///
/// The format is JSON with snake_case keys; every top-level key is optional:
///
/// ```json
/// {
///   "levels": [{"name": "loa1", "methods": [["pwd"], ["fed"]]}],
///   "connections": [{"id": "acme-okta", "kind": "saml", "display_name": "Acme Okta",
///                    "level_mapping": {"urn:…:PasswordProtectedTransport": "loa1"}, "settings": {}}],
///   "organizations": [{"id": "acme", "name": "Acme", "parent": "provider",
///                      "domains": [{"domain": "acme.test", "verified": true, "include_subdomains": true,
///                                   "verified_at": "2026-01-01T00:00:00Z"}],
///                      "connection": "acme-okta", "required_level": "loa2", "flows": {"console": "strict"}}],
///   "apps": [{"id": "console", "name": "Console", "flow": "saas-console", "redirect_uris": ["https://app.test/cb"]}],
///   "users": [{"id": "u-alice", "email": "alice@acme.test", "memberships": [{"org": "acme", "roles": ["admin"]}]}],
///   "flows_directory": "../flows"
/// }
/// ```
///
/// Rules (the `rule` of each ``Diagnostic``): `invalid-json`, `invalid-encoding`, `wrong-type`,
/// `missing-field`, `unknown-field` (with a suggestion), `invalid-value` (unknown `kind`/`status`, a
/// level nobody can reach), `invalid-id`, `duplicate-id`, `unknown-level`, `unknown-connection`,
/// `unknown-organization`, `unknown-app`, `parent-cycle`, `invalid-domain`, `duplicate-domain`,
/// `invalid-date`, `invalid-email`, `duplicate-email`, `duplicate-membership`, `invalid-redirect-uri`,
/// `invalid-url`, `invalid-color`; warnings: `unknown-method`, `undated-verification`.
public enum ConfigLoader {
    /// Parses a configuration document.
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - file: The name diagnostics print.
    ///   - limits: Size and nesting limits (1 MiB, 32 levels by default).
    /// - Returns: The configuration when there are no errors (warnings may accompany it), and every
    ///   finding sorted by position.
    public static func parse(_ bytes: [UInt8], file: String, limits: JSONLimits = .files) -> (DirectoryConfig?, [Diagnostic]) {
        if bytes.count <= limits.maxBytes, let location = firstInvalidUTF8(in: bytes, file: file) {
            return (nil, [Diagnostic(rule: "invalid-encoding", message: "the file is not valid UTF-8", location: location, pointer: .root)])
        }
        let root: JSONNode
        do throws(JSONParseError) {
            root = try JSONParser.parse(bytes, file: file, limits: limits)
        } catch {
            return (nil, [Diagnostic(rule: "invalid-json", message: error.message, location: error.location, pointer: .root)])
        }
        var decoder = ConfigDecoder()
        let config = decoder.decode(root)
        let diagnostics = decoder.diagnostics.enumerated().sorted { a, b in
            let (x, y) = (a.element.location, b.element.location)
            return (x.line, x.column, a.offset) < (y.line, y.column, b.offset)
        }.map(\.element)
        return (diagnostics.hasErrors ? nil : config, diagnostics)
    }

    /// Parses a configuration held in a string.
    public static func parse(_ text: String, file: String, limits: JSONLimits = .files) -> (DirectoryConfig?, [Diagnostic]) {
        parse(Array(text.utf8), file: file, limits: limits)
    }

    /// Reads and parses a configuration file.
    /// - Parameters:
    ///   - path: The file; diagnostics name it as given.
    ///   - limits: Size and nesting limits.
    /// - Returns: As ``parse(_:file:limits:)-([UInt8],_,_)``.
    /// - Throws: ``DirectoryError`` with code `fileNotFound`, `unreadableFile`, `fileTooLarge` or `notUTF8`
    ///   when the file cannot be turned into text; problems inside the text are diagnostics instead.
    public static func load(path: String, limits: JSONLimits = .files) throws(DirectoryError) -> (DirectoryConfig?, [Diagnostic]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound("there is no configuration file at '\(path)'")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile("'\(path)' is a directory, not a configuration file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.maxBytes {
            throw .fileTooLarge("'\(path)' is \(size) bytes; the limit is \(limits.maxBytes) bytes")
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadableFile("cannot read '\(path)': \(error.localizedDescription)")
        }
        if bytes.count <= limits.maxBytes, let location = firstInvalidUTF8(in: bytes, file: path) {
            throw .notUTF8("'\(path)' is not valid UTF-8: the first invalid byte is at \(location.line):\(location.column)")
        }
        return parse(bytes, file: path, limits: limits)
    }

    /// Where the first byte that is not part of a valid UTF-8 sequence stands, if any.
    static func firstInvalidUTF8(in bytes: [UInt8], file: String) -> SourceLocation? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .error:
                return SourceLocation(file: file, line: line, column: column)
            case .emptyInput:
                return nil
            }
        }
    }
}

extension DirectoryConfig {
    /// Reads a configuration file, failing unless it is free of errors.
    /// - Parameters:
    ///   - path: The file.
    ///   - limits: Size and nesting limits.
    /// - Throws: ``DirectoryError``: `fileNotFound`, `unreadableFile`, `fileTooLarge`, `notUTF8`, or
    ///   `invalidConfiguration` with every finding in ``DirectoryError/diagnostics``.
    public static func load(path: String, limits: JSONLimits = .files) throws(DirectoryError) -> DirectoryConfig {
        let (config, diagnostics) = try ConfigLoader.load(path: path, limits: limits)
        guard let config else {
            let errors = diagnostics.filter { $0.severity == .error }.count
            throw .invalidConfiguration("'\(path)' has \(errors) error\(errors == 1 ? "" : "s")", diagnostics: diagnostics)
        }
        return config
    }
}
