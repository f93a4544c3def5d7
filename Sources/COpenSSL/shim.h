// OpenSSL's libcrypto for Swift: the headers qcredit uses, plus inline wrappers for the
// function-like macros and variadic functions Swift cannot import.
#ifndef QCREDIT_COPENSSL_SHIM_H
#define QCREDIT_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/rand.h>

/// EVP_PKEY_CTX_set1_id is a macro in OpenSSL 3.0: sets the SM2 distinguishing ID.
static inline int qcredit_EVP_PKEY_CTX_set1_id(EVP_PKEY_CTX *ctx, const void *id, int length) {
    return EVP_PKEY_CTX_set1_id(ctx, id, length);
}

/// BIO_get_mem_data is a macro: the bytes written to a memory BIO so far.
static inline long qcredit_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

/// EVP_PKEY_PUBLIC_KEY is a composite macro: the selection for importing a public key with
/// its domain parameters (EVP_PKEY_fromdata).
static inline int qcredit_EVP_PKEY_PUBLIC_KEY(void) {
    return EVP_PKEY_PUBLIC_KEY;
}

#endif
