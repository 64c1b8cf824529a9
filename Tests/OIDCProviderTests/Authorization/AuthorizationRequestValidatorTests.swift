import FlowEngine
import Testing
@testable import OIDCProvider

/// One way to break a valid request, and how the validator must answer.
struct Breakage: Sendable, CustomTestStringConvertible {
    let name: String
    /// Parameters to set (a nil value removes the parameter).
    let changes: [String: [String]?]
    let error: String
    /// Whether the error may go back to the redirect URI (false: error page only).
    let redirects: Bool

    var testDescription: String { name }

    static func page(_ name: String, _ changes: [String: [String]?], _ error: String = "invalid_request") -> Breakage {
        Breakage(name: name, changes: changes, error: error, redirects: false)
    }

    static func redirect(_ name: String, _ changes: [String: [String]?], _ error: String = "invalid_request") -> Breakage {
        Breakage(name: name, changes: changes, error: error, redirects: true)
    }
}

struct AuthorizationRequestValidatorTests {
    static let valid: [String: [String]] = [
        "client_id": ["web"], "redirect_uri": ["https://web.example/cb"], "response_type": ["code"],
        "scope": ["openid email"], "state": ["s-1"], "nonce": ["n-1"],
    ]

    static let breakages: [Breakage] = [
        // Never redirected: the client or the redirect URI cannot be trusted.
        .page("no client_id", ["client_id": nil]),
        .page("unknown client_id", ["client_id": ["nobody"]], "invalid_client"),
        .page("repeated client_id", ["client_id": ["web", "web"]]),
        .page("oversized client_id", ["client_id": [String(repeating: "w", count: 300)]]),
        .page("no redirect_uri", ["redirect_uri": nil]),
        .page("unregistered redirect_uri", ["redirect_uri": ["https://evil.example/cb"]]),
        .page("redirect_uri extending a registered one", ["redirect_uri": ["https://web.example/cb/../../evil"]]),
        .page("redirect_uri that is a prefix of a registered one", ["redirect_uri": ["https://web.example/c"]]),
        .page("redirect_uri with an added query", ["redirect_uri": ["https://web.example/cb?next=evil"]]),
        .page("redirect_uri differing in case", ["redirect_uri": ["https://WEB.example/cb"]]),
        .page("redirect_uri with a trailing slash", ["redirect_uri": ["https://web.example/cb/"]]),
        .page("redirect_uri of another client", ["redirect_uri": ["https://post.example/cb"]]),
        .page("repeated redirect_uri", ["redirect_uri": ["https://web.example/cb", "https://web.example/cb"]]),
        .page("oversized redirect_uri", ["redirect_uri": ["https://web.example/cb?" + String(repeating: "x", count: 2_100)]]),
        .page("too many parameters", Dictionary(uniqueKeysWithValues: (0..<40).map { ("p\($0)", ["x"]) })),
        // Sent back to the client.
        .redirect("no response_type", ["response_type": nil]),
        .redirect("implicit response_type", ["response_type": ["token"]], "unsupported_response_type"),
        .redirect("hybrid response_type", ["response_type": ["code id_token"]], "unsupported_response_type"),
        .redirect("no scope", ["scope": nil], "invalid_scope"),
        .redirect("scope without openid", ["scope": ["email profile"]], "invalid_scope"),
        .redirect("scope with a forbidden character", ["scope": ["openid \"email\""]], "invalid_scope"),
        .redirect("repeated scope", ["scope": ["openid", "openid email"]]),
        .redirect("repeated nonce", ["nonce": ["a", "b"]]),
        .redirect("plain PKCE", ["code_challenge": [String(repeating: "a", count: 43)], "code_challenge_method": ["plain"]]),
        .redirect("challenge without method (plain by default)", ["code_challenge": [String(repeating: "a", count: 43)]]),
        .redirect("method without challenge", ["code_challenge_method": ["S256"]]),
        .redirect("malformed challenge", ["code_challenge": ["short"], "code_challenge_method": ["S256"]]),
        .redirect("challenge with non-base64url characters", ["code_challenge": [String(repeating: "+", count: 43)], "code_challenge_method": ["S256"]]),
        .redirect("prompt none with login", ["prompt": ["none login"]]),
        .redirect("prompt none with consent", ["prompt": ["consent none"]]),
        .redirect("unknown prompt", ["prompt": ["bogus"]]),
        .redirect("negative max_age", ["max_age": ["-1"]]),
        .redirect("non-numeric max_age", ["max_age": ["soon"]]),
        .redirect("fractional max_age", ["max_age": ["1.5"]]),
        .redirect("huge max_age", ["max_age": ["99999999999999999999999"]]),
        .redirect("request object", ["request": ["eyJ..."]], "request_not_supported"),
        .redirect("request_uri", ["request_uri": ["https://web.example/req"]], "request_uri_not_supported"),
        .redirect("registration", ["registration": ["{}"]], "registration_not_supported"),
        .redirect("unknown response_mode", ["response_mode": ["fragment"]]),
        .redirect("oversized nonce", ["nonce": [String(repeating: "n", count: 513)]]),
        .redirect("oversized login_hint", ["login_hint": [String(repeating: "l", count: 513)]]),
        .redirect("oversized acr_values", ["acr_values": [String(repeating: "a", count: 513)]]),
        .redirect("oversized organization", ["organization": [String(repeating: "o", count: 257)]]),
        .redirect("oversized unknown parameter", ["ui_locales": [String(repeating: "u", count: 4_097)]]),
        .redirect("oversized scope", ["scope": ["openid " + String(repeating: "s", count: 1_100)]], "invalid_request"),
    ]

    let provider: Provider

    init() async throws { provider = try await Provider.make() }

    private func validate(_ changes: [String: [String]?], base: [String: [String]] = valid) -> Result<AuthorizationRequest, AuthorizationFailure> {
        var parameters = base
        for (name, value) in changes { parameters[name] = value }
        return provider.validator.validate(parameters: parameters)
    }

    @Test("every rule rejects, and only client/redirect_uri problems stay off the redirect", arguments: breakages)
    func rejects(_ breakage: Breakage) throws {
        guard case .failure(let failure) = validate(breakage.changes) else {
            Issue.record("\(breakage.name) was accepted")
            return
        }
        #expect(failure.error.error == breakage.error)
        if breakage.redirects {
            let response = try #require(failure.response)
            #expect(response.redirectURI == "https://web.example/cb")
            #expect(response.parameters.contains(.init(name: "iss", value: issuer)))
            #expect(response.parameters.contains(.init(name: "error", value: breakage.error)))
        } else {
            #expect(failure.response == nil)
        }
    }

    @Test("a public client must use PKCE")
    func rejectsPublicClientWithoutPKCE() throws {
        let base: [String: [String]] = [
            "client_id": ["spa"], "redirect_uri": ["https://spa.example/cb"], "response_type": ["code"], "scope": ["openid"],
            "state": ["xyz"],
        ]
        guard case .failure(.redirect(let error, let response)) = validate([:], base: base) else {
            Issue.record("a public client without PKCE was accepted")
            return
        }
        #expect(error.error == "invalid_request")
        #expect(response.parameters.contains(.init(name: "state", value: "xyz")))
        var withPKCE = base
        withPKCE["code_challenge"] = [PKCE.challenge(forVerifier: String(repeating: "v", count: 43))]
        withPKCE["code_challenge_method"] = ["S256"]
        #expect(throws: Never.self) { try provider.validator.validate(parameters: withPKCE).get() }
    }

    @Test("errors carry the request's state and iss, in the requested response mode")
    func errorResponseCarriesStateAndIssuer() throws {
        guard case .failure(.redirect(_, let response)) = validate(["response_type": ["token"], "response_mode": ["form_post"]]) else {
            Issue.record("expected a redirected error")
            return
        }
        #expect(response.responseMode == .formPost)
        #expect(response.parameters.map(\.name) == ["error", "error_description", "state", "iss"])
        #expect(response.location.hasPrefix("https://web.example/cb?error=unsupported_response_type&"))
        #expect(response.location.hasSuffix("&state=s-1&iss=https%3A%2F%2Flogin.gatehouse.test"))
    }

    @Test("a state that cannot be read is not echoed")
    func repeatedStateIsNotEchoed() throws {
        guard case .failure(.redirect(let error, let response)) = validate(["state": ["a", "b"]]) else {
            Issue.record("expected a redirected error")
            return
        }
        #expect(error.error == "invalid_request")
        #expect(!response.parameters.contains { $0.name == "state" })
    }

    @Test("a valid request keeps every parameter, drops unknown scopes and unconfigured levels")
    func acceptsFullRequest() throws {
        let challenge = PKCE.challenge(forVerifier: String(repeating: "v", count: 64))
        let request = try validate([
            "scope": ["openid email profile offline_access api:write"], "prompt": ["login consent"], "max_age": ["0"],
            "acr_values": ["loa2 loa9 loa1"], "login_hint": ["alice@acme.test"], "organization": ["acme"],
            "response_mode": ["form_post"], "code_challenge": [challenge], "code_challenge_method": ["S256"],
            "ui_locales": ["fr"],
        ]).get()
        #expect(request.clientID == "web")
        #expect(request.redirectURI == "https://web.example/cb")
        #expect(request.scopes == ["openid", "email", "profile", "offline_access"])
        #expect(request.state == "s-1")
        #expect(request.nonce == "n-1")
        #expect(request.codeChallenge == challenge)
        #expect(request.prompt == ["login", "consent"])
        #expect(request.maxAge == 0)
        #expect(request.acrValues == ["loa2", "loa1"])
        #expect(request.loginHint == "alice@acme.test")
        #expect(request.organizationHint == OrgID("acme"))
        #expect(request.responseMode == "form_post")
    }

    @Test("prompt=none alone is accepted")
    func acceptsPromptNone() throws {
        #expect(try validate(["prompt": ["none"]]).get().prompt == ["none"])
    }

    @Test("an app without client settings is known at /authorize")
    func acceptsClientWithoutSettings() throws {
        let request = try validate(["client_id": ["bare"], "redirect_uri": ["https://bare.example/cb"]]).get()
        #expect(request.clientID == "bare")
    }

    @Test("the success response keeps the redirect URI's query and adds code, state and iss")
    func successResponse() throws {
        var request = try validate([:]).get()
        request.redirectURI = "https://web.example/cb?tenant=a"
        request.state = "a+b&c=d"
        let response = AuthorizationResponse.success(code: "c0de", for: request, issuer: issuer)
        #expect(response.location == "https://web.example/cb?tenant=a&code=c0de&state=a%2Bb%26c%3Dd&iss=https%3A%2F%2Flogin.gatehouse.test")
    }
}
