#ifndef GATEHOUSE_CLIBCRYPTO_SHIM_H
#define GATEHOUSE_CLIBCRYPTO_SHIM_H

/*
 * Debian's OpenSSL libcrypto, for the provider's RS256 signatures (OIDCProvider's `RSASigner`).
 *
 * OpenSSL signs with RSA-2048 through the CPU's AVX-512 IFMA instructions where it has them (0.25 ms
 * a signature on the benchmark machine, against 0.55 ms for swift-crypto's BoringSSL, which has no such
 * path). Swift calls the EVP API directly; there are no helpers. The same library is already in the
 * process through libxmlsec1-openssl.
 *
 * Imported by the OIDCProvider module only (`internal import CLibCrypto`).
 */

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#endif
