import FlowEngine
import Foundation
import JWTKit

/// The provider's endpoints.
extension TestOIDCProvider {
    /// A request the provider answers with an error page rather than a redirect (RFC 6749 §4.1.2.1:
    /// never redirect to an unverified URI).
    struct ErrorPage: Error {
        var reason: String
    }

    /// How long an authorization code can be redeemed (RFC 6749 §4.1.2 recommends at most 10 minutes).
    static let codeLifetime: TimeInterval = 60

    // MARK: Discovery and keys

    func discoveryDocument() -> UpstreamHTTPResponse {
        if let size = misbehaviour.oversizedDiscovery {
            return UpstreamHTTPResponse(
                status: 200, headers: ["content-type": "application/json"], body: Array(repeating: UInt8(ascii: " "), count: size))
        }
        var document: [String: PlainJSON] = [
            "issuer": .string(misbehaviour.discoveryIssuer ?? configuration.issuer),
            "authorization_endpoint": .string(endpoint("authorize").absoluteString),
            "token_endpoint": .string(endpoint("token").absoluteString),
            "jwks_uri": .string(endpoint("jwks").absoluteString),
            "response_types_supported": .array([.string("code")]),
            "response_modes_supported": .array([.string("query"), .string("form_post")]),
            "subject_types_supported": .array([.string("public")]),
            "id_token_signing_alg_values_supported": .array([.string("RS256"), .string("ES256")]),
            "code_challenge_methods_supported": .array([.string("S256")]),
            "token_endpoint_auth_methods_supported": .array(
                TokenEndpointAuthMethod.allCases.map { .string($0.rawValue) }),
            "scopes_supported": .array([.string("openid"), .string("email"), .string("profile")]),
            "authorization_response_iss_parameter_supported": .bool(configuration.supportsIssuerParameter),
        ]
        if configuration.hasUserInfo { document["userinfo_endpoint"] = .string(endpoint("userinfo").absoluteString) }
        return .json(document)
    }

    func jwks() -> UpstreamHTTPResponse {
        let published = keys.filter { misbehaviour.publishedKeyIDs?.contains($0.keyID) ?? true }
        return .json(["keys": PlainJSON.array(published.compactMap { try? $0.publicJWK() }.map(PlainJSON.object))])
    }

    // MARK: Authorization endpoint

    func authorizationEndpoint(_ request: UpstreamHTTPRequest) -> UpstreamHTTPResponse {
        switch authorizationAnswer(request.queryParameters, subject: nil) {
        case .failure(let page):
            return UpstreamHTTPResponse(status: 400, headers: ["content-type": "text/plain"], body: Array(page.reason.utf8))
        case .success(let answer) where answer.mode == .formPost:
            let fields = answer.parameters.map { "<input type=\"hidden\" name=\"\(SAMLEncoding.xmlEscape($0.0))\" value=\"\(SAMLEncoding.xmlEscape($0.1))\">" }
            let page = """
                <!doctype html><html><body onload="document.forms[0].submit()">\
                <form method="post" action="\(SAMLEncoding.xmlEscape(answer.redirectURI.absoluteString))">\(fields.joined())\
                <noscript><button type="submit">Continue</button></noscript></form></body></html>
                """
            return UpstreamHTTPResponse(status: 200, headers: ["content-type": "text/html; charset=utf-8"], body: Array(page.utf8))
        case .success(let answer):
            let location = FormURLEncoding.appending(answer.parameters, to: answer.redirectURI)
            return UpstreamHTTPResponse(status: 302, headers: ["location": location.absoluteString])
        }
    }

    /// The answer to an authorization request (OIDC Core §3.1.2), approved by `subject`, or by the
    /// user the `login_hint` names, or by the first user.
    func authorizationAnswer(_ parameters: [String: String], subject: String?) -> Result<Answer, ErrorPage> {
        guard let clientID = parameters["client_id"], let client = clients[clientID] else {
            return .failure(ErrorPage(reason: "unknown client_id"))
        }
        guard let redirect = parameters["redirect_uri"], let redirectURI = client.redirectURIs.first(where: { $0.absoluteString == redirect })
        else {
            return .failure(ErrorPage(reason: "redirect_uri is not registered for \(clientID)"))
        }
        let mode = parameters["response_mode"].flatMap(ResponseMode.init(rawValue:)) ?? client.defaultResponseMode
        var common: [(String, String)] = []
        if let state = parameters["state"] { common.append(("state", state)) }
        switch misbehaviour.issuerParameter {
        case .correct where configuration.supportsIssuerParameter: common.append(("iss", configuration.tokenIssuer))
        case .value(let iss): common.append(("iss", iss))
        case .correct, .omitted: break
        }
        func refuse(_ error: String, _ description: String) -> Result<Answer, ErrorPage> {
            .success(Answer(redirectURI: redirectURI, parameters: [("error", error), ("error_description", description)] + common, mode: mode))
        }
        guard parameters["response_type"] == "code" else { return refuse("unsupported_response_type", "only code is supported") }
        guard (parameters["scope"] ?? "").split(separator: " ").contains("openid") else { return refuse("invalid_scope", "openid is required") }
        guard let challenge = parameters["code_challenge"], parameters["code_challenge_method"] == PKCE.method else {
            return refuse("invalid_request", "PKCE with code_challenge_method S256 is required")
        }
        let hint = parameters["login_hint"]
        let user =
            subject.map { wanted in users.first { $0.subject == wanted } }
            ?? hint.flatMap { hint in users.first { $0.email == hint || $0.subject == hint } } ?? users.first
        guard let user else { return refuse("access_denied", "no such user") }
        let code = random.token()
        codes[code] = AuthorizationCode(
            clientID: clientID, redirectURI: redirect, codeChallenge: challenge, nonce: parameters["nonce"], subject: user.subject,
            scope: parameters["scope"] ?? "openid", issuedAt: now(), used: false)
        return .success(Answer(redirectURI: redirectURI, parameters: [("code", code)] + common, mode: mode))
    }

    // MARK: Token endpoint

    func tokenEndpoint(_ request: UpstreamHTTPRequest) async -> UpstreamHTTPResponse {
        let form = request.formParameters
        guard form["grant_type"] == "authorization_code" else {
            return Self.oauthError("unsupported_grant_type", "only authorization_code is supported")
        }
        let client: Client
        switch await authenticateClient(request, form: form) {
        case .success(let authenticated): client = authenticated
        case .failure(let page): return Self.oauthError("invalid_client", page.reason, status: 401)
        }
        guard let code = form["code"], var entry = codes[code] else { return Self.oauthError("invalid_grant", "unknown code") }
        guard !entry.used else { return Self.oauthError("invalid_grant", "the code was already used") }
        entry.used = true
        codes[code] = entry
        guard entry.clientID == client.clientID else { return Self.oauthError("invalid_grant", "the code was issued to another client") }
        guard now().timeIntervalSince(entry.issuedAt) <= Self.codeLifetime else { return Self.oauthError("invalid_grant", "the code expired") }
        guard form["redirect_uri"] == entry.redirectURI else { return Self.oauthError("invalid_grant", "redirect_uri differs") }
        // RFC 7636 §4.6: the verifier must hash to the challenge the code was issued for.
        guard let verifier = form["code_verifier"] else {
            return Self.oauthError("invalid_grant", "code_verifier is required (PKCE)")
        }
        guard ConstantTime.equals(PKCE.challenge(for: verifier), entry.codeChallenge) else {
            return Self.oauthError("invalid_grant", "code_verifier does not match the code_challenge")
        }
        guard let user = users.first(where: { $0.subject == entry.subject }) else {
            return Self.oauthError("invalid_grant", "the user is gone")
        }
        let issued = now()
        let accessToken = random.token()
        accessTokens[accessToken] = (user.subject, client.clientID, issued.addingTimeInterval(3600))
        do {
            let idToken = try await signIDToken(for: user, client: client, nonce: entry.nonce, issuedAt: issued)
            return .json([
                "access_token": PlainJSON.string(accessToken), "token_type": .string("Bearer"), "expires_in": .number(3600),
                "id_token": .string(idToken), "scope": .string(entry.scope),
            ])
        } catch {
            return Self.oauthError("server_error", "could not sign the ID token: \(error)", status: 500)
        }
    }

    func signIDToken(for user: User, client: Client, nonce: String?, issuedAt: Date) async throws -> String {
        let seconds = issuedAt.timeIntervalSince1970.rounded(.down)
        var claims: [String: PlainJSON] = [
            "iss": .string(configuration.tokenIssuer), "sub": .string(user.subject), "aud": .string(client.clientID),
            "iat": .number(seconds), "exp": .number(seconds + configuration.idTokenLifetime), "auth_time": .number(seconds),
        ]
        if let nonce { claims["nonce"] = .string(nonce) }
        if let tenant = configuration.tenantID { claims["tid"] = .string(tenant) }
        if let acr = user.acr { claims["acr"] = .string(acr) }
        if !user.amr.isEmpty { claims["amr"] = .array(user.amr.map(PlainJSON.string)) }
        claims.merge(profile(of: user)) { _, profile in profile }
        claims.merge(misbehaviour.idTokenClaims) { _, override in override }
        for name in misbehaviour.removedIDTokenClaims { claims[name] = nil }
        let key =
            misbehaviour.signingKeyID.flatMap { id in keys.first { $0.keyID == id } }
            ?? keys.first { $0.algorithm == client.idTokenAlgorithm }
        guard let key else { throw FederationError(.configuration, "the test provider has no \(client.idTokenAlgorithm) key") }
        return try await Self.sign(claims, with: key)
    }

    /// `email`, `email_verified`, `name` and the user's own claims.
    func profile(of user: User) -> [String: PlainJSON] {
        var claims = user.claims
        if let email = user.email { claims["email"] = .string(email) }
        if let verified = user.emailVerified { claims["email_verified"] = .bool(verified) }
        if let name = user.name { claims["name"] = .string(name) }
        return claims
    }

    /// Client authentication as the client was registered (OIDC Core §9).
    func authenticateClient(_ request: UpstreamHTTPRequest, form: [String: String]) async -> Result<Client, ErrorPage> {
        var basic: (id: String, secret: String)?
        if let header = request.header("authorization"), header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        {
            basic = (FormURLEncoding.decode(component: decoded[..<colon]), FormURLEncoding.decode(component: decoded[decoded.index(after: colon)...]))
        }
        guard let clientID = basic?.id ?? form["client_id"], let client = clients[clientID] else {
            return .failure(ErrorPage(reason: "unknown client"))
        }
        switch client.authentication {
        case .clientSecretBasic(let secret):
            guard let basic, ConstantTime.equals(basic.secret, secret) else { return .failure(ErrorPage(reason: "client_secret_basic failed")) }
        case .clientSecretPost(let secret):
            guard basic == nil, let sent = form["client_secret"], ConstantTime.equals(sent, secret) else {
                return .failure(ErrorPage(reason: "client_secret_post failed"))
            }
        case .privateKeyJWT(let pem):
            guard form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                let assertion = form["client_assertion"]
            else { return .failure(ErrorPage(reason: "private_key_jwt: no client assertion")) }
            do {
                let claims = try await Self.verify(assertion, publicKeyPEM: pem)
                let audiences = claims.audiences
                guard claims.issuer == clientID, claims.subject == clientID,
                    audiences.contains(endpoint("token").absoluteString) || audiences.contains(configuration.tokenIssuer),
                    let exp = claims.expiresAt, exp > now(), let jti = claims.string("jti"), !usedAssertionIDs.contains(jti)
                else { return .failure(ErrorPage(reason: "private_key_jwt: assertion claims are wrong, expired or replayed")) }
                usedAssertionIDs.insert(jti)
            } catch {
                return .failure(ErrorPage(reason: "private_key_jwt: \(error)"))
            }
        case .appleClientSecret(let teamID, let keyID, let pem):
            guard let secret = form["client_secret"] else { return .failure(ErrorPage(reason: "no client_secret")) }
            do {
                let claims = try await Self.verify(secret, publicKeyPEM: pem)
                let header = try CompactJWS(secret).header
                guard header.algorithm == "ES256", header.keyID == keyID, claims.issuer == teamID, claims.subject == clientID,
                    claims.audiences == ["https://appleid.apple.com"], let exp = claims.expiresAt, exp > now(),
                    let iat = claims.issuedAt, exp.timeIntervalSince(iat) <= 15_777_000
                else { return .failure(ErrorPage(reason: "Apple client secret: claims are wrong or expired")) }
            } catch {
                return .failure(ErrorPage(reason: "Apple client secret: \(error)"))
            }
        }
        return .success(client)
    }

    // MARK: Userinfo

    func userinfo(_ request: UpstreamHTTPRequest) -> UpstreamHTTPResponse {
        guard let header = request.header("authorization"), header.hasPrefix("Bearer "),
            let grant = accessTokens[String(header.dropFirst(7))], grant.expires > now(),
            let user = users.first(where: { $0.subject == grant.subject })
        else {
            return UpstreamHTTPResponse(status: 401, headers: ["www-authenticate": "Bearer error=\"invalid_token\""])
        }
        var claims = profile(of: user)
        claims["sub"] = .string(misbehaviour.userinfoSubject ?? user.subject)
        return .json(claims)
    }

    // MARK: Helpers

    static func oauthError(_ error: String, _ description: String, status: Int = 400) -> UpstreamHTTPResponse {
        .json(["error": error, "error_description": description], status: status)
    }

    static func sign(_ claims: [String: PlainJSON], with key: TestSigningKey) async throws -> String {
        let collection = JWTKeyCollection()
        try await key.add(to: collection)
        var header = JWTHeader()
        header.typ = "JWT"
        return try await collection.sign(ClaimSet(claims), kid: JWKIdentifier(string: key.keyID), header: header)
    }

    /// Verifies a JWT a client signed, with its registered public key (RSA or P-256 PEM).
    static func verify(_ token: String, publicKeyPEM: String) async throws -> IDTokenClaims {
        let collection = JWTKeyCollection()
        if let rsa = try? Insecure.RSA.PublicKey(pem: publicKeyPEM) {
            await collection.add(rsa: rsa, digestAlgorithm: .sha256)
        } else {
            await collection.add(ecdsa: try ES256PublicKey(pem: publicKeyPEM))
        }
        return IDTokenClaims(try await collection.verify(token, as: ClaimSet.self).claims)
    }
}
