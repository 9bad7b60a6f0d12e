/* Decoding the kafka-delta plugin's Event messages (geyser-plugins/kafka-delta/proto): a protobuf
 * reader for exactly that schema. Byte fields point into the input; nothing is allocated. Unknown
 * fields are skipped as the protobuf runtime skips them (groups too, nested up to 100 deep);
 * field numbers outside 1..2^29-1, stray end-group tags, wire types 6 and 7, truncated or
 * inconsistent input are MEV_EMSG, as the runtime refuses them. */
#ifndef MEV_DELTA_H
#define MEV_DELTA_H

#include <stddef.h>
#include <stdint.h>

enum mev_delta_kind { MEV_DELTA_ACCOUNT = 1, MEV_DELTA_SLOT = 2 };

typedef struct {
    int kind;
    /* account */
    const uint8_t *pubkey, *owner, *data, *signature; /* pubkey/owner 32 bytes; signature 64 or NULL */
    size_t data_len;
    uint64_t lamports, write_version, rent_epoch;
    int is_startup, executable;
    /* slot */
    int has_parent, status;
    uint64_t parent;
    const uint8_t *dead_error;
    size_t dead_error_len;
    /* both */
    uint64_t slot, sequence;
} mev_delta;

int mev_delta_decode(const uint8_t *buf, size_t len, mev_delta *out);

#endif
