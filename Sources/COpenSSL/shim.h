#ifndef CUSTODY_LEDGER_COPENSSL_SHIM_H
#define CUSTODY_LEDGER_COPENSSL_SHIM_H

// The only place in custody-ledger that sees C: OpenSSL's libcrypto, plus a few
// inline helpers for macros Swift cannot import.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/x509.h>
#include <openssl/bio.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/obj_mac.h>

static inline long cl_BIO_get_mem_data(BIO *bio, char **pp) {
    return BIO_get_mem_data(bio, pp);
}

static inline int cl_EVP_PKEY_is_ed25519(const EVP_PKEY *key) {
    return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}

static inline int cl_EVP_PKEY_is_p256(const EVP_PKEY *key) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return 0;
    char name[64];
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1) return 0;
    return strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0;
}

static inline EVP_PKEY *cl_keygen_ed25519(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

static inline EVP_PKEY *cl_keygen_p256(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

// ---------------------------------------------------------------------------------------------------------
// ECDSA P-256 verification with a table of the public key's own multiples (SEC 1 §4.1.4, as OpenSSL does it,
// but u2·Q comes from a precomputed table like u1·G does). Only public data is involved: no constant-time need.
// One table serves one thread at a time (it keeps its BN_CTX and scratch numbers).

/// A public key's table and the scratch state of one verification.
typedef struct cl_p256_table {
    EC_GROUP *curve;      // P-256 with its own generator G (OpenSSL's built-in table of G's multiples)
    EC_GROUP *keyCurve;   // P-256 with the public key Q as generator, and its table of Q's multiples
    BN_CTX *bn;
    BIGNUM *r, *s, *e, *w, *u1, *u2, *x;
    EC_POINT *sum, *keyPart;
} cl_p256_table;

static inline void cl_p256_table_free(cl_p256_table *table) {
    if (table == NULL) return;
    EC_POINT_free(table->sum);
    EC_POINT_free(table->keyPart);
    BN_free(table->r); BN_free(table->s); BN_free(table->e); BN_free(table->w);
    BN_free(table->u1); BN_free(table->u2); BN_free(table->x);
    BN_CTX_free(table->bn);
    EC_GROUP_free(table->keyCurve);
    EC_GROUP_free(table->curve);
    OPENSSL_free(table);
}

/// Builds the table for the public key whose SEC 1 point (65 bytes, uncompressed: 04 ‖ x ‖ y) is given; NULL when
/// any step fails (another form, not a point of the curve, out of memory, an OpenSSL built without its deprecated
/// functions). Costs about as much as 400 verifications.
static inline cl_p256_table *cl_p256_table_new(const unsigned char *point, size_t length) {
    if (point == NULL || length != 65 || point[0] != 0x04) return NULL;
    cl_p256_table *table = OPENSSL_zalloc(sizeof(cl_p256_table));
    if (table == NULL) return NULL;
    table->curve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    table->keyCurve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    table->bn = BN_CTX_new();
    table->r = BN_new(); table->s = BN_new(); table->e = BN_new(); table->w = BN_new();
    table->u1 = BN_new(); table->u2 = BN_new(); table->x = BN_new();
    int ok = table->curve && table->keyCurve && table->bn && table->r && table->s && table->e && table->w
        && table->u1 && table->u2 && table->x;
    EC_POINT *key = ok ? EC_POINT_new(table->keyCurve) : NULL;
    // oct2point refuses a point off the curve; Q = ∞ has no 65-byte form. Q has the group's prime order n.
    ok = key && EC_POINT_oct2point(table->keyCurve, key, point, length, table->bn) == 1
        && EC_POINT_is_at_infinity(table->keyCurve, key) == 0
        && EC_GROUP_set_generator(table->keyCurve, key, EC_GROUP_get0_order(table->curve), BN_value_one()) == 1;
#if defined(OPENSSL_NO_DEPRECATED_3_0)
    // An OpenSSL built without its deprecated functions: no tables; the caller verifies with EVP_PKEY_verify.
    ok = 0;
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // Deprecated in OpenSSL 3.0 (with the other EC_GROUP internals) but present through 3.x: the only way to
    // have OpenSSL's P-256 code build its comb table for a generator other than G.
    ok = ok && EC_GROUP_precompute_mult(table->keyCurve, table->bn) == 1
        && EC_GROUP_have_precompute_mult(table->keyCurve) == 1;
#pragma GCC diagnostic pop
#endif
    EC_POINT_free(key);
    if (ok) {
        table->sum = EC_POINT_new(table->curve);
        table->keyPart = EC_POINT_new(table->keyCurve);
        ok = table->sum && table->keyPart;
    }
    if (!ok) { cl_p256_table_free(table); return NULL; }
    return table;
}

/// Checks the signature `r ‖ s` (64 bytes, big-endian) over the 32-byte SHA-256 `digest`: 1 valid, 0 invalid,
/// -1 when OpenSSL fails (the caller then asks OpenSSL's own ECDSA verification).
static inline int cl_p256_table_verify(cl_p256_table *table, const unsigned char *signature, const unsigned char *digest) {
    const BIGNUM *n = EC_GROUP_get0_order(table->curve);
    if (BN_bin2bn(signature, 32, table->r) == NULL || BN_bin2bn(signature + 32, 32, table->s) == NULL
        || BN_bin2bn(digest, 32, table->e) == NULL) return -1;
    // 1 ≤ r, s < n.
    if (BN_is_zero(table->r) || BN_is_zero(table->s) || BN_cmp(table->r, n) >= 0 || BN_cmp(table->s, n) >= 0) return 0;
    // w = s⁻¹, u1 = e·w, u2 = r·w (mod n); e is the whole digest (SHA-256 has as many bits as n).
    if (BN_mod_inverse(table->w, table->s, n, table->bn) == NULL
        || BN_mod_mul(table->u1, table->e, table->w, n, table->bn) != 1
        || BN_mod_mul(table->u2, table->r, table->w, n, table->bn) != 1) return -1;
    // R = u1·G + u2·Q, each product from its table.
    if (EC_POINT_mul(table->curve, table->sum, table->u1, NULL, NULL, table->bn) != 1
        || EC_POINT_mul(table->keyCurve, table->keyPart, table->u2, NULL, NULL, table->bn) != 1
        || EC_POINT_add(table->curve, table->sum, table->sum, table->keyPart, table->bn) != 1) return -1;
    if (EC_POINT_is_at_infinity(table->curve, table->sum)) return 0;
    // Valid exactly when R's x coordinate, reduced mod n, is r.
    if (EC_POINT_get_affine_coordinates(table->curve, table->sum, table->x, NULL, table->bn) != 1
        || BN_nnmod(table->x, table->x, n, table->bn) != 1) return -1;
    return BN_cmp(table->x, table->r) == 0;
}

#endif
