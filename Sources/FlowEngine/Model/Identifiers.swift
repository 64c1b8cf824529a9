/// Declares a string-backed identifier type: `Codable` as a bare JSON string, printable, sortable.
/// (The store's record encoder writes every identifier as its `rawValue` without calling `encode(to:)`:
/// a conforming type keeps the protocol's encoding.)
public protocol StringIdentifier: Sendable, Hashable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The identifier as written in files and the store.
    var rawValue: String { get }
    /// Wraps a raw identifier.
    init(_ rawValue: String)
}

extension StringIdentifier {
    public init(stringLiteral value: String) { self.init(value) }
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The name of a step inside one flow file.
public struct StepName: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A flow's identifier (its file name without `.json` unless the file says otherwise).
public struct FlowID: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// An organization's identifier.
public struct OrgID: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// An application's identifier (its OIDC `client_id`).
public struct AppID: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// An upstream connection's identifier (a customer SAML/OIDC IdP or a social provider).
public struct ConnectionID: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A user's stable identifier (the `sub` Gatehouse issues).
public struct UserID: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// The name of a level of assurance (`loa1`, `loa2`, …), as configured (DESIGN.md §5).
public struct LevelName: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A step outcome (`success`, `failure`, `found`, `unknown`, `met`, `unmet`, …) that labels a transition.
public struct Outcome: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let success: Outcome = "success"
    public static let failure: Outcome = "failure"
    public static let locked: Outcome = "locked"
    public static let found: Outcome = "found"
    public static let unknown: Outcome = "unknown"
    public static let suspended: Outcome = "suspended"
    public static let notEnrolled: Outcome = "not_enrolled"
    public static let met: Outcome = "met"
    public static let unmet: Outcome = "unmet"
}

/// The kind of an upstream connection, as choice predicates and discovery see it.
public enum ConnectionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case saml
    case oidc
    case google
    case microsoft
    case github
    case apple

    /// Whether the kind is one of the social presets.
    public var isSocial: Bool {
        switch self {
        case .saml, .oidc: false
        case .google, .microsoft, .github, .apple: true
        }
    }
}

/// A secret typed by a user (a password, a code). Prints as `<redacted>` so it never reaches a log.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; read it only where it is checked.
    public let value: String
    /// Wraps a secret.
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
