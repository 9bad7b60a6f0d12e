/* Decoding Yellowstone ("Dragon's Mouth") gRPC SubscribeUpdate messages: the fields mevlib uses of
 * rpcpool/yellowstone-grpc's geyser.proto and solana-storage.proto (proto/yellowstone.proto is
 * our subset, with the field numbers). Account and slot updates fill the same mev_delta as the
 * plugin's events, slot statuses mapped to the plugin's numbering; a transaction update gives its
 * signature, slot, the message's static account keys and its error, pointing into the input.
 * Unknown fields and update kinds are skipped as the protobuf runtime skips them; malformed input
 * is MEV_EMSG. Nothing is allocated. */
#ifndef MEV_YELLOWSTONE_H
#define MEV_YELLOWSTONE_H

#include <stddef.h>
#include <stdint.h>

#include "delta.h"

enum mev_ys_kind {
    MEV_YS_ACCOUNT = 1,
    MEV_YS_SLOT = 2,
    MEV_YS_TRANSACTION = 3,
    MEV_YS_PING = 4,
    MEV_YS_PONG = 5,
    MEV_YS_BLOCK_META = 6,
    MEV_YS_OTHER = 7 /* a kind mevlib does not read (blocks, entries, ...): skipped whole */
};

#define MEV_YS_MAX_KEYS 256 /* a v0 message's static keys fit in a 1232-byte packet: at most 38 */

typedef struct {
    int kind;
    mev_delta delta; /* account and slot updates, as the plugin's */
    /* transaction */
    const uint8_t *signature; /* 64 bytes */
    int is_vote;
    const uint8_t *keys[MEV_YS_MAX_KEYS]; /* 32 bytes each, the message's static account keys */
    size_t nkeys;
    const uint8_t *err; /* bincode TransactionError, NULL when it succeeded */
    size_t err_len;
    uint64_t fee, index;
    const uint8_t *transaction; /* the solana.storage Transaction message, encoded */
    size_t transaction_len;
    /* pong */
    int32_t pong_id;
    /* block meta (slot in delta.slot) */
    const uint8_t *blockhash, *parent_blockhash; /* base58 text */
    size_t blockhash_len, parent_blockhash_len;
    uint64_t parent_slot, executed_transaction_count, block_height;
    int64_t block_time;
    int has_block_height, has_block_time;
} mev_ys_update;

int mev_ys_decode(const uint8_t *buf, size_t len, mev_ys_update *out);

#endif
