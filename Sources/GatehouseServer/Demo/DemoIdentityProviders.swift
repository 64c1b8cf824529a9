import Directory
import Federation
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The identity providers `gatehouse serve --demo` runs itself, so the demo's customer organizations
/// can sign in through real SAML and OpenID Connect without a real customer IdP:
///
/// - a SAML IdP at `/test-idp/saml` (``SAMLTestIdP``, signing with `fixtures/keys/saml-idp.key.pem`)
///   whose page signs in whoever the user names, with or without MFA;
/// - an OpenID Provider at `/test-idp/oidc` (``TestOIDCProvider``, RS256 with
///   `fixtures/keys/oidc-provider-rs256.key.pem`) that approves the `login_hint` at once.
///
/// Each SAML or OIDC connection of the directory that has no `settings` is pointed at them
/// (``settings(for:)``). The relying party reaches the OpenID Provider in-process (``routing(fallback:)``);
/// browsers reach both over HTTP.
///
/// - Warning: Demo only. The keys are committed to the repository: anyone can sign as these IdPs.
struct DemoIdentityProviders: Sendable {
    /// The SAML IdP.
    let saml: SAMLTestIdP
    /// The OpenID Provider.
    let oidc: TestOIDCProvider
    /// Our public base URL.
    let issuer: String
    let random: RandomBytes

    /// The client id and secret Gatehouse has at the demo OpenID Provider.
    static let clientID = "gatehouse-demo"
    static let clientSecret = "demo-idp-client-secret"
    static let samlPath = "/test-idp/saml"
    static let oidcPath = "/test-idp/oidc"

    /// Loads the test keys (from `fixtures/keys` beside the directory configuration's folder, else
    /// under the working directory) and registers Gatehouse at the OpenID Provider.
    static func make(runtime: GatehouseRuntime, random: RandomBytes) async throws -> DemoIdentityProviders {
        let issuer = runtime.configuration.issuer
        let keys = keysDirectory(runtime.configuration)
        func read(_ name: String) throws -> String {
            do {
                return try String(contentsOf: keys.appendingPathComponent(name), encoding: .utf8)
            } catch {
                throw ServerConfigurationError("the demo needs the test key \(keys.appendingPathComponent(name).path) (run from the repository)")
            }
        }
        let saml = SAMLTestIdP(
            entityID: issuer + samlPath,
            signingKey: try SAMLSigningKey(privateKeyPEM: try read("saml-idp.key.pem"), certificatePEM: try read("saml-idp.crt.pem")))
        let clock = runtime.clock
        let oidc = TestOIDCProvider(
            configuration: .init(issuer: issuer + oidcPath), keys: [try TestSigningKey.fixtureKeys(in: keys).rs256], now: clock,
            random: random)
        let callbacks = runtime.directory.config.connections.filter { $0.kind == .oidc && $0.settings == nil }
            .compactMap { URL(string: UpstreamConnections.redirectURI(issuer: issuer, connection: $0.id)) }
        await oidc.register(.init(clientID: clientID, redirectURIs: callbacks, authentication: .clientSecretBasic(clientSecret)))
        return DemoIdentityProviders(saml: saml, oidc: oidc, issuer: issuer, random: random)
    }

    private static func keysDirectory(_ configuration: ServerConfiguration) -> URL {
        if let config = configuration.directoryConfigPath {
            let beside = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("../fixtures/keys").standardizedFileURL
            if FileManager.default.fileExists(atPath: beside.path) { return beside }
        }
        return URL(fileURLWithPath: "fixtures/keys")
    }

    /// Settings that point every SAML and OIDC connection without settings at these IdPs.
    func settings(for connections: [Connection]) -> [ConnectionID: PlainJSON] {
        var settings: [ConnectionID: PlainJSON] = [:]
        for connection in connections where connection.settings == nil {
            switch connection.kind {
            case .saml:
                settings[connection.id] = .object([
                    "idp_entity_id": .string(saml.entityID), "sso_url": .string(issuer + Self.samlPath + "/sso"),
                    "signing_certificates": .array([.string(saml.signingKey.certificatePEM)]), "want_assertions_signed": .bool(true),
                    "attribute_mapping": .object(["email": .string("email"), "name": .string("name")]),
                ])
            case .oidc:
                settings[connection.id] = .object([
                    "issuer": .string(issuer + Self.oidcPath), "client_id": .string(Self.clientID),
                    "client_secret": .string(Self.clientSecret), "token_endpoint_auth_method": .string("client_secret_basic"),
                ])
            default:
                break
            }
        }
        return settings
    }

    /// The relying party's network: requests to the OpenID Provider are answered in-process, the rest
    /// go to `fallback`.
    func routing(fallback: any UpstreamHTTP) -> any UpstreamHTTP {
        DemoUpstreamHTTP(provider: oidc, base: issuer + Self.oidcPath, fallback: fallback)
    }

    // MARK: Routes

    /// `GET|POST /test-idp/saml/sso` and `/test-idp/oidc/*`.
    func addRoutes(to router: Router<GatehouseRequestContext>, runtime: GatehouseRuntime) {
        router.get(RouterPath(Self.samlPath + "/sso")) { request, _ in try ssoPage(request, runtime: runtime) }
        router.post(RouterPath(Self.samlPath + "/sso")) { request, context in try await respond(request, context: context, runtime: runtime) }
        for path in ["/.well-known/openid-configuration", "/jwks", "/authorize", "/userinfo"] {
            router.get(RouterPath(Self.oidcPath + path)) { request, _ in await forward(request, path: path) }
        }
        router.post(RouterPath(Self.oidcPath + "/token")) { request, context in
            await forward(request, path: "/token", body: try await request.body.collect(upTo: context.bodyLimit))
        }
    }

    /// The SAML IdP's sign-in page for an AuthnRequest (HTTP-Redirect binding).
    private func ssoPage(_ request: Request, runtime: GatehouseRuntime) throws -> Response {
        let query = request.uri.queryParameters
        guard let samlRequest = query.get("SAMLRequest") else { throw HTTPError(.badRequest, message: "SAMLRequest is missing.") }
        let authnRequest = try received(samlRequest, binding: .httpRedirect)
        let connection = runtime.directory.config.connections.first {
            UpstreamConnections.entityID(issuer: issuer, connection: $0.id) == authnRequest.issuer
        }
        let domain = connection.flatMap { connection in
            runtime.directory.config.organizations.first { $0.connection == connection.id }?.domains.first?.domain
        }
        return runtime.pages.render(
            "demo-idp", titleKey: "demo_idp.title",
            values: [
                "action": Self.samlPath + "/sso", "saml_request": Data(Array(authnRequest.xml.utf8)).base64EncodedString(),
                "relay_state": query.get("RelayState") ?? "", "request_id": authnRequest.id, "sp": authnRequest.issuer,
                "email": "ada@\(domain ?? "acme.test")",
            ],
            branding: .standard)
    }

    /// Signs the Response for the named user and posts it to the AuthnRequest's ACS.
    private func respond(_ request: Request, context: GatehouseRequestContext, runtime: GatehouseRuntime) async throws -> Response {
        let form = try await FederationBroker.form(request, context: context)
        guard let samlRequest = form["SAMLRequest"], let email = form["email"], email.contains("@") else {
            throw HTTPError(.badRequest, message: "Enter an email address.")
        }
        let authnRequest = try received(samlRequest, binding: .httpPOST)
        let user = SAMLTestIdP.User(
            nameID: email, attributes: ["email": [email], "name": [String(email.prefix { $0 != "@" }).capitalized]],
            authnContextClassRef: form["mfa"] == "yes" ? "http://schemas.microsoft.com/claims/multipleauthn" : SAML.AuthnContextClass.passwordProtectedTransport)
        let issued = try saml.response(to: authnRequest, user: user, now: runtime.clock(), randomBytes: random.bytes)
        var fields = [(name: "SAMLResponse", value: issued.base64)]
        if let relayState = form["RelayState"], !relayState.isEmpty { fields.append((name: "RelayState", value: relayState)) }
        return runtime.pages.autoPost(.saml, to: issued.assertionConsumerServiceURL, fields: fields)
    }

    /// An AuthnRequest addressed to this IdP by one of this server's connections (the IdP answers no
    /// one else: it must not post signed assertions to another site's ACS).
    private func received(_ samlRequest: String, binding: SAMLBinding) throws -> AuthnRequest {
        let authnRequest: AuthnRequest
        do {
            authnRequest = try AuthnRequest(received: samlRequest, binding: binding)
        } catch {
            throw HTTPError(.badRequest, message: "SAMLRequest is not a SAML AuthnRequest.")
        }
        guard authnRequest.assertionConsumerServiceURL.hasPrefix(issuer + "/federation/saml/"),
            authnRequest.issuer.hasPrefix(issuer + "/federation/saml/")
        else {
            throw HTTPError(.badRequest, message: "The demo IdP only answers this Gatehouse server.")
        }
        return authnRequest
    }

    /// Hands a browser request to the OpenID Provider and returns its answer.
    private func forward(_ request: Request, path: String, body: ByteBuffer? = nil) async -> Response {
        var url = issuer + Self.oidcPath + path
        if let query = request.uri.query { url += "?" + query }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let upstream = UpstreamHTTPRequest(
            method: request.method == .post ? .post : .get, url: URL(string: url) ?? URL(fileURLWithPath: "/"), headers: headers,
            body: body.map { Array(buffer: $0) } ?? [])
        if path == "/authorize", let hint = request.uri.queryParameters.get("login_hint"), hint.contains("@") {
            await oidc.addIfMissing(TestOIDCProvider.User(subject: "demo-" + hint.lowercased(), email: hint.lowercased(), name: nil))
        }
        let answer = await oidc.handle(upstream)
        var response = Response(status: .init(code: answer.status), body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}

/// Answers requests under `base` with the demo OpenID Provider, and sends the rest to `fallback`.
struct DemoUpstreamHTTP: UpstreamHTTP {
    let provider: TestOIDCProvider
    let base: String
    let fallback: any UpstreamHTTP

    func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        request.url.absoluteString.hasPrefix(base + "/") ? await provider.handle(request) : try await fallback.send(request)
    }
}
