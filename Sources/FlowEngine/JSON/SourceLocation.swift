import Foundation

/// A position in a source file, 1-based, as editors and compilers print it (`file:line:col`).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file the position is in, as the user named it.
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// An RFC 6901 JSON pointer (`/steps/password/next/success`), the second half of every diagnostic.
public struct JSONPointer: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first.
    public private(set) var tokens: [String]

    /// The pointer to the whole document.
    public static let root = JSONPointer(tokens: [])

    /// Creates a pointer from reference tokens.
    public init(tokens: [String]) { self.tokens = tokens }

    /// The pointer one level deeper.
    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }

    /// The pointer one level deeper, into an array element.
    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

    /// RFC 6901 §3 string form: `~` is written `~0` and `/` is written `~1`.
    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }
}
