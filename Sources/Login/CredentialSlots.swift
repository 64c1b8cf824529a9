import Authenticators
import Directory
import FlowEngine
import Foundation

/// The names of the per-user credential slots the login environment keeps in the store, and
/// typed access to them (values are JSON-encoded).
enum CredentialSlot: String {
    /// ``AttemptRecord`` for passwords.
    case passwordAttempts = "password.attempts"
    /// ``AttemptRecord`` for TOTP, recovery and email codes.
    case codeAttempts = "code.attempts"
    /// The last TOTP time step accepted (no code is accepted twice).
    case totpLastStep = "totp.last_step"
    /// A TOTP secret offered for enrollment and not yet confirmed.
    case totpPending = "totp.pending"
    /// SHA-256 hashes of the unused recovery codes.
    case recoveryCodes = "recovery_codes"

    /// The slot name of the link between an account and an upstream subject.
    static func upstreamLink(_ connection: ConnectionID) -> String { "upstream:\(connection)" }
}

extension DirectoryStore {
    func read<T: Decodable>(_ type: T.Type, _ slot: CredentialSlot, of user: UserID) async throws -> T? {
        guard let data = try await credential(user: user, kind: slot.rawValue) else { return nil }
        return try JSONDecoder().decode(T.self, from: data)
    }

    func write<T: Encodable>(_ value: T, _ slot: CredentialSlot, of user: UserID) async throws {
        try await setCredential(user: user, kind: slot.rawValue, data: JSONEncoder().encode(value))
    }

    func clear(_ slot: CredentialSlot, of user: UserID) async throws {
        try await removeCredential(user: user, kind: slot.rawValue)
    }
}
