/// The declarative condition language of `choice` steps: data, never code.
///
/// A predicate is an object with exactly one of `all`, `any`, `not`, or `field` plus one operator:
/// ```json
/// {"all": [{"field": "connection.kind", "in": ["saml", "oidc"]},
///          {"not": {"field": "amr", "contains": "mfa"}}]}
/// ```
public indirect enum Predicate: Sendable, Hashable {
    /// Every predicate holds.
    case all([Predicate])
    /// At least one predicate holds.
    case any([Predicate])
    /// The predicate does not hold.
    case not(Predicate)
    /// A test of one field.
    case test(PredicateField, PredicateOperator)
}

/// The facts a predicate can look at.
public enum PredicateField: Sendable, Hashable {
    /// The app's id.
    case app
    /// The organization's id.
    case organization
    /// The organization's path in the hierarchy (contains an ancestor's id).
    case organizationPath
    /// The organization's connection id.
    case connection
    /// The organization's connection kind (`saml`, `oidc`, `google`, …).
    case connectionKind
    /// Methods used so far.
    case amr
    /// The level reached so far.
    case acr
    /// The domain of the email address.
    case emailDomain
    /// Whether an account is known.
    case user
    /// A collected claim (`claims.department`).
    case claim(String)

    /// Parses a field name as written in flow files.
    public init?(name: String) {
        switch name {
        case "app": self = .app
        case "org": self = .organization
        case "org.path": self = .organizationPath
        case "connection": self = .connection
        case "connection.kind": self = .connectionKind
        case "amr": self = .amr
        case "acr": self = .acr
        case "email.domain": self = .emailDomain
        case "user": self = .user
        default:
            guard name.hasPrefix("claims."), name.count > 7 else { return nil }
            self = .claim(String(name.dropFirst(7)))
        }
    }

    /// The field names flow files may use (`claims.<name>` stands for any claim).
    public static let names = ["app", "org", "org.path", "connection", "connection.kind", "amr", "acr", "email.domain", "user", "claims.<name>"]

    /// The operators that make sense for the field.
    var operators: [String] {
        switch self {
        case .app, .emailDomain: ["equals", "in"]
        case .organization, .connection, .connectionKind, .claim: ["equals", "in", "exists"]
        case .organizationPath, .amr: ["contains"]
        case .acr: ["at_least", "equals", "exists"]
        case .user: ["exists"]
        }
    }
}

/// How a field is tested.
public enum PredicateOperator: Sendable, Hashable {
    /// The value equals.
    case equals(String)
    /// The value is one of.
    case oneOf([String])
    /// The list contains.
    case contains(String)
    /// The field is present (true) or absent (false).
    case exists(Bool)
    /// The level is at least (by configured rank).
    case atLeast(LevelName)

    /// All operator names.
    static let names = ["equals", "in", "contains", "exists", "at_least"]
}
