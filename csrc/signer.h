/* Ed25519 signing with keys expanded once and kept in libsodium's guarded, locked memory. */
#ifndef MEV_SIGNER_H
#define MEV_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#define MEV_SEED_BYTES 32
#define MEV_PUBKEY_BYTES 32
#define MEV_SIG_BYTES 64

/* Which signing routine mev_sign uses. Both produce the same RFC 8032 bytes (unless the key has
 * precomputed nonces: see mev_key_start_nonces). */
enum mev_sign_method {
    MEV_SIGN_EXPANDED = 0, /* pre-expanded scalar + prefix: skips SHA-512(seed) per signature */
    MEV_SIGN_DETACHED = 1, /* libsodium crypto_sign_detached on seed||pubkey */
};

typedef struct mev_key mev_key;

/* Calls sodium_init(); safe to call many times and from several threads. */
int mev_crypto_init(void);

/* Expands a 32-byte seed into *out (sodium_malloc'd, locked). Frees with mev_key_free. */
int mev_key_new(const uint8_t seed[MEV_SEED_BYTES], mev_key **out);
/* Like mev_key_new for a 64-byte seed||pubkey keypair; MEV_EKEY if the halves disagree. */
int mev_key_from_keypair(const uint8_t keypair[64], mev_key **out);
/* Makes signatures fast (see signer.c): keeps `count` random nonces with their points ready,
 * refilled by a background thread when half are used. Signatures of MEV_SIGN_EXPANDED then use
 * one each and are no longer deterministic; an empty pool falls back to deterministic signing.
 * Call before the key is shared with other threads. MEV_EOS if the kernel cannot wipe the pool
 * in forked children (MADV_WIPEONFORK, Linux 4.14+). */
int mev_key_start_nonces(mev_key *key, uint32_t count);
/* The nonce refill thread's kernel id (0 without a pool), to pin it (mevlib.affinity). */
int mev_key_refill_thread_id(const mev_key *key);
void mev_key_nonce_stats(const mev_key *key, uint64_t *served, uint64_t *missed, uint32_t *available);
/* Wipes and frees (the nonce pool too). NULL is accepted. */
void mev_key_free(mev_key *key);

const uint8_t *mev_key_pubkey(const mev_key *key);

/* Signs msg[0..len) into sig. Thread-safe: the key is read only. */
int mev_sign(const mev_key *key, const uint8_t *msg, size_t len, uint8_t sig[MEV_SIG_BYTES]);
int mev_sign_with(const mev_key *key, int method, const uint8_t *msg, size_t len,
                  uint8_t sig[MEV_SIG_BYTES]);

#endif
