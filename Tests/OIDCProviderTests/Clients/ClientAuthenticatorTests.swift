import Directory
import FlowEngine
import Foundation
import JWTKit
import Testing
@testable import OIDCProvider

struct ClientAuthenticatorTests {
    let provider: Provider
    init() async throws { provider = try await Provider.make() }

    var authenticator: ClientAuthenticator { provider.service.clientAuthenticator }

    func authenticate(_ parameters: [String: [String]], _ header: String? = nil, at time: Date = now) async throws -> OIDCClient {
        try await authenticator.authenticate(parameters: parameters, authorizationHeader: header, now: time)
    }

    func failure(_ parameters: [String: [String]], _ header: String? = nil, at time: Date = now) async -> OAuthError? {
        await oauthError { try await authenticate(parameters, header, at: time) }
    }

    func jwtParameters(_ assertion: String) -> [String: [String]] {
        ["client_assertion_type": [ClientAuthenticator.jwtBearerAssertionType], "client_assertion": [assertion]]
    }

    // MARK: client_secret_basic

    @Test("client_secret_basic with the right secret")
    func basicAccepts() async throws {
        #expect(try await authenticate([:], Provider.basic()).id == "web")
    }

    @Test("client_secret_basic with a wrong secret is invalid_client with a Basic challenge")
    func basicRejectsWrongSecret() async {
        let error = await failure([:], Provider.basic("web", "wrong"))
        #expect(error?.error == "invalid_client")
        #expect(error?.status == 401)
        #expect(error?.wwwAuthenticate?.hasPrefix("Basic") == true)
    }

    @Test("an unknown client and a wrong secret read the same")
    func unknownClientLooksLikeWrongSecret() async {
        let unknown = await failure([:], Provider.basic("nobody", "x"))
        let wrong = await failure([:], Provider.basic("web", "x"))
        #expect(unknown?.error == "invalid_client")
        #expect(unknown?.description == wrong?.description)
    }

    @Test("Basic credentials are form-urlencoded (RFC 6749 §2.3.1)")
    func basicDecodesFormEncoding() async throws {
        let secret = "a:b+c%d é"
        let app = Application(id: "odd id", name: "Odd", flow: "f", redirectURIs: ["https://odd.example/cb"])
        let registry = ClientRegistry(clients: [try OIDCClient(application: app, settings: OIDCClientSettings(secretHash: secretHash(secret)))])
        let authenticator = ClientAuthenticator(registry: registry, configuration: provider.configuration, store: provider.store)
        let header = "Basic " + Data("\(OAuthParameters.encode("odd id")):\(OAuthParameters.encode(secret))".utf8).base64EncodedString()
        #expect(try await authenticator.authenticate(parameters: [:], authorizationHeader: header, now: now).id == "odd id")
    }

    @Test("malformed Basic credentials are refused", arguments: ["Basic !!!", "Basic " + Data("no-colon".utf8).base64EncodedString(), "Basic " + Data(":secret".utf8).base64EncodedString()])
    func basicRejectsMalformed(header: String) async {
        #expect(await failure([:], header)?.error == "invalid_client")
    }

    @Test("client_id in the form must match the Basic credentials")
    func basicRejectsDifferentFormClientID() async {
        #expect(await failure(["client_id": ["post-client"]], Provider.basic())?.error == "invalid_client")
    }

    @Test("a client registered for Basic cannot use client_secret_post")
    func basicClientRejectsPost() async {
        let error = await failure(["client_id": ["web"], "client_secret": [Provider.webSecret]])
        #expect(error?.error == "invalid_client")
        #expect(error?.description.contains("client_secret_basic") == true)
    }

    // MARK: client_secret_post

    @Test("client_secret_post with the right secret")
    func postAccepts() async throws {
        #expect(try await authenticate(["client_id": ["post-client"], "client_secret": [Provider.postSecret]]).id == "post-client")
    }

    @Test("client_secret_post with a wrong secret")
    func postRejectsWrongSecret() async {
        #expect(await failure(["client_id": ["post-client"], "client_secret": ["nope"]])?.error == "invalid_client")
    }

    @Test("a client registered for client_secret_post cannot use Basic")
    func postClientRejectsBasic() async {
        #expect(await failure([:], Provider.basic("post-client", Provider.postSecret))?.error == "invalid_client")
    }

    // MARK: mixing, none, no secret

    @Test("two methods in one request are refused", arguments: [
        (["client_secret": [Provider.webSecret]], true),
        (["client_assertion_type": [ClientAuthenticator.jwtBearerAssertionType], "client_assertion": ["x.y.z"]], true),
        (["client_id": ["post-client"], "client_secret": [Provider.postSecret], "client_assertion_type": [ClientAuthenticator.jwtBearerAssertionType], "client_assertion": ["x.y.z"]], false),
    ])
    func rejectsMixedMethods(parameters: [String: [String]], withBasic: Bool) async {
        let error = await failure(parameters, withBasic ? Provider.basic() : nil)
        #expect(error?.error == "invalid_client")
        #expect(error?.description.contains("more than one") == true)
    }

    @Test("a confidential client cannot use method none")
    func confidentialRejectsNone() async {
        #expect(await failure(["client_id": ["web"]])?.error == "invalid_client")
    }

    @Test("a public client authenticates with its client_id only, and may not use a secret")
    func publicClientUsesNone() async throws {
        #expect(try await authenticate(["client_id": ["spa"]]).id == "spa")
        #expect(await failure(["client_id": ["spa"], "client_secret": ["anything"]])?.error == "invalid_client")
    }

    @Test("a client without a registered secret can never authenticate")
    func clientWithoutSecretFails() async {
        #expect(await failure([:], Provider.basic("bare", ""))?.error == "invalid_client")
        #expect(await failure([:], Provider.basic("bare", "guess"))?.error == "invalid_client")
    }

    @Test("a request that names no client is refused")
    func rejectsAnonymous() async {
        #expect(await failure([:])?.error == "invalid_client")
    }

    // MARK: private_key_jwt

    @Test("private_key_jwt with a valid assertion (aud = token endpoint or issuer)", arguments: [issuer + "/token", issuer])
    func jwtAccepts(audience: String) async throws {
        let assertion = try await provider.clientKeys.assertion(aud: audience)
        #expect(try await authenticate(jwtParameters(assertion)).id == "jwt-client")
    }

    @Test("an assertion signed by another key is refused")
    func jwtRejectsBadSignature() async throws {
        let assertion = try await provider.clientKeys.assertion(signingKey: ES256PrivateKey())
        #expect(await failure(jwtParameters(assertion))?.error == "invalid_client")
    }

    @Test("an assertion whose signature was altered is refused")
    func jwtRejectsTamperedSignature() async throws {
        var characters = Array(try await provider.clientKeys.assertion())
        // A character well inside the signature (the last one carries unused padding bits).
        let index = characters.count - 10
        characters[index] = characters[index] == "A" ? "B" : "A"
        let assertion = String(characters)
        #expect(await failure(jwtParameters(assertion))?.error == "invalid_client")
    }

    @Test("a replayed assertion (same jti) is refused")
    func jwtRejectsReplay() async throws {
        let assertion = try await provider.clientKeys.assertion(jti: "once")
        #expect(try await authenticate(jwtParameters(assertion)).id == "jwt-client")
        let error = await failure(jwtParameters(assertion))
        #expect(error?.error == "invalid_client")
        #expect(error?.description.contains("jti") == true)
        // A new assertion with the same jti is a replay too.
        let again = try await provider.clientKeys.assertion(jti: "once")
        #expect(await failure(jwtParameters(again))?.error == "invalid_client")
    }

    @Test("assertion claims that are refused", arguments: [
        ("wrong aud", "https://elsewhere.example/token", "jwt-client", "jwt-client", 120.0, "j1" as String?, "aud must be"),
        ("expired", issuer + "/token", "jwt-client", "jwt-client", -60.0, "j2", "expired"),
        ("exp too far ahead", issuer + "/token", "jwt-client", "jwt-client", 7_200.0, "j3", "too far"),
        ("iss is not the client", issuer + "/token", "web", "jwt-client", 120.0, "j4", "iss and sub"),
        ("sub names another client", issuer + "/token", "jwt-client", "web", 120.0, "j5", "client_secret_basic"),
        ("no jti", issuer + "/token", "jwt-client", "jwt-client", 120.0, nil, "no jti"),
    ])
    func jwtRejectsClaims(
        name: String, aud: String, iss: String, sub: String, expiresIn: Double, jti: String?, reason: String
    ) async throws {
        let assertion = try await provider.clientKeys.assertion(iss: iss, sub: sub, aud: aud, exp: now.addingTimeInterval(expiresIn), jti: jti)
        let error = await failure(jwtParameters(assertion))
        #expect(error?.error == "invalid_client", "\(name)")
        #expect(error?.description.contains(reason) == true, "\(name): \(error?.description ?? "")")
    }

    @Test("an assertion within the clock skew after exp is still accepted")
    func jwtAllowsClockSkew() async throws {
        let assertion = try await provider.clientKeys.assertion(exp: now.addingTimeInterval(-10))
        #expect(try await authenticate(jwtParameters(assertion)).id == "jwt-client")
    }

    @Test("an assertion with an unknown kid is refused")
    func jwtRejectsUnknownKid() async throws {
        let assertion = try await provider.clientKeys.assertion(kid: "other-kid")
        #expect(await failure(jwtParameters(assertion))?.error == "invalid_client")
    }

    @Test("an HMAC-signed assertion is refused (no client_secret_jwt, no algorithm confusion)")
    func jwtRejectsHMAC() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: String(repeating: "s", count: 32)), digestAlgorithm: .sha256, kid: "client-key-1")
        let claims = ClientAssertionClaims(
            iss: "jwt-client", sub: "jwt-client", aud: AudienceClaim(value: [issuer + "/token"]),
            exp: now.addingTimeInterval(60).timeIntervalSince1970, jti: "h1")
        let assertion = try await keys.sign(claims, kid: "client-key-1")
        #expect(await failure(jwtParameters(assertion))?.error == "invalid_client")
    }

    @Test("a wrong client_assertion_type is refused")
    func jwtRejectsWrongAssertionType() async throws {
        let assertion = try await provider.clientKeys.assertion()
        #expect(await failure(["client_assertion_type": ["urn:other"], "client_assertion": [assertion]])?.error == "invalid_client")
    }

    @Test("a client registered for a secret cannot use private_key_jwt, and vice versa")
    func jwtWrongMethod() async throws {
        let assertion = try await provider.clientKeys.assertion(iss: "web", sub: "web")
        #expect(await failure(jwtParameters(assertion))?.error == "invalid_client")
        #expect(await failure([:], Provider.basic("jwt-client", "anything"))?.error == "invalid_client")
    }

    @Test("client_id in the form must match the assertion")
    func jwtRejectsDifferentFormClientID() async throws {
        var parameters = jwtParameters(try await provider.clientKeys.assertion())
        parameters["client_id"] = ["web"]
        #expect(await failure(parameters)?.error == "invalid_client")
    }

    @Test("a private_key_jwt client redeems a code end to end")
    func jwtClientRedeemsCode() async throws {
        let code = try await provider.code(for: try provider.request(client: "jwt-client"))
        let assertion = try await provider.clientKeys.assertion()
        var parameters = jwtParameters(assertion)
        parameters["grant_type"] = ["authorization_code"]
        parameters["code"] = [code]
        parameters["redirect_uri"] = ["https://jwt.example/cb"]
        let response = try await provider.service.token(parameters: parameters, authorizationHeader: nil, now: now)
        #expect(response.idToken != nil)
    }
}
