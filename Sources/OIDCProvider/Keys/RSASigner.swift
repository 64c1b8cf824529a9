internal import CLibCrypto

/// An RSA private key held by OpenSSL's libcrypto, which makes the provider's RS256 signatures
/// (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3).
///
/// swift-crypto's BoringSSL keeps the key everywhere else (generation, storage, the JWKS, verifying our
/// own tokens); only signing goes through OpenSSL, which uses the CPU's AVX-512 IFMA instructions where
/// it has them and BoringSSL does not: 0.25 ms a signature instead of 0.55 ms on the benchmark machine
/// (docs/performance.md §5). ``SigningKey`` checks that a signature of it verifies with BoringSSL's
/// public key before it uses it.
final class RSASigner: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never changed after `init`, and OpenSSL lets many threads sign with
    // one key at once as long as each signature has its own EVP_MD_CTX, as `sign` does.
    private let key: OpaquePointer

    /// Loads the private key from its PKCS#1 `RSAPrivateKey` DER (as ``SigningKey`` stores it).
    /// - Throws: ``OIDCProviderError`` `keyGeneration` when OpenSSL cannot read it.
    init(pkcs1DER: [UInt8]) throws(OIDCProviderError) {
        let loaded = pkcs1DER.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_PrivateKey(EVP_PKEY_RSA, nil, &cursor, buffer.count)
        }
        guard let loaded else {
            ERR_clear_error()
            throw .keyGeneration("OpenSSL cannot read the RSA private key")
        }
        key = loaded
    }

    deinit { EVP_PKEY_free(key) }

    /// The RS256 signature of `message`: the SHA-256 digest in a PKCS#1 v1.5 block, signed (as many
    /// bytes as the modulus).
    /// - Throws: ``OIDCProviderError`` `signing` when OpenSSL fails.
    func sign(_ message: [UInt8]) throws(OIDCProviderError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .signing("OpenSSL could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        var length = Int(EVP_PKEY_get_size(key))
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { output in
                // RSA keys sign with PKCS#1 v1.5 padding unless told otherwise.
                EVP_DigestSignInit_ex(context, nil, "SHA256", nil, nil, key, nil) == 1
                    && EVP_DigestSign(context, output.baseAddress, &length, input.baseAddress, input.count) == 1
            }
        }
        guard signed, length == signature.count else {
            ERR_clear_error()
            throw .signing("OpenSSL could not make an RS256 signature")
        }
        return signature
    }
}
