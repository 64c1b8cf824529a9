import Directory
import Foundation
import GatehouseServer
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Discovery document and JWKS over HTTP")
struct DiscoveryTests {
    @Test func publishesWhatTheProviderDoes() async throws {
        try await withProvider { provider in
            let response = try await provider.client.execute(uri: "/.well-known/openid-configuration", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.cacheControl] == "public, max-age=300")
            let document = try json(response)
            let issuer = provider.issuer
            #expect(document["issuer"] as? String == issuer)
            for (key, path) in [
                ("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"), ("userinfo_endpoint", "/userinfo"),
                ("jwks_uri", "/jwks"), ("end_session_endpoint", "/logout"), ("introspection_endpoint", "/introspect"),
                ("revocation_endpoint", "/revoke"),
            ] {
                #expect(document[key] as? String == issuer + path, "\(key)")
            }
            #expect(document["response_types_supported"] as? [String] == ["code"])
            #expect(document["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(document["id_token_signing_alg_values_supported"] as? [String] == ["RS256", "ES256"])
            #expect(document["subject_types_supported"] as? [String] == ["public", "pairwise"])
            #expect(document["acr_values_supported"] as? [String] == ["loa1", "loa2", "loa3"])
            #expect(document["authorization_response_iss_parameter_supported"] as? Bool == true)
            #expect((document["grant_types_supported"] as? [String])?.contains("implicit") == false)
        }
    }

    @Test func publishesOnlyPublicKeysForBothAlgorithms() async throws {
        try await withProvider { provider in
            let response = try await provider.client.execute(uri: "/jwks", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "public, max-age=300")
            let keys = try #require(try json(response)["keys"] as? [[String: Any]])
            #expect(Set(keys.compactMap { $0["alg"] as? String }) == ["RS256", "ES256"])
            for key in keys {
                #expect(key["use"] as? String == "sig")
                #expect((key["kid"] as? String)?.count == 43)
                for privateMember in ["d", "p", "q", "dp", "dq", "qi"] { #expect(key[privateMember] == nil) }
            }
            // The keys were sealed in the store, not kept in clear.
            let sealed = try #require(try await provider.runtime.store.ephemeral(namespace: "oidc.signing-keys", key: "ring", now: provider.server.clock.now))
            #expect(!String(decoding: sealed, as: UTF8.self).contains("PRIVATE"))
            #expect(String(decoding: sealed, as: UTF8.self).contains(#""alg":"A256GCM""#))
        }
    }

    @Test func keepsTheSameKeysAcrossRestarts() async throws {
        try await withProvider(configure: { $0.sharedDatabase = true }) { provider in
            let before = try await provider.client.execute(uri: "/jwks", method: .get).text
            // Another node (or a restart) over the same database opens the same sealed keys.
            let again = try await provider.server.runtime()
            let app = try await buildApplicationWithProvider(runtime: again)
            try await app.test(.router) { client in
                let after = try await client.execute(uri: "/jwks", method: .get).text
                #expect(after == before)
            }
        }
    }

    @Test func rotatesTheKeysOfARunningNodeWhenDueAndKeepsTheOldOnesPublished() async throws {
        try await withServer(configure: { $0.keyEncryptionKey = ProviderTest.kek; $0.sharedDatabase = true }) { server in
            let runtime = try await server.runtime()
            let app = try await buildApplication(
                runtime: runtime, extensions: [OIDCEndpoints(keyGenerator: TestSigningKeys.generator, keyCheckInterval: .milliseconds(50))])
            try await app.test(.live) { client in
                func kids() async throws -> [String] {
                    let keys = try #require(try json(try await client.execute(uri: "/jwks", method: .get))["keys"] as? [[String: Any]])
                    return keys.compactMap { $0["kid"] as? String }
                }
                let before = try await kids()
                #expect(before.count == 2)
                // 91 days later (rotation every 90 days) the running node rotates without a restart.
                server.clock.advance(91 * 86_400)
                var after = before
                for _ in 0..<200 where after.count == 2 {
                    try await Task.sleep(for: .milliseconds(50))
                    after = try await kids()
                }
                let rotated = after
                #expect(rotated.count == 4)
                #expect(Set(before).isSubset(of: Set(rotated)))
                // Another node over the same database publishes the same ring.
                let other = try await buildApplicationWithProvider(runtime: try await server.runtime())
                try await other.test(.router) { otherClient in
                    let keys = try #require(try json(try await otherClient.execute(uri: "/jwks", method: .get))["keys"] as? [[String: Any]])
                    #expect(Set(keys.compactMap { $0["kid"] as? String }) == Set(rotated))
                }
            }
        }
    }
}
