import FlowEngine
import Foundation
import Testing

@testable import Federation

/// Whole logins against the in-process test provider: the happy paths and each way the answer can be wrong.
@Suite("OIDC relying party")
struct OIDCRelyingPartyTests {
    @Test(
        "logs in with each client authentication method and ID token algorithm",
        arguments: TokenEndpointAuthMethod.allCases, [IDTokenAlgorithm.rs256, .es256])
    func logsIn(method: TokenEndpointAuthMethod, algorithm: IDTokenAlgorithm) async throws {
        let harness = try await OIDCHarness(method: method, idTokenAlgorithm: algorithm)
        let identity = try await harness.login()
        #expect(identity.connection == "acme-oidc")
        #expect(identity.subject == "alice-0001")
        #expect(identity.email == "alice@acme.test")
        #expect(identity.amr == ["pwd", "otp"])
        #expect(identity.level == "loa2")
        #expect(identity.claims["name"] == "Alice Example")
        #expect(identity.claims["groups"] == "admins staff")
        #expect(identity.claims["iss"] == OIDCHarness.issuer)
        #expect(identity.claims["nonce"] == nil)
        #expect(await harness.provider.requestCount(path: "/token") == 1)
        #expect(await harness.provider.requestCount(path: "/userinfo") == 1)
    }

    @Test("the authorization request carries PKCE S256, state, nonce, login_hint and acr_values for the required level")
    func buildsAuthorizationRequest() async throws {
        let harness = try await OIDCHarness()
        let redirect = try await harness.relyingParty.startLogin(
            UpstreamRequest(step: "sso", connection: "acme-oidc", kind: .oidc, loginHint: "alice@acme.test", requiredLevel: "loa2"),
            now: harness.clock.now)
        let query = UpstreamHTTPRequest.get(redirect.url).queryParameters
        #expect(redirect.url.absoluteString.hasPrefix("https://idp.test/authorize?"))
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == OIDCHarness.clientID)
        #expect(query["redirect_uri"] == OIDCHarness.redirectURI.absoluteString)
        #expect(query["scope"] == "openid email profile")
        #expect(query["state"] == redirect.transaction.state)
        #expect(query["nonce"] == redirect.transaction.nonce)
        #expect(query["code_challenge"] == PKCE.challenge(for: redirect.transaction.codeVerifier))
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["login_hint"] == "alice@acme.test")
        #expect(query["acr_values"] == "urn:acme:mfa")
        #expect(query["response_mode"] == nil)
        #expect(redirect.transaction.state.count == 43)
        #expect(redirect.transaction.nonce != redirect.transaction.state)
        #expect(!redirect.transaction.description.contains(redirect.transaction.codeVerifier))
    }

    @Test("the PKCE verifier comes from the injected random source (RFC 7636 Appendix B vector)")
    func pkceFromInjectedRandom() throws {
        let octets: [UInt8] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88,
            83, 132, 141, 121,
        ]
        let pkce = PKCE(random: fixedRandom(octets))
        #expect(pkce.verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test("rejects an answer whose state is not the login's, before redeeming the code")
    func rejectsStateMismatch() async throws {
        let harness = try await OIDCHarness()
        await #expect(throws: FederationError(.stateMismatch, "")) {
            _ = try await harness.login { $0.parameters["state"] = "forged-state" }
        }
        await #expect(throws: FederationError(.stateMismatch, "")) {
            _ = try await harness.login { $0.parameters["state"] = nil }
        }
        #expect(await harness.provider.requestCount(path: "/token") == 0)
    }

    @Test("rejects an answer without iss when the provider advertises RFC 9207 support")
    func rejectsMissingIssuerParameter() async throws {
        let harness = try await OIDCHarness()
        await harness.provider.misbehave(misbehaviour { $0.issuerParameter = .omitted })
        await #expect(throws: FederationError(.issuerMismatch, "")) { _ = try await harness.login() }
        #expect(await harness.provider.requestCount(path: "/token") == 0)
    }

    @Test("rejects an answer whose iss names another provider (IdP mix-up), advertised or not", arguments: [true, false])
    func rejectsWrongIssuerParameter(advertised: Bool) async throws {
        let harness = try await OIDCHarness(
            providerConfiguration: .init(issuer: OIDCHarness.issuer, supportsIssuerParameter: advertised))
        await harness.provider.misbehave(misbehaviour { $0.issuerParameter = .value("https://attacker.test") })
        await #expect(throws: FederationError(.issuerMismatch, "")) { _ = try await harness.login() }
        #expect(await harness.provider.requestCount(path: "/token") == 0)
    }

    @Test("accepts an answer without iss when the provider does not advertise RFC 9207")
    func acceptsMissingIssuerWhenNotAdvertised() async throws {
        let harness = try await OIDCHarness(providerConfiguration: .init(issuer: OIDCHarness.issuer, supportsIssuerParameter: false))
        #expect(try await harness.login().subject == "alice-0001")
    }

    @Test("maps an error answer to statusNotSuccess, with the IdP's error code")
    func mapsErrorAnswer() async throws {
        let harness = try await OIDCHarness()
        do {
            _ = try await harness.login { answer in
                answer.parameters["code"] = nil
                answer.parameters["error"] = "access_denied"
                answer.parameters["error_description"] = "The user said no\u{7}"
            }
            Issue.record("an error answer was accepted")
        } catch let error as FederationError {
            #expect(error.code == .statusNotSuccess)
            #expect(error.reason.contains("access_denied: The user said no"))
            #expect(
                UpstreamResponse.failure(error) == .failed(reason: "statusNotSuccess", message: "The identity provider did not complete the sign-in.")
            )
        }
    }

    @Test("refuses a discovery document that names another issuer")
    func rejectsDiscoveryIssuerMismatch() async throws {
        let harness = try await OIDCHarness()
        await harness.provider.misbehave(misbehaviour { $0.discoveryIssuer = "https://idp.test/other" })
        await #expect(throws: FederationError(.issuerMismatch, "")) {
            _ = try await harness.relyingParty.metadata(now: harness.clock.now)
        }
    }

    @Test("rejects userinfo whose sub is not the ID token's")
    func rejectsUserInfoSubjectMismatch() async throws {
        let harness = try await OIDCHarness()
        await harness.provider.misbehave(misbehaviour { $0.userinfoSubject = "mallory" })
        await #expect(throws: FederationError(.tokenInvalid, "")) { _ = try await harness.login() }
    }

    @Test(
        "rejects ID tokens the provider got wrong: audience, nonce, issuer, expiry",
        arguments: [
            ("aud", PlainJSON.string("another-client"), FederationError.Code.audienceMismatch),
            ("nonce", .string("stale"), .nonceMismatch),
            ("iss", .string("https://idp.test/tenant"), .issuerMismatch),
            ("exp", .number(OIDCFixtures.referenceTime.timeIntervalSince1970 - 3600), .expired),
        ])
    func rejectsBadIDTokenEndToEnd(claim: String, value: PlainJSON, code: FederationError.Code) async throws {
        let harness = try await OIDCHarness()
        await harness.provider.misbehave(misbehaviour { $0.idTokenClaims = [claim: value] })
        await #expect(throws: FederationError(code, "")) { _ = try await harness.login() }
    }

    @Test("rejects an ID token without nonce end to end")
    func rejectsMissingNonceEndToEnd() async throws {
        let harness = try await OIDCHarness()
        await harness.provider.misbehave(misbehaviour { $0.removedIDTokenClaims = ["nonce"] })
        await #expect(throws: FederationError(.nonceMismatch, "")) { _ = try await harness.login() }
    }

    @Test("a code is redeemed once; the same answer again fails")
    func rejectsReplayedAnswer() async throws {
        let harness = try await OIDCHarness()
        let redirect = try await harness.relyingParty.startLogin(
            UpstreamRequest(step: "sso", connection: "acme-oidc", kind: .oidc, loginHint: nil, requiredLevel: nil), now: harness.clock.now)
        let answer = try await harness.provider.authorize(redirect.url, as: "alice-0001")
        _ = try await harness.relyingParty.finishLogin(answer, transaction: redirect.transaction, now: harness.clock.now)
        await #expect(throws: FederationError(.statusNotSuccess, "")) {
            _ = try await harness.relyingParty.finishLogin(answer, transaction: redirect.transaction, now: harness.clock.now)
        }
    }

    @Test("refuses to finish a login older than the transaction lifetime")
    func rejectsStaleTransaction() async throws {
        let harness = try await OIDCHarness()
        let redirect = try await harness.relyingParty.startLogin(
            UpstreamRequest(step: "sso", connection: "acme-oidc", kind: .oidc, loginHint: nil, requiredLevel: nil), now: harness.clock.now)
        let answer = try await harness.provider.authorize(redirect.url, as: "alice-0001")
        harness.clock.advance(by: AuthorizationTransaction.lifetime + 1)
        await #expect(throws: FederationError(.expired, "")) {
            _ = try await harness.relyingParty.finishLogin(answer, transaction: redirect.transaction, now: harness.clock.now)
        }
    }

    @Test("an unverified email is not passed on; other claims are")
    func dropsUnverifiedEmail() async throws {
        let harness = try await OIDCHarness()
        await harness.provider.add(.init(subject: "bob-0002", email: "bob@acme.test", emailVerified: false))
        let redirect = try await harness.relyingParty.startLogin(
            UpstreamRequest(step: "sso", connection: "acme-oidc", kind: .oidc, loginHint: nil, requiredLevel: nil), now: harness.clock.now)
        let answer = try await harness.provider.authorize(redirect.url, as: "bob-0002")
        let identity = try await harness.relyingParty.finishLogin(answer, transaction: redirect.transaction, now: harness.clock.now)
        #expect(identity.subject == "bob-0002")
        #expect(identity.email == nil)
        #expect(identity.claims["email_verified"] == "false")
    }

    @Test("maps amr to a level when acr is not mapped")
    func mapsAMRToLevel() async throws {
        let harness = try await OIDCHarness { settings in
            settings.levels = OIDCLevelMapping(amr: [AMRLevelRule(amr: ["pwd", "otp"], level: "loa2"), AMRLevelRule(amr: ["pwd"], level: "loa1")])
        }
        #expect(try await harness.login().level == "loa2")
    }
}
