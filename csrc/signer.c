#include "signer.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sodium.h>
#include <string.h>
#include <sys/mman.h>

#include "mev_error.h"
#include "proc.h"

/* Bytes of stack below a signing call that libsodium's routines may have left secrets in (their
 * own copies of scalars, the SHA-512 state): wiped after every signature and nonce. test_signer's
 * stack scan finds k·a and r without the wipe, still finds them with 256 bytes and none with
 * 1 KiB; 4 KiB leaves room for other compilers and flags. */
#define STACK_WIPE_BYTES 4096

#ifndef MEV_DEFAULT_SIGN_METHOD
#define MEV_DEFAULT_SIGN_METHOD MEV_SIGN_EXPANDED
#endif

/* Everything secret lives in this one sodium_malloc'd block: guard pages around it, mlock'ed where
 * the limit allows, excluded from core dumps, zeroed by sodium_free. */
struct mev_key {
    uint8_t scalar[32]; /* clamped SHA-512(seed)[0..32), reduced mod L */
    uint8_t prefix[32]; /* SHA-512(seed)[32..64): the nonce key */
    uint8_t keypair[64]; /* seed || pubkey, libsodium's secret-key layout */
    struct nonce_pool *nonces; /* NULL unless mev_key_start_nonces */
};

/* Precomputed nonces. Almost all of a signature's time is R = [r]B, and r need not come from the
 * message: RFC 8032 verification never recomputes it, so a uniformly random r, used once, gives a
 * signature every verifier accepts. A background thread makes (r, R) pairs ahead of time; a
 * signature then costs two SHA-512s and a scalar multiply-add. The price is determinism: the same
 * message signed twice gets two signatures (Solana's replay protection is keyed by message hash,
 * so it still lands at most once). A nonce used for two messages reveals the key, so each pair is
 * handed out once and wiped, and the pool's memory is wiped in a forked child (MADV_WIPEONFORK):
 * there the pool is empty and signing falls back to the deterministic path. */
typedef struct {
    uint8_t r[32];
    uint8_t R[32];
} nonce;

struct nonce_pool {
    pthread_mutex_t lock; /* all-zero bytes are a valid unlocked mutex (also after the fork wipe) */
    pthread_cond_t low;   /* signalled when count drops to low_water */
    pthread_t thread;
    _Atomic int tid;      /* the refill thread's kernel id, for pinning it */
    int running;          /* the refill thread exists (0 in a forked child) */
    int stop;
    uint32_t cap, count, low_water;
    uint64_t served, missed;
    nonce items[];
};

static void make_nonce(nonce *n)
{
    do
        crypto_core_ed25519_scalar_random(n->r); /* uniform in [1, L) */
    while (crypto_scalarmult_ed25519_base_noclamp(n->R, n->r) != 0);
}

static void *refill_main(void *arg)
{
    struct nonce_pool *p = arg;
    nonce n;
    atomic_store(&p->tid, mev_tid());
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        if (p->count > p->low_water) {
            pthread_cond_wait(&p->low, &p->lock);
            continue;
        }
        while (!p->stop && p->count < p->cap) {
            pthread_mutex_unlock(&p->lock); /* the slow part runs unlocked: signers keep taking */
            make_nonce(&n);
            sodium_stackzero(STACK_WIPE_BYTES);
            pthread_mutex_lock(&p->lock);
            p->items[p->count++] = n;
            sodium_memzero(&n, sizeof n); /* not kept on this stack while the thread sleeps */
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* One nonce into *out (1), or 0 when the pool is empty: the caller signs deterministically. */
static int take_nonce(struct nonce_pool *p, nonce *out)
{
    int got = 0;
    pthread_mutex_lock(&p->lock);
    if (p->count > 0) {
        *out = p->items[--p->count];
        sodium_memzero(&p->items[p->count], sizeof(nonce));
        p->served++;
        got = 1;
        if (p->count == p->low_water)
            pthread_cond_signal(&p->low);
    } else {
        p->missed++;
    }
    pthread_mutex_unlock(&p->lock);
    return got;
}

static void free_pool(struct nonce_pool *p)
{
    if (p == NULL)
        return;
    if (p->running) {
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_signal(&p->low);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
        pthread_cond_destroy(&p->low);
        pthread_mutex_destroy(&p->lock);
    }
    size_t bytes = sizeof *p + (size_t)p->cap * sizeof(nonce);
    sodium_memzero(p, bytes);
    munmap(p, bytes);
}

int mev_key_start_nonces(mev_key *key, uint32_t count)
{
    if (key == NULL || count < 2 || count > (1u << 20) || key->nonces != NULL)
        return MEV_EINVAL;
    size_t bytes = sizeof(struct nonce_pool) + (size_t)count * sizeof(nonce);
    struct nonce_pool *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return MEV_ENOMEM;
    /* no pool without the fork wipe: a child and its parent would share nonces */
    if (madvise(p, bytes, MADV_WIPEONFORK) != 0) {
        munmap(p, bytes);
        return MEV_EOS;
    }
    (void)madvise(p, bytes, MADV_DONTDUMP);
    (void)mlock(p, bytes); /* best effort, like sodium_malloc: RLIMIT_MEMLOCK may refuse */
    p->cap = count;
    p->low_water = count / 2;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->low, NULL);
    while (p->count < p->cap) /* full before the first signature */
        make_nonce(&p->items[p->count++]);
    sodium_stackzero(STACK_WIPE_BYTES);
    if (pthread_create(&p->thread, NULL, refill_main, p) != 0) {
        free_pool(p);
        return MEV_ETHREAD;
    }
    p->running = 1;
    key->nonces = p;
    return MEV_OK;
}

int mev_key_refill_thread_id(const mev_key *key)
{
    struct nonce_pool *p = key->nonces;
    if (p == NULL || !p->running)
        return 0;
    for (int i = 0; i < 100000 && atomic_load(&p->tid) == 0; i++)
        sched_yield();
    return atomic_load(&p->tid);
}

void mev_key_nonce_stats(const mev_key *key, uint64_t *served, uint64_t *missed, uint32_t *available)
{
    struct nonce_pool *p = key->nonces;
    *served = *missed = 0;
    *available = 0;
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    *served = p->served;
    *missed = p->missed;
    *available = p->count;
    pthread_mutex_unlock(&p->lock);
}

int mev_crypto_init(void)
{
    return sodium_init() < 0 ? MEV_ECRYPTO : MEV_OK;
}

int mev_key_new(const uint8_t seed[MEV_SEED_BYTES], mev_key **out)
{
    uint8_t pk[32], h[64], wide[64] = {0};
    mev_key *k;

    *out = NULL;
    if (mev_crypto_init() != MEV_OK)
        return MEV_ECRYPTO;
    k = sodium_malloc(sizeof *k);
    if (k == NULL)
        return MEV_ENOMEM;
    k->nonces = NULL;
    if (crypto_sign_seed_keypair(pk, k->keypair, seed) != 0) {
        sodium_free(k);
        return MEV_ECRYPTO;
    }
    crypto_hash_sha512(h, seed, MEV_SEED_BYTES);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    memcpy(wide, h, 32);
    crypto_core_ed25519_scalar_reduce(k->scalar, wide);
    memcpy(k->prefix, h + 32, 32);
    sodium_memzero(h, sizeof h);
    sodium_memzero(wide, sizeof wide);
    *out = k;
    return MEV_OK;
}

int mev_key_from_keypair(const uint8_t keypair[64], mev_key **out)
{
    int rc = mev_key_new(keypair, out);
    if (rc != MEV_OK)
        return rc;
    if (sodium_memcmp(mev_key_pubkey(*out), keypair + 32, 32) != 0) {
        mev_key_free(*out);
        *out = NULL;
        return MEV_EKEY;
    }
    return MEV_OK;
}

void mev_key_free(mev_key *key)
{
    if (key != NULL) {
        free_pool(key->nonces);
        sodium_free(key); /* zeroes before unmapping */
    }
}

const uint8_t *mev_key_pubkey(const mev_key *key)
{
    return key->keypair + 32;
}

/* S = r + SHA-512(R || A || M) * a mod L, with R already in sig[0..32). */
static void finish_signature(const mev_key *k, const uint8_t r[32], const uint8_t *msg, size_t len,
                             uint8_t sig[64])
{
    crypto_hash_sha512_state st;
    uint8_t h[64], hk[32], ka[32];

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig, 32);
    crypto_hash_sha512_update(&st, mev_key_pubkey(k), 32);
    crypto_hash_sha512_update(&st, msg, len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(hk, h);
    crypto_core_ed25519_scalar_mul(ka, hk, k->scalar);
    crypto_core_ed25519_scalar_add(sig + 32, ka, r);
    /* with S public, k·a gives the secret scalar: nothing of it may outlive this frame */
    sodium_memzero(h, sizeof h);
    sodium_memzero(hk, sizeof hk);
    sodium_memzero(ka, sizeof ka);
    sodium_memzero(&st, sizeof st);
}

/* RFC 8032 5.1.6 with the expansion of step 1 done once in mev_key_new. */
static int sign_expanded(const mev_key *k, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    crypto_hash_sha512_state st;
    uint8_t h[64], r[32];

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, k->prefix, 32);
    crypto_hash_sha512_update(&st, msg, len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(r, h);
    sodium_memzero(h, sizeof h);
    /* r == 0 has probability 2^-252; libsodium refuses it, so defer to the reference path. */
    if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0)
        return crypto_sign_detached(sig, NULL, msg, len, k->keypair) == 0 ? MEV_OK : MEV_ECRYPTO;
    finish_signature(k, r, msg, len, sig);
    sodium_memzero(r, sizeof r);
    return MEV_OK;
}

static int sign_prepared(const mev_key *k, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    nonce n;
    if (!take_nonce(k->nonces, &n))
        return sign_expanded(k, msg, len, sig);
    memcpy(sig, n.R, 32);
    finish_signature(k, n.r, msg, len, sig);
    sodium_memzero(&n, sizeof n);
    return MEV_OK;
}

int mev_sign_with(const mev_key *key, int method, const uint8_t *msg, size_t len,
                  uint8_t sig[MEV_SIG_BYTES])
{
    static const uint8_t empty[1] = {0};

    if (key == NULL || (msg == NULL && len != 0) || sig == NULL)
        return MEV_EINVAL;
    if (msg == NULL)
        msg = empty;
    int rc;
    switch (method) {
    case MEV_SIGN_EXPANDED:
        rc = key->nonces != NULL ? sign_prepared(key, msg, len, sig) : sign_expanded(key, msg, len, sig);
        break;
    case MEV_SIGN_DETACHED:
        rc = crypto_sign_detached(sig, NULL, msg, len, key->keypair) == 0 ? MEV_OK : MEV_ECRYPTO;
        break;
    default:
        return MEV_EINVAL;
    }
    sodium_stackzero(STACK_WIPE_BYTES);
    return rc;
}

int mev_sign(const mev_key *key, const uint8_t *msg, size_t len, uint8_t sig[MEV_SIG_BYTES])
{
    return mev_sign_with(key, MEV_DEFAULT_SIGN_METHOD, msg, len, sig);
}
