import Authenticators
import Crypto
import FlowEngine

/// The `sub` a client sees for a user (OIDC Core §8).
public enum SubjectIdentifier {
    /// The user id for public clients; a pairwise pseudonym for pairwise clients.
    public static func subject(for user: UserID, client: OIDCClient, salt: [UInt8]) -> String {
        switch client.subjectType {
        case .public: user.rawValue
        case .pairwise: pairwise(sector: client.sectorIdentifier ?? "", user: user, salt: salt)
        }
    }

    /// `base64url(HMAC-SHA256(salt, sector_identifier ‖ user id))` (OIDC Core §8.1): the same for one
    /// user across every client of a sector (the host of its redirect URIs), different across sectors,
    /// and unlinkable to the user id without the salt.
    public static func pairwise(sector: String, user: UserID, salt: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array((sector + user.rawValue).utf8), using: SymmetricKey(data: salt))
        return Bytes.base64URL(mac)
    }
}
