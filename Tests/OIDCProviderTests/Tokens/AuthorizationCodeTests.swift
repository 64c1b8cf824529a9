import Authenticators
import Directory
import Foundation
import Testing
@testable import OIDCProvider

struct AuthorizationCodeTests {
    let provider: Provider
    init() async throws { provider = try await Provider.make() }

    @Test("a code is redeemed once for an access token, an ID token and the granted scope")
    func redeemsCode() async throws {
        let code = try await provider.code(for: try provider.request())
        let response = try await provider.redeem(code)
        #expect(response.tokenType == "Bearer")
        #expect(response.expiresIn == 600)
        #expect(response.idToken != nil)
        #expect(response.refreshToken == nil)  // no offline_access
        #expect(response.scope == "openid email profile")
        #expect(response.noStore && TokenResponse.httpHeaders["Cache-Control"] == "no-store")
    }

    @Test("the code is stored only as its SHA-256, after its issue time")
    func storesOnlyTheHash() async throws {
        let code = try await provider.code(for: try provider.request())
        #expect(try await provider.store.ephemeral(namespace: TokenStore.codes, key: code, now: now) == nil)
        #expect(TokenStore.key(of: code) == String(code.prefix(8)) + Bytes.sha256Hex(code))
        #expect(try await provider.store.ephemeral(namespace: TokenStore.codes, key: TokenStore.key(of: code), now: now) != nil)
    }

    @Test("a code is its issue time in milliseconds and 208 random bits")
    func codesStartWithTheirIssueTime() async throws {
        let code = try await provider.code(for: try provider.request())
        let bytes = try #require(base64URLDecoded(code))
        #expect(code.count == 43 && bytes.count == 32)
        let milliseconds = bytes.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == UInt64(now.timeIntervalSince1970 * 1_000))
        // Two codes of the same millisecond differ in their random part only.
        let other = try #require(base64URLDecoded(try await provider.code(for: try provider.request())))
        #expect(other.prefix(6) == bytes.prefix(6) && other.suffix(26) != bytes.suffix(26))
    }

    @Test("a replayed code is refused and revokes every token issued from it")
    func replayRevokesIssuedTokens() async throws {
        let code = try await provider.code(for: try provider.request(scope: "openid offline_access"))
        let first = try await provider.redeem(code)
        let refresh = try #require(first.refreshToken)
        #expect(try await provider.service.userInfo(authorizationHeader: "Bearer \(first.accessToken)", now: now).sub == "u-alice")

        let replay = await oauthError { try await provider.redeem(code, at: now.addingTimeInterval(5)) }
        #expect(replay?.error == "invalid_grant")

        let userinfo = await oauthError { try await provider.service.userInfo(authorizationHeader: "Bearer \(first.accessToken)", now: now) }
        #expect(userinfo?.error == "invalid_token")
        #expect(await oauthError { try await provider.refresh(refresh) }?.error == "invalid_grant")
    }

    @Test("of concurrent redemptions of one code exactly one issues, and the others' replay revokes what it issued")
    func concurrentRedemptions() async throws {
        let code = try await provider.code(for: try provider.request())
        let results = await withTaskGroup(of: Result<TokenResponse, OAuthError>.self) { group in
            for _ in 0..<8 {
                group.addTask { [provider] in
                    do throws(OAuthError) { return .success(try await provider.redeem(code)) } catch { return .failure(error) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let issued = results.compactMap { try? $0.get() }
        #expect(issued.count == 1)
        #expect(results.filter { if case .failure(let error) = $0 { error.error == "invalid_grant" } else { false } }.count == 7)
        let userinfo = await oauthError { try await provider.service.userInfo(authorizationHeader: "Bearer \(issued[0].accessToken)", now: now) }
        #expect(userinfo?.error == "invalid_token")
    }

    @Test("a redeemed code is deleted with the same write that stores its grant under the code's key")
    func redemptionReplacesTheCodeByItsGrant() async throws {
        let code = try await provider.code(for: try provider.request())
        let key = TokenStore.key(of: code)
        #expect(try await provider.store.ephemeral(namespace: TokenStore.grants, key: key, now: now) == nil)
        _ = try await provider.redeem(code)
        #expect(try await provider.store.ephemeral(namespace: TokenStore.codes, key: key, now: now) == nil)
        let grant = try #require(try await provider.store.ephemeral(namespace: TokenStore.grants, key: key, now: now))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        #expect(try decoder.decode(GrantRecord.self, from: grant).subject == "u-alice")
    }

    @Test("a failed check and an exchange of the same code, in either order or at once, leave no live token")
    func failedCheckAndExchangeOfOneCode() async throws {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        for round in 0..<12 {
            let code = try await provider.code(for: try provider.request(verifier: verifier))
            let wrong = String(repeating: "x", count: 43)
            let order = round % 3  // 0: the exchange first, 1: the failed check first, 2: both at once
            var exchange: Result<TokenResponse, OAuthError>
            if order == 1 {
                #expect(await oauthError { try await provider.redeem(code, verifier: wrong) }?.error == "invalid_grant")
            }
            if order == 2 {
                async let failed = oauthError { try await provider.redeem(code, verifier: wrong) }
                do throws(OAuthError) { exchange = .success(try await provider.redeem(code, verifier: verifier)) } catch { exchange = .failure(error) }
                #expect(await failed?.error == "invalid_grant")
            } else {
                do throws(OAuthError) { exchange = .success(try await provider.redeem(code, verifier: verifier)) } catch { exchange = .failure(error) }
            }
            if order == 0 {
                #expect(await oauthError { try await provider.redeem(code, verifier: wrong) }?.error == "invalid_grant")
            }
            switch exchange {
            case .success(let tokens):
                #expect(order != 1, "the code was spent by the failed check")
                let userinfo = await oauthError { try await provider.service.userInfo(authorizationHeader: "Bearer \(tokens.accessToken)", now: now) }
                #expect(userinfo?.error == "invalid_token", "round \(round): the exchange's tokens outlived a second use of the code")
            case .failure(let error):
                #expect(error.error == "invalid_grant")
            }
        }
    }

    @Test("a code replayed after the code itself expired still revokes its tokens")
    func lateReplayRevokesIssuedTokens() async throws {
        let code = try await provider.code(for: try provider.request())
        let first = try await provider.redeem(code)
        let late = now.addingTimeInterval(120)
        #expect(await oauthError { try await provider.redeem(code, at: late) }?.error == "invalid_grant")
        let userinfo = await oauthError { try await provider.service.userInfo(authorizationHeader: "Bearer \(first.accessToken)", now: late) }
        #expect(userinfo?.error == "invalid_token")
    }

    @Test("a code of another client is refused and stays redeemable by its own client")
    func rejectsCodeOfAnotherClient() async throws {
        let code = try await provider.code(for: try provider.request())
        let error = await oauthError {
            try await provider.redeem(
                code, authorization: nil,
                extra: ["client_id": ["post-client"], "client_secret": [Provider.postSecret]])
        }
        #expect(error?.error == "invalid_grant")
        #expect(await oauthError { try await provider.redeem(code) } == nil)
    }

    @Test("a used code replayed by another client still revokes the tokens issued from it")
    func replayByOtherClientRevokes() async throws {
        let code = try await provider.code(for: try provider.request())
        let first = try await provider.redeem(code)
        let error = await oauthError {
            try await provider.redeem(code, authorization: nil, extra: ["client_id": ["post-client"], "client_secret": [Provider.postSecret]])
        }
        #expect(error?.error == "invalid_grant")
        let userinfo = await oauthError { try await provider.service.userInfo(authorizationHeader: "Bearer \(first.accessToken)", now: now) }
        #expect(userinfo?.error == "invalid_token")
    }

    @Test("a redirect_uri different from the request's is refused", arguments: ["https://web.example/cb2", "https://web.example/cb/", "https://evil.example/cb"])
    func rejectsRedirectURIMismatch(uri: String) async throws {
        let code = try await provider.code(for: try provider.request())
        #expect(await oauthError { try await provider.redeem(code, redirectURI: uri) }?.error == "invalid_grant")
    }

    @Test("an expired code is refused")
    func rejectsExpiredCode() async throws {
        let code = try await provider.code(for: try provider.request())
        #expect(await oauthError { try await provider.redeem(code, at: now.addingTimeInterval(61)) }?.error == "invalid_grant")
    }

    @Test("a code is still valid just before its 60 seconds are up")
    func acceptsCodeWithinLifetime() async throws {
        let code = try await provider.code(for: try provider.request())
        #expect(await oauthError { try await provider.redeem(code, at: now.addingTimeInterval(59)) } == nil)
    }

    @Test("an unknown code is refused")
    func rejectsUnknownCode() async throws {
        #expect(await oauthError { try await provider.redeem("made-up") }?.error == "invalid_grant")
    }

    @Test("PKCE: the right verifier is accepted")
    func acceptsRightVerifier() async throws {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let code = try await provider.code(for: try provider.request(verifier: verifier))
        #expect(await oauthError { try await provider.redeem(code, verifier: verifier) } == nil)
    }

    @Test("PKCE: a wrong verifier is refused and spends the code")
    func rejectsWrongVerifier() async throws {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let code = try await provider.code(for: try provider.request(verifier: verifier))
        #expect(await oauthError { try await provider.redeem(code, verifier: String(repeating: "x", count: 43)) }?.error == "invalid_grant")
        #expect(await oauthError { try await provider.redeem(code, verifier: verifier) }?.error == "invalid_grant")
    }

    @Test("PKCE: a missing verifier is refused")
    func rejectsMissingVerifier() async throws {
        let code = try await provider.code(for: try provider.request(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        #expect(await oauthError { try await provider.redeem(code) }?.error == "invalid_grant")
    }

    @Test("PKCE: a verifier without a challenge is refused (downgrade)")
    func rejectsVerifierWithoutChallenge() async throws {
        let code = try await provider.code(for: try provider.request())
        let error = await oauthError { try await provider.redeem(code, verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") }
        #expect(error?.error == "invalid_grant")
    }

    @Test("a public client redeems with PKCE and no secret")
    func publicClientRedeems() async throws {
        let verifier = String(repeating: "v", count: 50)
        let code = try await provider.code(for: try provider.request(client: "spa", verifier: verifier))
        let response = try await provider.redeem(
            code, redirectURI: "https://spa.example/cb", verifier: verifier, authorization: nil, extra: ["client_id": ["spa"]])
        #expect(response.idToken != nil)
    }

    @Test("malformed token requests", arguments: [
        (["grant_type": ["authorization_code"], "redirect_uri": ["https://web.example/cb"]], "invalid_request"),
        (["grant_type": ["authorization_code"], "code": ["c"]], "invalid_request"),
        (["code": ["c"], "redirect_uri": ["https://web.example/cb"]], "invalid_request"),
        (["grant_type": ["password"], "username": ["a"], "password": ["b"]], "unsupported_grant_type"),
        (["grant_type": ["client_credentials"]], "unsupported_grant_type"),
        (["grant_type": ["authorization_code", "authorization_code"], "code": ["c"]], "invalid_request"),
    ])
    func rejectsMalformedRequests(parameters: [String: [String]], error: String) async throws {
        let result = await oauthError { try await provider.service.token(parameters: parameters, authorizationHeader: Provider.basic(), now: now) }
        #expect(result?.error == error)
    }
}

/// The bytes of unpadded base64url text.
private func base64URLDecoded(_ text: String) -> [UInt8]? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64).map { Array($0) }
}
