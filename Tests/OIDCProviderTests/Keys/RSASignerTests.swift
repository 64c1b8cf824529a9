import Authenticators
import Crypto
import CryptoExtras
import JWTKit
import Testing
@testable import OIDCProvider

struct RSASignerTests {
    /// RFC 7515 Appendix A.2: the RSA key of the example, as its JWK gives it.
    static let rfc7515Key: [String: String] = [
        "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
        "e": "AQAB",
        "d": "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
        "p": "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
        "q": "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
    ]
    /// RFC 7515 Appendix A.2: the JWS Signing Input (header `{"alg":"RS256"}`, the example's claims).
    static let rfc7515SigningInput =
        "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    /// RFC 7515 Appendix A.2: the signature (PKCS#1 v1.5 is deterministic, so it must come out exactly).
    static let rfc7515Signature =
        "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"

    static func rfc7515PrivateKey() throws -> _RSA.Signing.PrivateKey {
        func number(_ name: String) throws -> [UInt8] {
            let text = try #require(rfc7515Key[name])
            return try #require(Bytes.bytes(base64URL: text))
        }
        return try _RSA.Signing.PrivateKey(n: number("n"), e: number("e"), d: number("d"), p: number("p"), q: number("q"))
    }

    @Test("OpenSSL signs RFC 7515's RS256 example (Appendix A.2) to exactly the RFC's signature")
    func rfc7515Example() throws {
        let signer = try RSASigner(pkcs1DER: Array(try Self.rfc7515PrivateKey().derRepresentation))
        let signature = try signer.sign(Array(Self.rfc7515SigningInput.utf8))
        #expect(Bytes.base64URL(signature) == Self.rfc7515Signature)
    }

    @Test("bytes that are not a PKCS#1 RSA private key are refused")
    func refusesOtherBytes() throws {
        #expect(throws: OIDCProviderError.keyGeneration("")) { _ = try RSASigner(pkcs1DER: []) }
        #expect(throws: OIDCProviderError.keyGeneration("")) { _ = try RSASigner(pkcs1DER: Array(repeating: 0x30, count: 64)) }
        // A P-256 key is DER too, but not an RSA key.
        let ecKey = Array(P256.Signing.PrivateKey().derRepresentation)
        #expect(throws: OIDCProviderError.keyGeneration("")) { _ = try RSASigner(pkcs1DER: ecKey) }
    }

    @Test("many tasks signing with one key at once all make signatures that BoringSSL verifies")
    func concurrentSignatures() async throws {
        let key = try Self.rfc7515PrivateKey()
        let signer = try RSASigner(pkcs1DER: Array(key.derRepresentation))
        let verified = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let message = Array("message \(index)".utf8)
                    let signature = _RSA.Signing.RSASignature(rawRepresentation: try signer.sign(message))
                    return key.publicKey.isValidSignature(signature, for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(verified.count == 32 && verified.allSatisfy { $0 })
    }

    @Test("a signer whose key is not the public key's is refused before it signs a token")
    func refusesAnotherKey() throws {
        let rfcKey = try Self.rfc7515PrivateKey()
        let signer = try RSASigner(pkcs1DER: Array(rfcKey.derRepresentation))
        #expect(try SigningKey.checked(signer, against: rfcKey.publicKey) === signer)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(throws: OIDCProviderError.keyGeneration("")) { _ = try SigningKey.checked(signer, against: other.publicKey) }
    }
}
