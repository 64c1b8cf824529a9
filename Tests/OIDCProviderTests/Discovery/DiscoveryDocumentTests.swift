import FlowEngine
import Foundation
import Testing
@testable import OIDCProvider

struct DiscoveryDocumentTests {
    @Test("the discovery document names every endpoint and capability")
    func describesProvider() throws {
        let configuration = try ProviderConfiguration(issuer: issuer + "/", pairwiseSalt: pairwiseSalt, levels: ["loa1", "loa2"])
        let json = try #require(try JSONSerialization.jsonObject(with: DiscoveryDocument(configuration: configuration).json) as? [String: Any])
        #expect(json["issuer"] as? String == issuer)
        #expect(json["authorization_endpoint"] as? String == issuer + "/authorize")
        #expect(json["token_endpoint"] as? String == issuer + "/token")
        #expect(json["userinfo_endpoint"] as? String == issuer + "/userinfo")
        #expect(json["jwks_uri"] as? String == issuer + "/jwks")
        #expect(json["end_session_endpoint"] as? String == issuer + "/logout")
        #expect(json["introspection_endpoint"] as? String == issuer + "/introspect")
        #expect(json["revocation_endpoint"] as? String == issuer + "/revoke")
        #expect(json["response_types_supported"] as? [String] == ["code"])
        #expect(json["grant_types_supported"] as? [String] == ["authorization_code", "refresh_token"])
        #expect(json["subject_types_supported"] as? [String] == ["public", "pairwise"])
        #expect(json["id_token_signing_alg_values_supported"] as? [String] == ["RS256", "ES256"])
        #expect(json["code_challenge_methods_supported"] as? [String] == ["S256"])
        #expect(json["token_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"])
        #expect(json["acr_values_supported"] as? [String] == ["loa1", "loa2"])
        #expect(json["prompt_values_supported"] as? [String] == ["none", "login", "consent", "select_account"])
        #expect(json["authorization_response_iss_parameter_supported"] as? Bool == true)
        #expect(json["request_parameter_supported"] as? Bool == false)
        let claims = try #require(json["claims_supported"] as? [String])
        #expect(Set(["sub", "org", "roles", "acr", "amr", "sid", "auth_time"]).isSubset(of: claims))
        #expect((json["scopes_supported"] as? [String])?.contains("openid") == true)
    }

    @Test("the issuer must be https (http only on localhost), without query or fragment", arguments: [
        "http://login.example", "https://login.example?x=1", "https://login.example#f", "login.example", "ftp://login.example",
    ])
    func rejectsBadIssuer(issuer: String) {
        #expect(throws: OIDCProviderError.invalidConfiguration("")) {
            try ProviderConfiguration(issuer: issuer, pairwiseSalt: pairwiseSalt)
        }
    }

    @Test("http on localhost is allowed for development")
    func allowsLocalhost() throws {
        #expect(try ProviderConfiguration(issuer: "http://localhost:8080", pairwiseSalt: pairwiseSalt).tokenEndpoint == "http://localhost:8080/token")
    }

    @Test("a short pairwise salt is refused")
    func rejectsShortSalt() {
        #expect(throws: OIDCProviderError.invalidConfiguration("")) { try ProviderConfiguration(issuer: issuer, pairwiseSalt: [1, 2, 3]) }
    }
}
