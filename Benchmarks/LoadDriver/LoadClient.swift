import Foundation

/// What a run measures; each client repeats one complete operation of it (docs/performance.md §5).
enum Scenario: String, CaseIterable, Sendable {
    /// After one password + TOTP login to the first app, repeated SSO logins to the second app with the
    /// session cookie: `GET /authorize`, which the session answers with the code at once → `POST /token`.
    case sso
    /// After one login with `offline_access`, repeated refresh-token grants (`POST /token`,
    /// `grant_type=refresh_token`), each with the refresh token the previous one rotated in.
    case token
    /// Complete logins of a new browser: authorize → email → password → TOTP code → code → token.
    case passwordTOTP = "password-totp"
    /// Complete brokered logins of a new browser, the app knowing the user's email (`login_hint`,
    /// `@acme.test`): authorize, which sends the browser to the SAML IdP with an AuthnRequest that the
    /// driver answers with a signed Response → POST to the ACS with `RelayState` and the browser's
    /// `SameSite=None` cookie → code → token (3 requests to the server).
    case brokeredSAML = "brokered-saml"
    /// As `brokered-saml`, but the user types the email on the login page first (two more requests:
    /// the page and its form).
    case brokeredSAMLTyped = "brokered-saml-typed"
    /// `GET /healthz`: one request through the server's whole middleware stack and nothing else, the
    /// HTTP floor under every other scenario's requests.
    case httpFloor = "http-floor"
    /// The first half of an SSO login: `GET /authorize` answered by the session with a code, which is
    /// never redeemed (a diagnosis: `sso` less this is the token request's cost).
    case authorizeOnly = "authorize-only"

    /// Whether the driver plays the customer's SAML IdP (and needs no password users).
    var isBrokered: Bool { self == .brokeredSAML || self == .brokeredSAMLTyped }
}

/// One of the concurrent clients: a browser with its cookie jar, the app's backend that redeems codes,
/// and the state a scenario carries from one repetition to the next. Its requests, one at a time,
/// all go over one keep-alive connection.
struct LoadClient {
    let scenario: Scenario
    let apps: BenchmarkDirectory.AppPair
    let pool: UserPool
    let identityProvider: TestIdentityProvider?
    let number: Int
    private let server: String
    private let connection: HTTPConnection
    private var browser: Browser
    private var backend: Browser
    private var refreshToken: String?
    /// Browsers started so far, each with its own client address.
    private var browsers = 0

    init(
        number: Int, scenario: Scenario, apps: BenchmarkDirectory.AppPair, pool: UserPool, identityProvider: TestIdentityProvider?,
        server: String, connection: HTTPConnection
    ) {
        self.number = number
        self.identityProvider = identityProvider
        self.scenario = scenario
        self.apps = apps
        self.pool = pool
        self.server = server
        self.connection = connection
        browser = Browser(server: server, address: nil, connection: connection)
        backend = Browser(server: server, address: nil, connection: connection)
    }

    /// The executor a task driving this client should prefer: its connection's event loop.
    var executor: EventLoopTaskExecutor { connection.executor }

    /// The scope of every authorization request: `offline_access` only where refresh tokens are exchanged.
    private var scope: String { scenario == .token ? "openid email profile offline_access" : "openid email profile" }

    /// What comes before the measured repetitions: the first login of the SSO and token scenarios.
    mutating func prepare() async throws {
        var fresh = newBrowser()
        switch scenario {
        case .sso, .authorizeOnly:
            _ = try await passwordLogin(apps.first, in: &fresh)
        case .token:
            guard let token = try await passwordLogin(apps.first, in: &fresh).refreshToken else {
                throw LoginFailure("no refresh token was issued for offline_access")
            }
            refreshToken = token
        case .passwordTOTP, .brokeredSAML, .brokeredSAMLTyped, .httpFloor:
            break
        }
        browser = fresh
    }

    /// One measured repetition.
    mutating func once() async throws {
        switch scenario {
        case .sso:
            let (code, attempt) = try await browser.authorizationCode(apps.second, scope: scope, user: nil)
            _ = try await backend.redeem(code, attempt: attempt, app: apps.second)
        case .token:
            guard let token = refreshToken else { throw LoginFailure("no refresh token") }
            guard let rotated = try await backend.refresh(token, app: apps.first).refreshToken else {
                throw LoginFailure("the refresh did not rotate the refresh token")
            }
            refreshToken = rotated
        case .passwordTOTP:
            var fresh = newBrowser()
            _ = try await passwordLogin(apps.first, in: &fresh)
        case .brokeredSAML, .brokeredSAMLTyped:
            var fresh = newBrowser()
            // 10 upstream users per client, provisioned (JIT) on their first login in the warm-up, then returning.
            let user = TestIdentityProvider.user(number * 10 + browsers % 10)
            let (code, attempt) = try await fresh.authorizationCode(
                apps.first, scope: scope, user: user, loginHint: scenario == .brokeredSAML ? user.email : nil,
                identityProvider: identityProvider)
            _ = try await backend.redeem(code, attempt: attempt, app: apps.first)
        case .authorizeOnly:
            _ = try await browser.authorizationCode(apps.second, scope: scope, user: nil)
        case .httpFloor:
            let reply = try await backend.get("/healthz")
            guard reply.status == 200 else { throw LoginFailure("the health check failed", reply) }
        }
    }

    private mutating func passwordLogin(_ app: LoadApp, in browser: inout Browser) async throws -> TokenSet {
        let (user, index) = try await pool.take()
        let pool = self.pool
        let (code, attempt) = try await browser.authorizationCode(app, scope: scope, user: user) { step in
            await pool.used(index, step: step)
        }
        return try await backend.redeem(code, attempt: attempt, app: app)
    }

    /// A browser with an empty cookie jar and an address of its own (10.client.x.y): every new browser
    /// is another person, so the per-address limit (30 submissions in 5 minutes) is never reached.
    private mutating func newBrowser() -> Browser {
        browsers += 1
        let address = "10.\(number % 250).\(browsers / 250 % 250).\(browsers % 250 + 1)"
        return Browser(server: server, address: address, connection: connection)
    }
}
