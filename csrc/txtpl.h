/* Transaction templates: a serialized message with named patch points, signed into wire bytes. */
#ifndef MEV_TXTPL_H
#define MEV_TXTPL_H

#include <stddef.h>
#include <stdint.h>

#include "message.h"
#include "pool.h"
#include "signer.h"

#define MEV_MAX_SIGNERS 16 /* more cannot fit a 1232-byte packet with their keys anyway */
#define MEV_MAX_PATCHES 16

typedef struct mev_tpl mev_tpl;

/* Copies and validates msg; the wire layout is fixed from here on. */
int mev_tpl_new(const uint8_t *msg, size_t len, mev_tpl **out);
void mev_tpl_free(mev_tpl *tpl);

const mev_msg_info *mev_tpl_info(const mev_tpl *tpl);
size_t mev_tpl_wire_len(const mev_tpl *tpl);
/* Bytes of one row of patch values: the sum of every patch's width, in patch order. */
size_t mev_tpl_row_bytes(const mev_tpl *tpl);
/* The required signer's public key for signature slot i. */
const uint8_t *mev_tpl_signer_pubkey(const mev_tpl *tpl, unsigned slot);

/* Binds key to the signature slot whose public key it has (borrowed: the key must outlive its use
 * here). MEV_EKEY if the key is not a required signer of the message. */
int mev_tpl_set_signer(mev_tpl *tpl, const mev_key *key);
/* MEV_ESIGNER unless every signature slot has a key. */
int mev_tpl_check_signers(const mev_tpl *tpl);

/* Adds a patch point; *index receives its position in a row. Patches may not overlap. */
int mev_tpl_add_blockhash_patch(mev_tpl *tpl, unsigned *index);
int mev_tpl_add_ix_patch(mev_tpl *tpl, uint16_t ix, uint16_t data_offset, uint8_t width,
                         unsigned *index);
/* Adds a patch point over static account key key_index (32 bytes), e.g. a tip account drawn per
 * signature. Signer keys cannot be patched (their signatures would not match): MEV_EINVAL; an
 * index past the static keys: MEV_EBOUNDS. Signing refuses a row that makes a patched key equal
 * to another key of the message (the runtime would reject it): MEV_EDUPKEY. */
int mev_tpl_add_account_patch(mev_tpl *tpl, uint16_t key_index, unsigned *index);
/* Byte offset of patch i within a row, and its width. */
int mev_tpl_patch_layout(const mev_tpl *tpl, unsigned i, size_t *row_offset, uint8_t *width);

/* Fills row with the bytes the message currently holds at every patch point. */
void mev_tpl_default_row(const mev_tpl *tpl, uint8_t *row);

/* Writes the wire transaction for one row of patch values (NULL: the message as built) into out,
 * which has room for mev_tpl_wire_len bytes. No allocation. */
int mev_tpl_sign(const mev_tpl *tpl, const uint8_t *row, uint8_t *out);
/* Signs n rows (rows[i * row_bytes]) into outs[i], spread over pool (NULL: this thread only). */
int mev_tpl_sign_many(const mev_tpl *tpl, const uint8_t *rows, size_t n, uint8_t *const *outs,
                      mev_pool *pool);

#endif
