#ifndef GATEHOUSE_CXMLSEC_SHIM_H
#define GATEHOUSE_CXMLSEC_SHIM_H

/*
 * Debian's libxml2 + libxmlsec1 (OpenSSL backend) + zlib, for Federation's SAML service provider.
 *
 * Everything Swift can call directly is called directly. The `gh_` helpers below exist only where
 * Swift cannot: the C API is a macro (transform and key-data ids expand to `...GetKlass()` calls of
 * the selected crypto backend; `xmlFree` expands to `(*(__xmlFree()))` in a threaded libxml2;
 * `xmlSecCheckVersion` and zlib's `deflateInit2`/`inflateInit2` expand to calls with compile-time
 * constants), or the C idiom is awkward from Swift (zlib's stream loop).
 *
 * Imported by the Federation module only (`internal import CXMLSec`).
 */

#include <stdint.h>
#include <string.h>

/* The defines `pkg-config --cflags xmlsec1-openssl` prints, which SwiftPM does not hand to the Clang
 * importer. They select the crypto backend and, for 1.2.x, fix the ABI: Debian builds libxmlsec1 1.2
 * with XMLSEC_NO_SIZE_T (xmlSecSize is `unsigned int`), so the headers must agree. */
#include <xmlsec/version.h>
#ifndef XMLSEC_CRYPTO_OPENSSL
#define XMLSEC_CRYPTO_OPENSSL 1
#endif
#ifndef XMLSEC_NO_CRYPTO_DYNAMIC_LOADING
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#endif
#ifndef XMLSEC_NO_GOST
#define XMLSEC_NO_GOST 1
#endif
#ifndef XMLSEC_NO_GOST2012
#define XMLSEC_NO_GOST2012 1
#endif
#ifndef __XMLSEC_FUNCTION__
#define __XMLSEC_FUNCTION__ __func__
#endif
#if XMLSEC_VERSION_MAJOR == 1 && XMLSEC_VERSION_MINOR == 2 && !defined(XMLSEC_NO_SIZE_T)
#define XMLSEC_NO_SIZE_T 1
#endif
/* Debian's libxml2 is built with ICU, so <libxml/encoding.h> would pull the system ICU headers into
 * this module, where their `UErrorCode` clashes with the copy inside Foundation (`_FoundationICU`).
 * Gatehouse never touches libxml2's encoding handlers (the only structs that change), so hide ICU. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/templates.h>
#include <xmlsec/errors.h>
#include <xmlsec/parser.h>
#include <xmlsec/crypto.h>
#include <zlib.h>

/* MARK: libxml2 */

/* `xmlFree` is a macro over a per-thread function pointer when libxml2 is built with threads. */
static inline void gh_xml_free(void *_Nullable pointer) {
    if (pointer != NULL) {
        xmlFree(pointer);
    }
}

/* MARK: xmlsec initialisation */

/* `xmlSecCheckVersion()` is a macro over the header's version numbers: 1 when the loaded library is
 * ABI-compatible with the headers we were compiled against. */
static inline int gh_xmlsec_check_version(void) {
    return xmlSecCheckVersion();
}

/* `xmlSecCryptoAppInit`/`xmlSecCryptoInit` are macros selecting the crypto backend (OpenSSL here). */
static inline int gh_xmlsec_crypto_app_init(void) {
    return xmlSecCryptoAppInit(NULL);
}

static inline int gh_xmlsec_crypto_init(void) {
    return xmlSecCryptoInit();
}

/* `xmlSecCryptoAppKeyLoadMemory` is a backend-selecting macro; loads a PEM/DER key or certificate. */
static inline xmlSecKeyPtr _Nullable gh_xmlsec_key_load_memory(const void *_Nonnull data, size_t size,
                                                               xmlSecKeyDataFormat format) {
    return xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)data, (xmlSecSize)size, format, NULL, NULL, NULL);
}

/* `xmlSecCryptoAppKeyCertLoadMemory` is a backend-selecting macro; attaches a certificate to a key. */
static inline int gh_xmlsec_key_cert_load_memory(xmlSecKeyPtr _Nonnull key, const void *_Nonnull data, size_t size,
                                                 xmlSecKeyDataFormat format) {
    return xmlSecCryptoAppKeyCertLoadMemory(key, (const xmlSecByte *)data, (xmlSecSize)size, format);
}

/* MARK: transform and key-data ids (macros expanding to `xmlSecOpenSSL...GetKlass()`) */

static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_exc_c14n(void) { return xmlSecTransformExclC14NId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_enveloped(void) { return xmlSecTransformEnvelopedId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_rsa_sha1(void) { return xmlSecTransformRsaSha1Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_rsa_sha256(void) { return xmlSecTransformRsaSha256Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_rsa_sha384(void) { return xmlSecTransformRsaSha384Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_rsa_sha512(void) { return xmlSecTransformRsaSha512Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_sha1(void) { return xmlSecTransformSha1Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_sha256(void) { return xmlSecTransformSha256Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_sha384(void) { return xmlSecTransformSha384Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_sha512(void) { return xmlSecTransformSha512Id; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_rsa_oaep(void) { return xmlSecTransformRsaOaepId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_aes128_cbc(void) { return xmlSecTransformAes128CbcId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_aes192_cbc(void) { return xmlSecTransformAes192CbcId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_aes256_cbc(void) { return xmlSecTransformAes256CbcId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_aes128_gcm(void) { return xmlSecTransformAes128GcmId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_aes192_gcm(void) { return xmlSecTransformAes192GcmId; }
static inline xmlSecTransformId _Nonnull gh_xmlsec_transform_aes256_gcm(void) { return xmlSecTransformAes256GcmId; }
static inline xmlSecKeyDataId _Nonnull gh_xmlsec_key_data_aes(void) { return xmlSecKeyDataAesId; }
static inline xmlSecKeyDataId _Nonnull gh_xmlsec_key_data_rsa(void) { return xmlSecKeyDataRsaId; }

/* MARK: zlib raw DEFLATE (SAML Bindings §3.4.4.1: the HTTP-Redirect binding uses RFC 1951, no zlib header) */

/* Compresses `input` into `output` as a raw DEFLATE stream. A 4 KiB window (window bits -12) and
 * memLevel 3 suit a message of a few hundred bytes: zlib then sets up about 20 KiB of state instead of
 * about 260 KiB per message, and any inflater (window bits up to 15) reads the stream.
 * Returns the compressed length, or -1 when `output` is too small or zlib fails. */
static inline long gh_zlib_raw_deflate(const void *_Nonnull input, size_t inputSize,
                                       void *_Nonnull output, size_t outputCapacity) {
    z_stream stream;
    memset(&stream, 0, sizeof(stream));
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -12, 3, Z_DEFAULT_STRATEGY) != Z_OK) {
        return -1;
    }
    stream.next_in = (Bytef *)input;
    stream.avail_in = (uInt)inputSize;
    stream.next_out = (Bytef *)output;
    stream.avail_out = (uInt)outputCapacity;
    int status = deflate(&stream, Z_FINISH);
    long produced = (long)stream.total_out;
    deflateEnd(&stream);
    return status == Z_STREAM_END ? produced : -1;
}

/* The most `gh_zlib_raw_deflate` can produce for `inputSize` bytes. */
static inline size_t gh_zlib_deflate_bound(size_t inputSize) {
    return (size_t)compressBound((uLong)inputSize) + 16;
}

/* Inflates a raw DEFLATE stream into `output`, never writing more than `outputCapacity` bytes.
 * Returns the inflated length; -1 when the stream is invalid or truncated; -2 when the output would
 * exceed `outputCapacity` (a decompression bomb, or simply too large a message). */
static inline long gh_zlib_raw_inflate(const void *_Nonnull input, size_t inputSize,
                                       void *_Nonnull output, size_t outputCapacity) {
    z_stream stream;
    memset(&stream, 0, sizeof(stream));
    if (inflateInit2(&stream, -15) != Z_OK) {
        return -1;
    }
    stream.next_in = (Bytef *)input;
    stream.avail_in = (uInt)inputSize;
    stream.next_out = (Bytef *)output;
    stream.avail_out = (uInt)outputCapacity;
    int status = inflate(&stream, Z_FINISH);
    long produced = (long)stream.total_out;
    int exhausted = stream.avail_out == 0;
    inflateEnd(&stream);
    if (status == Z_STREAM_END) {
        return produced;
    }
    return (exhausted && (status == Z_BUF_ERROR || status == Z_OK)) ? -2 : -1;
}

#endif
