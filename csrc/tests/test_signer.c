/* Signer: RFC 8032 vectors, both signing routines agree, key handling. */
#include <pthread.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mev_error.h"
#include "../signer.h"
#include "check.h"

static const struct {
    const char *seed, *pub, *msg, *sig;
} vectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

static void test_vectors(void)
{
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        unsigned char seed[32], pub[32], msg[2], want[64], got[64];
        size_t mlen = strlen(vectors[v].msg) / 2;
        mev_key *k;
        hex_decode(vectors[v].seed, seed, 32);
        hex_decode(vectors[v].pub, pub, 32);
        hex_decode(vectors[v].msg, msg, mlen);
        hex_decode(vectors[v].sig, want, 64);
        CHECK_EQ_INT(mev_key_new(seed, &k), MEV_OK);
        CHECK(memcmp(mev_key_pubkey(k), pub, 32) == 0);
        for (int method = MEV_SIGN_EXPANDED; method <= MEV_SIGN_DETACHED; method++) {
            memset(got, 0, sizeof got);
            CHECK_EQ_INT(mev_sign_with(k, method, mlen ? msg : NULL, mlen, got), MEV_OK);
            CHECK(memcmp(got, want, 64) == 0);
        }
        mev_key_free(k);
    }
}

static void test_methods_agree(void)
{
    unsigned char seed[32], msg[1300], a[64], b[64];
    for (int round = 0; round < 300; round++) {
        mev_key *k;
        size_t len = randombytes_uniform(sizeof msg);
        randombytes_buf(seed, sizeof seed);
        randombytes_buf(msg, len);
        CHECK_EQ_INT(mev_key_new(seed, &k), MEV_OK);
        CHECK_EQ_INT(mev_sign_with(k, MEV_SIGN_EXPANDED, msg, len, a), MEV_OK);
        CHECK_EQ_INT(mev_sign_with(k, MEV_SIGN_DETACHED, msg, len, b), MEV_OK);
        CHECK(memcmp(a, b, 64) == 0);
        CHECK(crypto_sign_verify_detached(a, msg, len, mev_key_pubkey(k)) == 0);
        mev_key_free(k);
    }
}

static void test_keypair_checks(void)
{
    unsigned char kp[64];
    mev_key *k = NULL;
    randombytes_buf(kp, 32);
    CHECK_EQ_INT(mev_key_new(kp, &k), MEV_OK);
    memcpy(kp + 32, mev_key_pubkey(k), 32);
    mev_key_free(k);
    CHECK_EQ_INT(mev_key_from_keypair(kp, &k), MEV_OK);
    mev_key_free(k);
    kp[40] ^= 1;
    CHECK_EQ_INT(mev_key_from_keypair(kp, &k), MEV_EKEY);
    CHECK(k == NULL);
    CHECK_EQ_INT(mev_sign(NULL, kp, 1, kp), MEV_EINVAL);
    mev_key_free(NULL);
}

/* Precomputed nonces: every signature verifies, no nonce is served twice (the same message
 * signed again gets a fresh R unless it fell back to the deterministic path), counts add up,
 * and a forked child gets an empty pool. Two threads sign at once while the pool refills. */
enum { NONCE_SIGS = 1500 };

typedef struct {
    const mev_key *key;
    uint8_t R[NONCE_SIGS][32];
    int bad;
} nonce_worker;

static const uint8_t same_msg[] = "the same message, signed again and again";

static void *nonce_sign(void *arg)
{
    nonce_worker *w = arg;
    uint8_t sig[64];
    for (int i = 0; i < NONCE_SIGS; i++) {
        if (mev_sign(w->key, same_msg, sizeof same_msg, sig) != MEV_OK ||
            crypto_sign_verify_detached(sig, same_msg, sizeof same_msg, mev_key_pubkey(w->key)) != 0)
            w->bad++;
        memcpy(w->R[i], sig, 32);
        if (i % 64 == 0)
            usleep(200); /* let the refill thread catch up now and then */
    }
    return NULL;
}

static int cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static void test_nonce_pool(void)
{
    uint8_t seed[32], det[64], sig[64];
    mev_key *k;
    static nonce_worker w[2];
    static uint8_t all[2 * NONCE_SIGS][32];
    uint64_t served, missed;
    uint32_t available;

    randombytes_buf(seed, sizeof seed);
    CHECK_EQ_INT(mev_key_new(seed, &k), MEV_OK);
    CHECK_EQ_INT(mev_sign(k, same_msg, sizeof same_msg, det), MEV_OK);
    CHECK_EQ_INT(mev_key_start_nonces(k, 1), MEV_EINVAL);
    CHECK_EQ_INT(mev_key_start_nonces(k, 16), MEV_OK);
    CHECK_EQ_INT(mev_key_start_nonces(k, 16), MEV_EINVAL);
    mev_key_nonce_stats(k, &served, &missed, &available);
    CHECK_EQ_INT(available, 16);

    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        w[i].key = k;
        w[i].bad = 0;
        CHECK(pthread_create(&t[i], NULL, nonce_sign, &w[i]) == 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(w[i].bad, 0);
        memcpy(all[i * NONCE_SIGS], w[i].R, sizeof w[i].R);
    }
    mev_key_nonce_stats(k, &served, &missed, &available);
    CHECK_EQ_INT(served + missed, 2 * NONCE_SIGS);
    CHECK(served > 16); /* the refill thread ran */
    qsort(all, 2 * NONCE_SIGS, 32, cmp32);
    size_t distinct = 1, deterministic = memcmp(all[0], det, 32) == 0;
    for (size_t i = 1; i < 2 * NONCE_SIGS; i++) {
        distinct += memcmp(all[i], all[i - 1], 32) != 0;
        deterministic += memcmp(all[i], det, 32) == 0;
    }
    CHECK_EQ_INT(deterministic, missed);
    CHECK_EQ_INT(distinct, served + (missed > 0));

    pid_t pid = fork();
    if (pid == 0) { /* the child's copy of the pool is wiped: deterministic signatures only */
        mev_key_nonce_stats(k, &served, &missed, &available);
        int ok = available == 0 && mev_sign(k, same_msg, sizeof same_msg, sig) == MEV_OK &&
                 memcmp(sig, det, 64) == 0;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    mev_key_free(k);
}

/* --- secrets left on the stack ------------------------------------------------------------ */
/* A signature computes k = H(R || A || M) and k·a; with S public, k·a gives the secret scalar a.
 * Neither may stay in the dead stack below the caller once the signer returns (nor a nonce r,
 * which gives a from any signature made with it). snapshot_stack copies the stack just below
 * its own frame right after the call under test; the values are then computed and searched for. */
enum { SCAN_BYTES = 32768 };

__attribute__((noinline, no_sanitize_address)) static void snapshot_stack(uint8_t *out)
{
    uintptr_t below = (uintptr_t)__builtin_frame_address(0) - 256 - SCAN_BYTES;
    for (size_t i = 0; i < SCAN_BYTES; i++)
        out[i] = *(const volatile uint8_t *)(below + i);
}

static int holds(const uint8_t *snap, const uint8_t needle[32])
{
    for (size_t i = 0; i + 32 <= SCAN_BYTES; i++)
        if (memcmp(snap + i, needle, 32) == 0)
            return 1;
    return 0;
}

/* a (the secret scalar), k·a and r for a signature (R || S) of msg. */
static void secrets_of(const uint8_t seed[32], const uint8_t *msg, size_t len, const uint8_t sig[64],
                       uint8_t a[32], uint8_t ka[32], uint8_t r[32])
{
    uint8_t h[64], wide[64] = {0}, k[32], pk[32], sk[64];
    crypto_sign_seed_keypair(pk, sk, seed);
    crypto_hash_sha512(h, seed, 32);
    h[0] &= 248, h[31] &= 127, h[31] |= 64;
    memcpy(wide, h, 32);
    crypto_core_ed25519_scalar_reduce(a, wide);
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig, 32);
    crypto_hash_sha512_update(&st, pk, 32);
    crypto_hash_sha512_update(&st, msg, len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(k, h);
    crypto_core_ed25519_scalar_mul(ka, k, a);
    crypto_core_ed25519_scalar_sub(r, sig + 32, ka);
}

__attribute__((noinline)) static void sign_here(mev_key *key, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    CHECK_EQ_INT(mev_sign(key, msg, len, sig), MEV_OK);
}

static void test_no_secrets_left_on_the_stack(void)
{
    uint8_t seed[32], msg[200], sig[64], a[32], ka[32], r[32];
    uint8_t *snap = malloc(SCAN_BYTES);
    mev_key *key;
    randombytes_buf(seed, sizeof seed);
    randombytes_buf(msg, sizeof msg);
    CHECK_EQ_INT(mev_key_new(seed, &key), MEV_OK);

    sign_here(key, msg, sizeof msg, sig); /* deterministic: r comes from the prefix */
    snapshot_stack(snap);
    secrets_of(seed, msg, sizeof msg, sig, a, ka, r);
    CHECK(!holds(snap, ka));
    CHECK(!holds(snap, r));
    CHECK(!holds(snap, a));

    /* nonces made on this thread to fill the pool, then one used by a signature */
    CHECK_EQ_INT(mev_key_start_nonces(key, 2), MEV_OK);
    snapshot_stack(snap);
    uint8_t *after_fill = malloc(SCAN_BYTES);
    memcpy(after_fill, snap, SCAN_BYTES);
    sign_here(key, msg, sizeof msg, sig); /* takes the nonce made last */
    snapshot_stack(snap);
    secrets_of(seed, msg, sizeof msg, sig, a, ka, r);
    CHECK(!holds(after_fill, r));
    CHECK(!holds(snap, r));
    CHECK(!holds(snap, ka));
    free(after_fill);
    free(snap);
    mev_key_free(key);
}

int main(void)
{
    if (mev_crypto_init() != MEV_OK)
        return 2;
    test_vectors();
    test_methods_agree();
    test_keypair_checks();
    test_nonce_pool();
    test_no_secrets_left_on_the_stack();
    return check_report("test_signer");
}
