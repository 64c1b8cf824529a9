#ifndef GATEHOUSE_CLIBCRYPTO_SHIM_H
#define GATEHOUSE_CLIBCRYPTO_SHIM_H

/*
 * Debian's OpenSSL libcrypto, for the provider's RS256 signatures (OIDCProvider's `RSASigner`, which
 * says why). Swift calls the EVP API directly; there are no helpers. The same library is already in
 * the process through libxmlsec1-openssl.
 *
 * Imported by the OIDCProvider module only (`internal import CLibCrypto`).
 */

#include <openssl/err.h>
#include <openssl/evp.h>

#endif
