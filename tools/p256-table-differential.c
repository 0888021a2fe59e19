// Differential test of cl_p256_table_verify (Sources/COpenSSL/shim.h) against OpenSSL's own ECDSA verification
// (EVP_PKEY_verify on the DER form of the same r and s). Built and run by tools/p256-table-differential.sh.
//
// Every case is a (public key, r, s, digest) the two must agree on; where the case was built to be valid or
// invalid (a signature made with a known private key, an out-of-range r, the point at infinity...) the verdict
// must also be that one. Kinds of cases, for each of many random keys:
//   valid signatures and their (r, n − s) twins; r and s replaced by 0, 1, 2, n−2, n−1, n, n+1, p−1, p, p+1,
//   2^255, 2^256−1, r+n, and by each other; digests 0, 1, n−1, n, n+1, p, 2^256−1 (u1 = 0 for 0 and n), signed
//   for real; the doubling case u1·G = u2·Q (e = r·d, a valid signature); the infinity case u1·G = −u2·Q
//   (e = −r·d, every s invalid); 1 to 3 random bit flips in r ‖ s ‖ digest; and, on keys derived the Wycheproof way
//   (Q = r⁻¹·(s·R − e·G) for a point R whose x lies in [n, p)), valid signatures whose x wraps (r = x − n).
// First, cl_p256_table_new must refuse seven public keys: six that are not points of the curve, and a good point in
// compressed form (the table takes only the canonical 65-byte uncompressed form).
//
// Usage: p256-table-differential [cases [seed]]   (default 1000000 cases, seed 1)
// Prints the number of cases of each kind, and every disagreement; exits 1 on any disagreement or table error.

#include "shim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

static void die(const char *what) {
    fprintf(stderr, "p256-table-differential: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}
#define CHECK(expr, what) do { if (!(expr)) die(what); } while (0)

// ---- deterministic randomness (splitmix64): a failure is reproducible from its seed ----
static uint64_t state;
static uint64_t next64(void) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static void random_bytes(unsigned char *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (i % 8 == 0) { uint64_t v = next64(); memcpy(out + i, &v, count - i < 8 ? count - i : 8); }
    }
}

static EC_GROUP *group;
static const BIGNUM *n;
static BIGNUM *p;
static BN_CTX *ctx;

/// A random number in [1, bound).
static void random_below(BIGNUM *out, const BIGNUM *bound) {
    unsigned char bytes[40];
    do {
        random_bytes(bytes, sizeof bytes);
        CHECK(BN_bin2bn(bytes, sizeof bytes, out) && BN_mod(out, out, bound, ctx), "random_below");
    } while (BN_is_zero(out));
}

static void put32(unsigned char *out, const BIGNUM *value) { CHECK(BN_bn2binpad(value, out, 32) == 32, "BN_bn2binpad"); }

/// A key under test: its point, its table, OpenSSL's verification context for it, and d when known.
typedef struct {
    unsigned char point[65];
    cl_p256_table *table;
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *verify;
    BIGNUM *d;  // NULL for a key derived from a signature
} key_t;

static const unsigned char spki_prefix[26] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

static void key_open(key_t *key, const EC_POINT *q, BIGNUM *d) {
    CHECK(EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, key->point, 65, ctx) == 65, "point2oct");
    unsigned char spki[91];
    memcpy(spki, spki_prefix, 26);
    memcpy(spki + 26, key->point, 65);
    const unsigned char *cursor = spki;
    key->pkey = d2i_PUBKEY(NULL, &cursor, sizeof spki);
    CHECK(key->pkey, "d2i_PUBKEY");
    key->verify = EVP_PKEY_CTX_new(key->pkey, NULL);
    CHECK(key->verify && EVP_PKEY_verify_init(key->verify) == 1, "EVP_PKEY_verify_init");
    key->table = cl_p256_table_new(key->point, 65);
    CHECK(key->table, "cl_p256_table_new");
    key->d = d;
}

static void key_close(key_t *key) {
    cl_p256_table_free(key->table);
    EVP_PKEY_CTX_free(key->verify);
    EVP_PKEY_free(key->pkey);
    BN_free(key->d);
}

// ---- the comparison ----
enum { VALID = 1, INVALID = 0, UNKNOWN = -1 };
static const char *kind_names[] = {
    "valid signature", "negated-s twin", "edge r or s", "edge digest, signed", "doubling u1*G = u2*Q",
    "infinity u1*G = -u2*Q", "bit flips", "wrapped x (r = x - n)", "wrapped x, r = x (out of range)",
    "wrong key"};
enum { K_VALID, K_TWIN, K_EDGE_RS, K_EDGE_DIGEST, K_DOUBLING, K_INFINITY, K_FLIPS, K_WRAPPED, K_WRAPPED_UNREDUCED,
       K_WRONG_KEY, K_COUNT };
static unsigned long long counts[K_COUNT], accepted[K_COUNT], total, disagreements, table_errors;

static int openssl_verdict(const key_t *key, const unsigned char *sig, const unsigned char *digest) {
    ECDSA_SIG *parsed = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    CHECK(parsed && r && s && ECDSA_SIG_set0(parsed, r, s) == 1, "ECDSA_SIG_set0");
    unsigned char der[80], *cursor = der;
    int length = i2d_ECDSA_SIG(parsed, &cursor);
    CHECK(length > 0 && length <= (int)sizeof der, "i2d_ECDSA_SIG");
    ECDSA_SIG_free(parsed);
    int result = EVP_PKEY_verify(key->verify, der, (size_t)length, digest, 32);
    ERR_clear_error();
    return result == 1;
}

static void hex(FILE *out, const unsigned char *bytes, size_t count) {
    for (size_t i = 0; i < count; i++) fprintf(out, "%02x", bytes[i]);
}

static void compare(const key_t *key, int kind, const unsigned char *sig, const unsigned char *digest, int expected) {
    int table = cl_p256_table_verify(key->table, sig, digest);
    int reference = openssl_verdict(key, sig, digest);
    counts[kind]++;
    total++;
    if (table == 1) accepted[kind]++;
    if (table < 0) { table_errors++; ERR_clear_error(); }
    if (table != reference || (expected != UNKNOWN && reference != expected)) {
        disagreements++;
        if (disagreements <= 20) {
            fprintf(stderr, "DISAGREEMENT (%s): table %d, OpenSSL %d, expected %d\n  key ", kind_names[kind], table,
                    reference, expected);
            hex(stderr, key->point, 65);
            fprintf(stderr, "\n  r ");
            hex(stderr, sig, 32);
            fprintf(stderr, "\n  s ");
            hex(stderr, sig + 32, 32);
            fprintf(stderr, "\n  e ");
            hex(stderr, digest, 32);
            fprintf(stderr, "\n");
        }
    }
}

// ---- signatures made with a known d ----

/// Signs the digest `e` (as a number) with d and a random k: writes r ‖ s; returns 0 when r or s came out 0.
static int sign(unsigned char *sig, const BIGNUM *d, const BIGNUM *e) {
    BN_CTX_start(ctx);
    BIGNUM *k = BN_CTX_get(ctx), *r = BN_CTX_get(ctx), *s = BN_CTX_get(ctx), *x = BN_CTX_get(ctx);
    EC_POINT *R = EC_POINT_new(group);
    CHECK(k && r && s && x && R, "sign: allocation");
    random_below(k, n);
    CHECK(EC_POINT_mul(group, R, k, NULL, NULL, ctx) && EC_POINT_get_affine_coordinates(group, R, x, NULL, ctx)
          && BN_nnmod(r, x, n, ctx) && BN_mod_mul(s, r, d, n, ctx) && BN_mod_add(s, s, e, n, ctx)
          && BN_mod_inverse(k, k, n, ctx) && BN_mod_mul(s, s, k, n, ctx), "sign");
    EC_POINT_free(R);
    int ok = !BN_is_zero(r) && !BN_is_zero(s);
    put32(sig, r);
    put32(sig + 32, s);
    BN_CTX_end(ctx);
    return ok;
}

/// The other valid form of a signature: (r, n − s).
static void negate_s(unsigned char *out, const unsigned char *sig) {
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
    CHECK(s && BN_sub(s, n, s), "negate_s");
    memcpy(out, sig, 32);
    put32(out + 32, s);
    BN_free(s);
}

static BIGNUM *edges[16];
static int edge_count;

static void add_edge(BIGNUM *value) { edges[edge_count++] = value; }

static void setup_edges(void) {
    BIGNUM *v;
    add_edge(BN_new());                                                      // 0
    v = BN_new(); BN_one(v); add_edge(v);                                    // 1
    v = BN_new(); BN_set_word(v, 2); add_edge(v);                            // 2
    v = BN_dup(n); BN_sub_word(v, 2); add_edge(v);                           // n − 2
    v = BN_dup(n); BN_sub_word(v, 1); add_edge(v);                           // n − 1
    add_edge(BN_dup(n));                                                     // n
    v = BN_dup(n); BN_add_word(v, 1); add_edge(v);                           // n + 1
    v = BN_dup(p); BN_sub_word(v, 1); add_edge(v);                           // p − 1
    add_edge(BN_dup(p));                                                     // p
    v = BN_dup(p); BN_add_word(v, 1); add_edge(v);                           // p + 1
    v = BN_new(); BN_set_bit(v, 255); add_edge(v);                           // 2^255
    v = BN_new(); BN_set_bit(v, 256); BN_sub_word(v, 1); add_edge(v);        // 2^256 − 1
    for (int i = 0; i < edge_count; i++) CHECK(edges[i], "edge values");
}

/// Whether a 32-byte value is one the ECDSA range check refuses (0 or ≥ n).
static int out_of_range(const unsigned char *bytes) {
    BIGNUM *v = BN_bin2bn(bytes, 32, NULL);
    CHECK(v, "out_of_range");
    int result = BN_is_zero(v) || BN_cmp(v, n) >= 0;
    BN_free(v);
    return result;
}

/// All the cases for a key with a known d (about 60 + 2·edges² / 8 of them).
static void known_key_cases(const key_t *key, const key_t *other) {
    BN_CTX_start(ctx);
    BIGNUM *e = BN_CTX_get(ctx), *rd = BN_CTX_get(ctx), *s = BN_CTX_get(ctx);
    CHECK(e && rd && s, "known_key_cases: allocation");
    unsigned char sig[64], twin[64], altered[64], digest[32], flipped_digest[32];

    for (int round = 0; round < 8; round++) {
        random_bytes(digest, 32);
        CHECK(BN_bin2bn(digest, 32, e), "digest");
        if (!sign(sig, key->d, e)) continue;
        compare(key, K_VALID, sig, digest, VALID);
        negate_s(twin, sig);
        compare(key, K_TWIN, twin, digest, VALID);
        compare(other, K_WRONG_KEY, sig, digest, INVALID);

        // r or s replaced by an edge value (or r by r + n, which has the same x mod n).
        for (int i = 0; i < edge_count; i++) {
            memcpy(altered, sig, 64);
            put32(altered, edges[i]);
            compare(key, K_EDGE_RS, altered, digest, out_of_range(altered) ? INVALID : UNKNOWN);
            memcpy(altered, sig, 64);
            put32(altered + 32, edges[i]);
            compare(key, K_EDGE_RS, altered, digest, out_of_range(altered + 32) ? INVALID : UNKNOWN);
        }
        BIGNUM *r = BN_bin2bn(sig, 32, NULL);
        CHECK(r && BN_add(r, r, n), "r + n");
        if (BN_num_bits(r) <= 256) {
            memcpy(altered, sig, 64);
            put32(altered, r);
            compare(key, K_EDGE_RS, altered, digest, INVALID);
        }
        BN_free(r);
        // Pairs of edge values, a few per round (all pairs over the run).
        for (int j = 0; j < 4; j++) {
            int a = (int)(next64() % (uint64_t)edge_count), b = (int)(next64() % (uint64_t)edge_count);
            put32(altered, edges[a]);
            put32(altered + 32, edges[b]);
            compare(key, K_EDGE_RS, altered, digest,
                    out_of_range(altered) || out_of_range(altered + 32) ? INVALID : UNKNOWN);
        }

        // Random bit flips in r ‖ s ‖ digest (1 to 3 bits).
        for (int j = 0; j < 6; j++) {
            memcpy(altered, sig, 64);
            memcpy(flipped_digest, digest, 32);
            int flips = 1 + (int)(next64() % 3);
            for (int f = 0; f < flips; f++) {
                unsigned bit = (unsigned)(next64() % (96 * 8));
                if (bit < 512) altered[bit / 8] ^= (unsigned char)(1u << (bit % 8));
                else flipped_digest[(bit - 512) / 8] ^= (unsigned char)(1u << (bit % 8));
            }
            compare(key, K_FLIPS, altered, flipped_digest, UNKNOWN);
        }
    }

    // Edge digests, signed for real (u1 = e·w = 0 when e ≡ 0 mod n).
    for (int i = 0; i < edge_count; i++) {
        if (BN_num_bits(edges[i]) > 256) continue;
        put32(digest, edges[i]);
        if (!sign(sig, key->d, edges[i])) continue;
        compare(key, K_EDGE_DIGEST, sig, digest, VALID);
        negate_s(twin, sig);
        compare(key, K_EDGE_DIGEST, twin, digest, VALID);
        memcpy(altered, sig, 64);
        altered[63] ^= 1;
        compare(key, K_EDGE_DIGEST, altered, digest, UNKNOWN);
    }

    // Doubling: e = r·d, so u1·G = u2·Q and the sum is a doubling; s = k⁻¹·2rd, a valid signature.
    // Infinity: e = −r·d, so u1·G = −u2·Q and R = ∞ for every s: invalid.
    for (int round = 0; round < 2; round++) {
        BIGNUM *r = BN_CTX_get(ctx);
        CHECK(r, "doubling: allocation");
        {
            BIGNUM *k = BN_CTX_get(ctx), *x = BN_CTX_get(ctx);
            EC_POINT *R = EC_POINT_new(group);
            CHECK(k && x && R, "doubling: allocation");
            random_below(k, n);
            CHECK(EC_POINT_mul(group, R, k, NULL, NULL, ctx) && EC_POINT_get_affine_coordinates(group, R, x, NULL, ctx)
                  && BN_nnmod(r, x, n, ctx) && BN_mod_mul(rd, r, key->d, n, ctx), "doubling: R");
            EC_POINT_free(R);
            put32(digest, rd);                                        // e = r·d
            CHECK(BN_mod_add(s, rd, rd, n, ctx) && BN_mod_inverse(k, k, n, ctx) && BN_mod_mul(s, s, k, n, ctx),
                  "doubling: s");                                     // s = k⁻¹·2rd
            put32(sig, r);
            put32(sig + 32, s);
            compare(key, K_DOUBLING, sig, digest, VALID);
            negate_s(twin, sig);
            compare(key, K_DOUBLING, twin, digest, VALID);
            // The same e as a digest ≥ n (e + n, when it fits in 256 bits): u1 is the same, still valid.
            BIGNUM *wide = BN_dup(rd);
            CHECK(wide && BN_add(wide, wide, n), "e + n");
            if (BN_num_bits(wide) <= 256) {
                put32(flipped_digest, wide);
                compare(key, K_DOUBLING, sig, flipped_digest, VALID);
            }
            BN_free(wide);
            // Infinity: e = −r·d with several s.
            CHECK(BN_mod_sub(e, n, rd, n, ctx), "−r·d");
            put32(digest, e);
            for (int j = 0; j < 3; j++) {
                random_below(s, n);
                put32(sig + 32, s);
                compare(key, K_INFINITY, sig, digest, INVALID);
            }
            put32(sig + 32, edges[1]);  // s = 1
            compare(key, K_INFINITY, sig, digest, INVALID);
        }
    }
    BN_CTX_end(ctx);
}

/// A key derived the Wycheproof way so that a signature with a wrapped x is valid: R with x in [n, p), r = x − n,
/// random s and e, Q = r⁻¹·(s·R − e·G). Then its cases: the signature, its twin, r = x, flips.
static void wrapped_key_cases(void) {
    BN_CTX_start(ctx);
    BIGNUM *x = BN_CTX_get(ctx), *gap = BN_CTX_get(ctx), *r = BN_CTX_get(ctx), *s = BN_CTX_get(ctx),
           *e = BN_CTX_get(ctx), *rinv = BN_CTX_get(ctx), *negE = BN_CTX_get(ctx);
    CHECK(negE, "wrapped: allocation");
    EC_POINT *R = EC_POINT_new(group), *Q = EC_POINT_new(group);
    CHECK(R && Q && BN_sub(gap, p, n), "wrapped: setup");
    for (;;) {
        random_below(x, gap);
        CHECK(BN_add(x, x, n), "x");
        if (EC_POINT_set_compressed_coordinates(group, R, x, (int)(next64() & 1), ctx) == 1) break;
        ERR_clear_error();  // x³ − 3x + b is not a square: try another x
    }
    CHECK(BN_sub(r, x, n), "r = x − n");
    random_below(s, n);
    unsigned char digest[32], sig[64], twin[64], altered[64];
    random_bytes(digest, 32);
    CHECK(BN_bin2bn(digest, 32, e) && BN_mod_sub(negE, n, e, n, ctx) && BN_mod_inverse(rinv, r, n, ctx)
          && EC_POINT_mul(group, Q, negE, R, s, ctx)      // s·R − e·G
          && EC_POINT_mul(group, Q, NULL, Q, rinv, ctx),  // r⁻¹·(s·R − e·G)
          "Q = r⁻¹·(s·R − e·G)");
    CHECK(!EC_POINT_is_at_infinity(group, Q), "Q is not ∞");
    key_t key = {0};
    key_open(&key, Q, NULL);
    put32(sig, r);
    put32(sig + 32, s);
    compare(&key, K_WRAPPED, sig, digest, VALID);
    negate_s(twin, sig);
    compare(&key, K_WRAPPED, twin, digest, VALID);
    memcpy(altered, sig, 64);
    put32(altered, x);  // r = x itself: out of range
    compare(&key, K_WRAPPED_UNREDUCED, altered, digest, INVALID);
    for (int j = 0; j < 8; j++) {
        memcpy(altered, sig, 64);
        unsigned bit = (unsigned)(next64() % 512);
        altered[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        compare(&key, K_FLIPS, altered, digest, UNKNOWN);
    }
    key_close(&key);
    EC_POINT_free(R);
    EC_POINT_free(Q);
    BN_CTX_end(ctx);
}

/// cl_p256_table_new must refuse what is not a point of the curve: a point off it, coordinates ≥ p, (0, 0), the
/// one-byte encoding of ∞, a truncated point; and a good point compressed. Returns how many it accepted (each printed).
static int table_new_refusals(void) {
    int accepted_bad = 0;
    unsigned char point[65];
    EC_POINT *Q = EC_POINT_new(group);
    BIGNUM *d = BN_new();
    CHECK(Q && d, "refusals: allocation");
    random_below(d, n);
    CHECK(EC_POINT_mul(group, Q, d, NULL, NULL, ctx)
          && EC_POINT_point2oct(group, Q, POINT_CONVERSION_UNCOMPRESSED, point, 65, ctx) == 65, "refusals: point");
    struct { const char *what; unsigned char bytes[65]; size_t length; } cases[7];
    int count = 0;
    cases[count].what = "y + 1 (off the curve)"; memcpy(cases[count].bytes, point, 65); cases[count].bytes[64] ^= 1;
    cases[count++].length = 65;
    cases[count].what = "x = p"; memcpy(cases[count].bytes, point, 65); put32(cases[count].bytes + 1, p);
    cases[count++].length = 65;
    cases[count].what = "(0, 0)"; memset(cases[count].bytes, 0, 65); cases[count].bytes[0] = 4; cases[count++].length = 65;
    cases[count].what = "infinity (one zero byte)"; cases[count].bytes[0] = 0; cases[count++].length = 1;
    cases[count].what = "64 of the 65 bytes"; memcpy(cases[count].bytes, point, 64); cases[count++].length = 64;
    cases[count].what = "no bytes"; cases[count++].length = 0;
    // A good point in another SEC 1 form: the table takes only the ledger's canonical 65-byte 04 ‖ x ‖ y.
    cases[count].what = "the same point compressed (33 bytes)";
    CHECK(EC_POINT_point2oct(group, Q, POINT_CONVERSION_COMPRESSED, cases[count].bytes, 65, ctx) == 33, "refusals: compressed");
    cases[count++].length = 33;
    for (int i = 0; i < count; i++) {
        cl_p256_table *table = cl_p256_table_new(cases[i].bytes, cases[i].length);
        ERR_clear_error();
        if (table != NULL) {
            fprintf(stderr, "DISAGREEMENT: cl_p256_table_new accepted %s\n", cases[i].what);
            cl_p256_table_free(table);
            accepted_bad++;
        }
    }
    EC_POINT_free(Q);
    BN_free(d);
    return accepted_bad;
}

static void random_key(key_t *key) {
    BIGNUM *d = BN_new();
    EC_POINT *Q = EC_POINT_new(group);
    CHECK(d && Q, "random_key: allocation");
    random_below(d, n);
    CHECK(EC_POINT_mul(group, Q, d, NULL, NULL, ctx), "Q = d·G");
    key_open(key, Q, d);
    EC_POINT_free(Q);
}

int main(int argc, char **argv) {
    unsigned long long wanted = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000ULL;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    state = seed;
    ctx = BN_CTX_new();
    group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    p = BN_new();
    CHECK(ctx && group && p && EC_GROUP_get_curve(group, p, NULL, NULL, ctx), "P-256 group");
    n = EC_GROUP_get0_order(group);
    setup_edges();

    int bad_keys = table_new_refusals();
    disagreements += (unsigned long long)bad_keys;

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned long long keys = 0, derived = 0;
    key_t previous = {0};
    random_key(&previous);
    keys++;
    while (total < wanted) {
        key_t key = {0};
        random_key(&key);
        keys++;
        // Many cases per key: a table costs about 400 verifications to build.
        for (int i = 0; i < 8 && total < wanted; i++) known_key_cases(&key, &previous);
        wrapped_key_cases();
        derived++;
        key_close(&previous);
        previous = key;
    }
    key_close(&previous);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;

    printf("p256-table-differential: cl_p256_table_new refused %d of 7 bad public keys\n", 7 - bad_keys);
    printf("p256-table-differential: seed %llu, %llu random keys with known d, %llu keys derived for a wrapped x\n",
           (unsigned long long)seed, keys, derived);
    for (int k = 0; k < K_COUNT; k++)
        printf("  %-34s %12llu cases, %12llu accepted\n", kind_names[k], counts[k], accepted[k]);
    printf("%llu cases in %.1f s: %llu disagreements, %llu table errors\n", total, seconds, disagreements, table_errors);
    return disagreements == 0 && table_errors == 0 ? 0 : 1;
}
