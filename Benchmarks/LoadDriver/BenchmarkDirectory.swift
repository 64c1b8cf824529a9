import Authenticators
import Crypto
import Foundation

/// The directory configuration the load runs use: the test directory plus one organization (`loadco`, domain `load.test`)
/// whose users sign in with password + TOTP through `flows/saas-console.json`, and two pairs of apps —
/// one signing ID tokens with RS256, one with ES256 — so that an SSO login can go to a second app.
enum BenchmarkDirectory {
    /// Every app's client secret (its SHA-256 is in the configuration).
    static let secret = "load-driver-secret"
    /// Every app's redirect URI; nothing listens there: the driver reads the code from the `Location`.
    static let redirectURI = "http://127.0.0.1:9/callback"

    /// The ID token algorithms an app can register (`id_token_signed_response_alg`).
    enum Algorithm: String, CaseIterable, Sendable {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    /// The app of the first login and the app of the SSO logins, for one ID token algorithm.
    struct AppPair: Sendable {
        var first: LoadApp
        var second: LoadApp
    }

    static func apps(_ algorithm: Algorithm) -> AppPair {
        let suffix = algorithm == .rs256 ? "" : "-es"
        return AppPair(
            first: LoadApp(id: "load-a\(suffix)", secret: secret, redirectURI: redirectURI),
            second: LoadApp(id: "load-b\(suffix)", secret: secret, redirectURI: redirectURI))
    }

    /// The user `index`: `user-N@load.test` with its own password and TOTP secret.
    static func user(_ index: Int) -> LoadUser {
        LoadUser(
            email: "user-\(index)@load.test", password: "load password \(index)",
            totpSecret: "LoadDriverSecret" + String(format: "%016d", index))
    }

    /// The configuration as JSON (`directory.json`, the format of docs/configuration.md): the test
    /// directory `fixtures/directory.json` (the flows in `flows/` name its levels, connections and
    /// organizations, and every flow is checked against the configuration at start) plus the load
    /// organization, its apps and its users.
    /// - Parameters:
    ///   - fixture: The parsed `fixtures/directory.json`.
    ///   - passwordHashes: One scrypt hash per user, in user order.
    ///   - flowsDirectory: Absolute path of the repository's `flows/`.
    static func configuration(fixture: [String: Any], passwordHashes: [String], flowsDirectory: String) throws -> Data {
        let secretHash = SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
        let apps: [[String: Any]] = Algorithm.allCases.flatMap { algorithm in
            let pair = Self.apps(algorithm)
            return [pair.first, pair.second].map { app -> [String: Any] in
                [
                    "id": app.id, "name": "Load \(app.id)", "flow": "saas-console", "required_level": "loa1",
                    "redirect_uris": [app.redirectURI],
                    "client": [
                        "type": "confidential", "token_endpoint_auth_method": "client_secret_basic", "secret_hash": secretHash,
                        "id_token_signed_response_alg": algorithm.rawValue,
                    ],
                ]
            }
        }
        let users: [[String: Any]] = passwordHashes.enumerated().map { index, hash in
            let user = user(index)
            return [
                "id": "u-load-\(index)", "email": user.email, "name": "Load User \(index)", "password_hash": hash,
                "totp_secret": user.totpSecret, "memberships": [["org": "loadco", "roles": ["member"]]],
            ]
        }
        let organization: [String: Any] = [
            "id": "loadco", "name": "Load Test Co",
            "domains": [["domain": "load.test", "verified": true, "include_subdomains": false, "verified_at": "2026-01-01T00:00:00Z"]],
        ]
        var document = fixture
        document["organizations"] = (fixture["organizations"] as? [Any] ?? []) + [organization]
        document["apps"] = (fixture["apps"] as? [Any] ?? []) + apps
        document["users"] = (fixture["users"] as? [Any] ?? []) + users
        document["flows_directory"] = flowsDirectory
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }
}
