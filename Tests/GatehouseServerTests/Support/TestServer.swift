import Authenticators
import Directory
import FlowEngine
import Foundation
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOPosix
import Login
import OIDCProvider
import Synchronization
import Testing

/// The repository root, for the committed flows and fixtures.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

let alicePassword = "correct horse battery staple"
let aliceSecret = "GatehouseFixtureSecretAlice00001"

/// A clock tests move by hand (2026-03-02T09:00:00Z to begin with).
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_772_442_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// A Gatehouse server over a real SQLite file in a temporary folder, loaded with fixtures/directory.json
/// (optionally changed) and the committed flows (plus extra ones), with a fixed clock and a stub in
/// place of the OAuth endpoints.
struct TestServer {
    let folder: URL
    let clock: TestClock
    var configuration: ServerConfiguration
    let directory: DirectoryConfig
    let outbox = MemoryOutbox()

    /// A password-only flow, for logins that reach loa1 only (step-up tests).
    static let passwordOnlyFlow = """
        {
          "start": "identify",
          "steps": {
            "identify": { "type": "identify", "next": { "success": "discover" } },
            "discover": { "type": "discover", "next": { "found": "password", "unknown": "password", "suspended": "denied" } },
            "password": { "type": "password", "next": { "success": "allow", "failure": "denied", "locked": "denied" } },
            "allow": { "type": "allow" },
            "denied": { "type": "deny", "reason": "denied", "message": "Not this time." }
          }
        }
        """

    /// Sets up the folder, the database and the flows.
    /// - Parameters:
    ///   - change: Edits to the fixture directory before it is imported.
    ///   - configure: Edits to the server configuration.
    static func make(
        change: (inout DirectoryConfig) -> Void = { _ in }, configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-server-\(UUID().uuidString)")
        let flows = folder.appendingPathComponent("flows")
        try FileManager.default.createDirectory(at: flows, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("flows").path)
        where name.hasSuffix(".json") && name != "schema.json" {
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent("flows").appendingPathComponent(name), to: flows.appendingPathComponent(name))
        }
        try Data(passwordOnlyFlow.utf8).write(to: flows.appendingPathComponent("password-only.json"))
        var directory = try DirectoryConfig.load(path: repositoryRoot.appendingPathComponent("fixtures/directory.json").path)
        directory.apps.append(Application(id: "wiki", name: "Team Wiki", flow: "saas-console", requiredLevel: "loa1"))
        directory.apps.append(Application(id: "notes", name: "Notes", flow: "password-only", requiredLevel: "loa1"))
        change(&directory)
        let store = try await SQLiteStore.open(path: folder.appendingPathComponent("gatehouse.sqlite").path)
        try await store.replaceDirectory(with: directory)
        try await store.close()
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.databasePath = folder.appendingPathComponent("gatehouse.sqlite").path
        configuration.flowsDirectory = flows.path
        configure(&configuration)
        return TestServer(folder: folder, clock: TestClock(), configuration: configuration, directory: directory)
    }

    /// The server's runtime (a fresh one opens the database again: "another node").
    /// The runtime over this server's store, logging to `logger` when given.
    func runtime(logger: Logger? = nil) async throws -> GatehouseRuntime {
        var environment = ServerEnvironment()
        let clock = self.clock
        environment.clock = { clock.now }
        environment.outbox = outbox
        environment.credentialSettings = CredentialSettings(passwordHasher: PasswordHasher(cost: .test))
        // TEST_LOG=1 swift test … prints the servers' logs (the reason behind a 500, say); silent otherwise.
        environment.logger = logger ?? Logger(label: "gatehouse.test", factory: { _ in ProcessInfo.processInfo.environment["TEST_LOG"] != nil ? StreamLogHandler.standardError(label: "t") as any LogHandler : SwiftLogNoOpLogHandler() })
        return try await GatehouseRuntime.make(configuration: configuration, environment: environment)
    }

    /// The application with the stub OAuth endpoints.
    func application(stub: StubOAuth = StubOAuth()) async throws -> (some ApplicationProtocol, GatehouseRuntime) {
        let runtime = try await runtime()
        return (try await buildApplication(runtime: runtime, extensions: [stub]), runtime)
    }

    /// Removes the temporary folder.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The current TOTP code of a fixture secret.
    func totp(_ secret: String = aliceSecret) throws -> String {
        try TOTPAuthenticator().code(secret: secret, at: clock.now)
    }
}

/// Stands in for the OAuth endpoints: `/authorize` builds an ``AuthorizationRequest`` from the query
/// without validating it and calls ``LoginController/begin(authorizationRequest:request:context:)``; the
/// hooks answer with plain text the tests read.
struct StubOAuth: GatehouseExtension {
    var thirdParty: Set<AppID> = []
    /// Answer like a real provider: redirect to the app with a "code" that carries the nonce, the PKCE
    /// challenge and the subject in clear (for the demo test's token endpoint).
    var redirectWithCode = false

    func configure(hooks: inout LoginHooks, runtime: GatehouseRuntime) async throws {
        let redirectWithCode = self.redirectWithCode
        hooks.onAuthenticated = { authorization, session, _ in
            if redirectWithCode {
                let code = try JSONEncoder().encode(
                    ["sub": session.user.rawValue, "nonce": authorization.nonce ?? "", "challenge": authorization.codeChallenge ?? ""])
                var components = URLComponents(string: authorization.redirectURI)!
                components.queryItems = [
                    URLQueryItem(name: "code", value: code.base64EncodedString()), URLQueryItem(name: "state", value: authorization.state),
                ]
                return Response(status: .found, headers: [.location: components.string!])
            }
            let text = [
                "authenticated", "app=\(authorization.clientID)", "sub=\(session.user)", "sid=\(session.sid)",
                "org=\(session.organization?.id.rawValue ?? "-")", "roles=\(session.roles.joined(separator: ","))",
                "acr=\(session.acr?.rawValue ?? "-")", "amr=\(session.amr.joined(separator: ","))",
                "auth_time=\(Int(session.authTime.timeIntervalSince1970))",
            ].joined(separator: " ")
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        hooks.onDenied = { authorization, error, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "denied app=\(authorization.clientID) error=\(error.error)")))
        }
        let thirdParty = self.thirdParty
        hooks.isFirstParty = { !thirdParty.contains($0) }
    }

    func addRoutes(to router: Router<GatehouseRequestContext>, login: LoginController, runtime: GatehouseRuntime) async throws {
        router.get("/authorize") { request, context in
            let query = request.uri.queryParameters
            let authorization = AuthorizationRequest(
                clientID: AppID(query.get("client_id") ?? "console"), redirectURI: query.get("redirect_uri") ?? "https://app.example/cb",
                scopes: (query.get("scope") ?? "openid").split(separator: " ").map(String.init), state: query.get("state"),
                nonce: query.get("nonce"), codeChallenge: query.get("code_challenge"),
                prompt: (query.get("prompt") ?? "").split(separator: " ").map(String.init),
                maxAge: query.get("max_age").flatMap { Int($0) },
                acrValues: (query.get("acr_values") ?? "").split(separator: " ").map(String.init), loginHint: query.get("login_hint"),
                organizationHint: query.get("organization").map(OrgID.init))
            return try await login.begin(authorizationRequest: authorization, request: request, context: context)
        }
        router.get("/test/client") { _, context in
            "address=\(context.client.address?.description ?? "-") scheme=\(context.client.scheme) host=\(context.client.host ?? "-")"
        }
        // Where a handler runs, and where it runs again after an RS256 signature.
        router.get("/test/executor") { _, _ in
            let before = MultiThreadedEventLoopGroup.currentEventLoop != nil
            let keys = try await SigningKeyStore.open(
                store: MemoryStore(), kek: KeyEncryptionKey(base64: Data(repeating: 7, count: 32).base64EncodedString()), now: Date(),
                random: SystemRandom())
            _ = try await keys.sign(ExecutorProbeClaims(), algorithm: .rs256)
            let after = MultiThreadedEventLoopGroup.currentEventLoop != nil
            return "handler=\(before ? "event loop" : "pool") after-signing=\(after ? "event loop" : "pool")"
        }
    }
}

/// The claims `/test/executor` signs.
struct ExecutorProbeClaims: JWTPayload {
    var sub = SubjectClaim(value: "probe")
    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// A browser for tests: keeps cookies (by name and path), sends them back as a browser would
/// (`SameSite` included), and reads forms.
struct Browser {
    let client: any TestClientProtocol
    var cookies: [String: (path: String, value: String, sameSite: String)] = [:]
    var extraHeaders: HTTPFields = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    mutating func get(_ uri: String) async throws -> TestResponse {
        try await send(uri, method: .get, body: nil)
    }

    /// Posts a form; `crossSite`: from another site's page (an IdP's auto-posting form), which carries
    /// only the `SameSite=None` cookies (RFC 6265bis §5.2).
    mutating func post(_ uri: String, _ form: [(String, String)], crossSite: Bool = false) async throws -> TestResponse {
        let body = form.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        return try await send(uri, method: .post, body: body, contentType: "application/x-www-form-urlencoded", crossSite: crossSite)
    }

    /// Posts `fields` to the form of `page` with its CSRF token and its other hidden fields, as a browser does.
    mutating func submit(_ page: TestResponse, _ fields: [(String, String)]) async throws -> TestResponse {
        let html = page.text
        let action = try #require(html.firstMatch(of: /<form method="post" action="([^"]+)"/)?.1)
        let csrf = try #require(html.firstMatch(of: /name="csrf" value="([^"]+)"/)?.1)
        let hidden = html.matches(of: /<input type="hidden" name="([^"]+)" value="([^"]*)">/)
            .map { (String($0.1), Self.unescape(String($0.2))) }.filter { $0.0 != "csrf" }
        return try await post(Self.unescape(String(action)), [("csrf", String(csrf))] + hidden + fields)
    }

    /// Undoes Mustache's HTML escaping of an attribute value.
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Starts a login at the stub `/authorize` and follows its redirect to the first page.
    mutating func authorize(_ query: String = "client_id=console") async throws -> TestResponse {
        let response = try await get("/authorize?\(query)")
        guard response.status == .seeOther, let location = response.headers[.location] else { return response }
        return try await get(location)
    }

    mutating func send(
        _ uri: String, method: HTTPRequest.Method, body: String?, contentType: String? = nil, crossSite: Bool = false
    ) async throws -> TestResponse {
        var headers = extraHeaders
        headers[.accept] = "text/html"
        if let contentType { headers[.contentType] = contentType }
        let path = String(uri.prefix { $0 != "?" })
        let sent = cookies.filter { path.hasPrefix($0.value.path) && (!crossSite || $0.value.sameSite == "none") }.map { "\($0.key.split(separator: "|")[0])=\($0.value.value)" }
        if !sent.isEmpty { headers[.cookie] = sent.joined(separator: "; ") }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for header in response.headers[values: .setCookie] { remember(header) }
        return response
    }

    private mutating func remember(_ header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<equals])
        let value = String(pair[pair.index(after: equals)...])
        let path = parts.first { $0.lowercased().hasPrefix("path=") }.map { String($0.dropFirst(5)) } ?? "/"
        let sameSite = parts.first { $0.lowercased().hasPrefix("samesite=") }.map { $0.dropFirst(9).lowercased() } ?? "lax"
        let expired = parts.contains { $0.lowercased() == "max-age=0" } || value.isEmpty
        cookies["\(name)|\(path)"] = expired ? nil : (path, value, sameSite)
    }

    func cookie(_ name: String) -> String? {
        cookies.first { $0.key.hasPrefix("\(name)|") }?.value.value
    }

    private func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }
}

/// Runs `body` with a fresh server and removes its folder afterwards.
func withServer(
    change: (inout DirectoryConfig) -> Void = { _ in }, configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (TestServer) async throws -> Void
) async throws {
    let server = try await TestServer.make(change: change, configure: configure)
    defer { server.remove() }
    try await body(server)
}
