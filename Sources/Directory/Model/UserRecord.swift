import FlowEngine

/// A stored account: who the user is, their local credentials (if any) and their memberships.
///
/// `description` redacts ``passwordHash`` and ``totpSecret`` so a record can be logged safely.
public struct UserRecord: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Whether the account may sign in.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// The account may sign in.
        case active
        /// The account is blocked.
        case suspended
    }

    /// The stable subject identifier.
    public var id: UserID
    /// The account's email address, as given; lookups by email ignore case.
    public var email: String
    /// Display name, if known.
    public var name: String?
    /// Whether the account may sign in.
    public var status: Status
    /// The encoded password hash (`$scrypt$…`), for accounts with a local password.
    public var passwordHash: String?
    /// The encoded TOTP seed, for accounts enrolled from configuration.
    public var totpSecret: String?
    /// The organizations the user belongs to, with roles.
    public var memberships: [Membership]

    /// Creates a user record.
    public init(
        id: UserID, email: String, name: String? = nil, status: Status = .active, passwordHash: String? = nil,
        totpSecret: String? = nil, memberships: [Membership] = []
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.status = status
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        self.memberships = memberships
    }

    /// The record with its secrets replaced by `<redacted>`.
    public var description: String {
        let secrets = [passwordHash.map { _ in "passwordHash: <redacted>" }, totpSecret.map { _ in "totpSecret: <redacted>" }]
            .compactMap { $0 }
        let fields = ["id: \(id)", "email: \(email)", "status: \(status.rawValue)"] + secrets
            + ["memberships: \(memberships.map { "\($0.org)\($0.roles)" })"]
        return "UserRecord(\(fields.joined(separator: ", ")))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }
}
