#include "signer.h"

#include <sodium.h>
#include <string.h>

#include "mev_error.h"

#ifndef MEV_DEFAULT_SIGN_METHOD
#define MEV_DEFAULT_SIGN_METHOD MEV_SIGN_EXPANDED
#endif

/* Everything secret lives in this one sodium_malloc'd block: guard pages around it, mlock'ed where
 * the limit allows, excluded from core dumps, zeroed by sodium_free. */
struct mev_key {
    uint8_t scalar[32]; /* clamped SHA-512(seed)[0..32), reduced mod L */
    uint8_t prefix[32]; /* SHA-512(seed)[32..64): the nonce key */
    uint8_t keypair[64]; /* seed || pubkey, libsodium's secret-key layout */
};

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
    if (key != NULL)
        sodium_free(key); /* zeroes before unmapping */
}

const uint8_t *mev_key_pubkey(const mev_key *key)
{
    return key->keypair + 32;
}

/* RFC 8032 5.1.6 with the expansion of step 1 done once in mev_key_new. */
static int sign_expanded(const mev_key *k, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    crypto_hash_sha512_state st;
    uint8_t h[64], r[32], hk[32], ka[32];

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, k->prefix, 32);
    crypto_hash_sha512_update(&st, msg, len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(r, h);
    /* r == 0 has probability 2^-252; libsodium refuses it, so defer to the reference path. */
    if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0)
        return crypto_sign_detached(sig, NULL, msg, len, k->keypair) == 0 ? MEV_OK : MEV_ECRYPTO;

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, sig, 32);
    crypto_hash_sha512_update(&st, mev_key_pubkey(k), 32);
    crypto_hash_sha512_update(&st, msg, len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(hk, h);
    crypto_core_ed25519_scalar_mul(ka, hk, k->scalar);
    crypto_core_ed25519_scalar_add(sig + 32, ka, r);
    sodium_memzero(r, sizeof r);
    sodium_memzero(h, sizeof h);
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
    switch (method) {
    case MEV_SIGN_EXPANDED:
        return sign_expanded(key, msg, len, sig);
    case MEV_SIGN_DETACHED:
        return crypto_sign_detached(sig, NULL, msg, len, key->keypair) == 0 ? MEV_OK : MEV_ECRYPTO;
    default:
        return MEV_EINVAL;
    }
}

int mev_sign(const mev_key *key, const uint8_t *msg, size_t len, uint8_t sig[MEV_SIG_BYTES])
{
    return mev_sign_with(key, MEV_DEFAULT_SIGN_METHOD, msg, len, sig);
}
