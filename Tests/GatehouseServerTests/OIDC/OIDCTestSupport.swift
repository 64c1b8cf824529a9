import AsyncHTTPClient
import Crypto
import CryptoExtras
import Directory
import FlowEngine
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OIDCProvider
import ServiceLifecycle
import Synchronization
import Testing

/// RSA-2048 generation is slow in debug builds: provider tests take their RSA keys from a pool made
/// once per process (fresh P-256 keys are cheap).
enum TestSigningKeys {
    static let pool: [_RSA.Signing.PrivateKey] = (0..<2).map { _ in try! _RSA.Signing.PrivateKey(keySize: .bits2048) }
    private static let next = Mutex(0)

    static let generator = SigningKeyGenerator(
        rsa: { pool[next.withLock { value in defer { value += 1 }; return value } % pool.count] },
        p256: { P256.Signing.PrivateKey() })
}

/// A registered client of fixtures/directory.json, as the tests use it at the token endpoint.
struct ClientApp: Sendable {
    enum Authentication: Sendable {
        case basic(String)
        case post(String)
        case none
    }

    let id: String
    let redirectURI: String
    let authentication: Authentication

    /// Confidential, `client_secret_basic`, first-party, RS256.
    static let console = ClientApp(id: "console", redirectURI: "http://127.0.0.1:8080/demo/callback", authentication: .basic("console-demo-secret"))
    /// Public (PKCE required), third-party: the consent page.
    static let partners = ClientApp(id: "partners", redirectURI: "https://partners.example/callback", authentication: .none)
    /// Confidential, `client_secret_post`, ES256, pairwise subjects.
    static let admin = ClientApp(id: "admin", redirectURI: "https://admin.example/callback", authentication: .post("admin-demo-secret"))
    /// Public, first-party, on the console's flow: a second app for single sign-on.
    static let reports = ClientApp(id: "reports", redirectURI: "https://reports.example/cb", authentication: .none)
    /// Public, first-party, password only (loa1): the first login of a step-up.
    static let notes = ClientApp(id: "notes", redirectURI: "https://notes.example/cb", authentication: .none)
}

/// One authorization request's secrets: what the client keeps between the redirect and the callback.
struct PendingAuthorization {
    let app: ClientApp
    let state = "state-" + UUID().uuidString
    let nonce = "nonce-" + UUID().uuidString
    let verifier = pkceVerifier()
    var challenge: String { PKCE.challenge(forVerifier: verifier) }

    /// The `/authorize` query: code flow, PKCE S256, `state`, `nonce`, and `extra`.
    func query(scope: String = "openid email profile", extra: [(String, String)] = []) -> String {
        OAuthParameters.encode(
            [
                ("response_type", "code"), ("client_id", app.id), ("redirect_uri", app.redirectURI), ("scope", scope),
                ("state", state), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256"),
            ] + extra)
    }
}

/// A PKCE code verifier: 43 base64url characters (RFC 7636 §4.1).
func pkceVerifier() -> String {
    Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

/// The query parameters of a redirect `Location`.
func queryItems(of location: String) -> [String: String] {
    let query = location.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
    return OAuthParameters.parse(query).compactMapValues(\.first)
}

/// The query parameters of a redirect response's `Location`.
func redirectItems(_ response: TestResponse) throws -> [String: String] {
    queryItems(of: try #require(response.headers[.location], "no Location (status \(response.status))"))
}

/// A running provider: the fixture directory, the real ``OIDCEndpoints``, a live loopback port.
struct ProviderTest {
    let server: TestServer
    let runtime: GatehouseRuntime
    let client: any TestClientProtocol

    var issuer: String { server.configuration.issuer }

    /// The 32-byte key-encryption key of every provider test.
    static let kek = [UInt8](repeating: 7, count: 32)

    // MARK: Browser side

    /// Sends `browser` to `/authorize` and through every page until the provider redirects to the
    /// app; signs in as alice (password, TOTP) and allows consent when asked.
    /// - Returns: The redirect back to the app (its `Location`), or the last page when there is none.
    func authorize(_ browser: inout Browser, _ pending: PendingAuthorization, scope: String = "openid email profile",
        extra: [(String, String)] = []) async throws -> TestResponse
    {
        var response = try await browser.get("/authorize?" + pending.query(scope: scope, extra: extra))
        for _ in 0..<12 {
            if let location = response.headers[.location] {
                guard location.hasPrefix("/") else { return response }
                response = try await browser.get(location)
                continue
            }
            let page = response.text
            // Only the login pages' own forms are answered (the form_post page posts to the app).
            guard page.contains(#"action="/login/"#) else { return response }
            if page.contains(#"name="email""#) {
                response = try await browser.submit(response, [("email", "alice@globex.test")])
            } else if page.contains(#"name="password""#) {
                response = try await browser.submit(response, [("password", alicePassword)])
            } else if page.contains(#"name="code""#) {
                response = try await browser.submit(response, [("code", try server.totp())])
            } else if page.contains(#"name="decision""#) {
                response = try await browser.submit(response, [("decision", "allow")])
            } else {
                return response
            }
        }
        Issue.record("the login did not end")
        return response
    }

    /// Logs in and returns the authorization code, checking the redirect's `state` and `iss` (RFC 9207).
    func code(_ browser: inout Browser, _ pending: PendingAuthorization, scope: String = "openid email profile",
        extra: [(String, String)] = []) async throws -> String
    {
        let response = try await authorize(&browser, pending, scope: scope, extra: extra)
        #expect(response.status == .seeOther)
        let location = try #require(response.headers[.location])
        #expect(location.hasPrefix(pending.app.redirectURI + "?"))
        let items = queryItems(of: location)
        #expect(items["state"] == pending.state)
        #expect(items["iss"] == issuer)
        return try #require(items["code"], "no code in \(location)")
    }

    // MARK: Back channel

    /// POSTs a form, with the app's client authentication.
    func post(_ path: String, _ fields: [(String, String)], as app: ClientApp?, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = fields
        var headers = headers
        headers[.contentType] = headers[.contentType] ?? "application/x-www-form-urlencoded"
        if let app {
            switch app.authentication {
            case .basic(let secret):
                let credentials = OAuthParameters.encode(app.id) + ":" + OAuthParameters.encode(secret)
                headers[.authorization] = "Basic " + Data(credentials.utf8).base64EncodedString()
            case .post(let secret):
                fields += [("client_id", app.id), ("client_secret", secret)]
            case .none:
                fields.append(("client_id", app.id))
            }
        }
        return try await client.execute(
            uri: path, method: .post, headers: headers, body: ByteBuffer(string: OAuthParameters.encode(fields.map { ($0.0, $0.1) })))
    }

    /// Redeems a code at `/token`.
    func redeem(_ code: String, _ pending: PendingAuthorization) async throws -> TestResponse {
        try await post(
            "/token",
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", pending.app.redirectURI), ("code_verifier", pending.verifier)],
            as: pending.app)
    }

    /// Uses a refresh token at `/token`.
    func refresh(_ token: String, as app: ClientApp) async throws -> TestResponse {
        try await post("/token", [("grant_type", "refresh_token"), ("refresh_token", token)], as: app)
    }

    /// Logs alice in to `pending.app` and redeems the code: the token response's JSON.
    func tokens(_ browser: inout Browser, _ pending: PendingAuthorization, scope: String = "openid email profile offline_access")
        async throws -> [String: Any]
    {
        let code = try await code(&browser, pending, scope: scope)
        let response = try await redeem(code, pending)
        #expect(response.status == .ok)
        return try json(response)
    }

    /// `GET /userinfo` with a bearer token.
    func userInfo(_ accessToken: String) async throws -> TestResponse {
        try await client.execute(uri: "/userinfo", method: .get, headers: [.authorization: "Bearer " + accessToken])
    }

    /// Verifies an ID token's signature against the keys the provider publishes at `/jwks`.
    func verifiedIDToken(_ token: String) async throws -> IDTokenClaims {
        let jwks = try await client.execute(uri: "/jwks", method: .get)
        let keys = try await JWTKeyCollection().add(jwksJSON: jwks.text)
        return try await keys.verify(token, as: IDTokenClaims.self)
    }
}

/// The body of a response as a JSON object.
func json(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any], "not a JSON object: \(response.text)")
}

/// Runs `body` against a provider on a live loopback port, over a fresh copy of fixtures/directory.json.
///
/// `partners` and `admin` sign in through an IdP or social login in their real flows; here they run
/// the console's flow (password + TOTP, loa2), so their client registrations — public with PKCE and
/// consent; `client_secret_post`, ES256 and pairwise — can be exercised end to end.
func withProvider(
    change: @escaping (inout DirectoryConfig) -> Void = { _ in }, configure: @escaping (inout ServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (ProviderTest) async throws -> Void
) async throws {
    try await withServer(
        change: { directory in
            for index in directory.apps.indices where ["partners", "admin"].contains(directory.apps[index].id.rawValue) {
                directory.apps[index].flow = "saas-console"
                directory.apps[index].requiredLevel = "loa2"
            }
            directory.apps.append(
                Application(
                    id: "reports", name: "Reports", flow: "saas-console", requiredLevel: "loa1", redirectURIs: [ClientApp.reports.redirectURI],
                    client: OIDCClientSettings(type: .public, tokenEndpointAuthMethod: .none)))
            if let notes = directory.apps.firstIndex(where: { $0.id == "notes" }) {
                directory.apps[notes].redirectURIs = [ClientApp.notes.redirectURI]
                directory.apps[notes].client = OIDCClientSettings(type: .public, tokenEndpointAuthMethod: .none)
            }
            change(&directory)
        },
        configure: { configuration in
            configuration.keyEncryptionKey = ProviderTest.kek
            configure(&configuration)
        }
    ) { server in
        let runtime = try await server.runtime()
        do {
            let app = try await buildApplicationWithProvider(runtime: runtime)
            try await app.test(.live) { client in
                try await body(ProviderTest(server: server, runtime: runtime, client: client))
            }
        } catch {
            // A test that throws ends the server early: close the store ourselves so the failure is reported, not a crash.
            try? await (runtime.store as? SQLiteStore)?.close()
            throw error
        }
    }
}

/// The application with the real OIDC endpoints (and test signing keys).
func buildApplicationWithProvider(runtime: GatehouseRuntime) async throws -> some ApplicationProtocol {
    try await buildApplication(runtime: runtime, extensions: [OIDCEndpoints(keyGenerator: TestSigningKeys.generator)])
}

/// A loopback port that was free a moment ago (for a server that must know its own address before it starts).
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = try #require(channel.localAddress?.port)
    try await channel.close()
    return port
}

/// Runs `app` on the address its configuration names (a second node, on a port known in advance)
/// while `body` runs, then shuts it down gracefully.
func whileServing(_ app: some ApplicationProtocol, at origin: String, _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(
        configuration: .init(services: [app], logger: Logger(label: "gatehouse.test.node", factory: { _ in SwiftLogNoOpLogHandler() })))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await waitUntilAnswering(origin + "/healthz")
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// Polls `url` until it answers 200 (five seconds at most).
func waitUntilAnswering(_ url: String) async throws {
    for _ in 0..<100 {
        if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(1)), response.status == .ok {
            return
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("\(url) did not answer")
}
