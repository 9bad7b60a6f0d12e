/* Parsing and validation of serialized Solana messages (legacy and v0). */
#ifndef MEV_MESSAGE_H
#define MEV_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define MEV_MAX_TX_BYTES 1232 /* IPv6 MTU minus headers: the packet limit for one transaction */
#define MEV_VERSION_LEGACY (-1)

typedef struct {
    int version;                    /* MEV_VERSION_LEGACY or 0 */
    uint8_t num_required_signatures;
    uint8_t num_readonly_signed;
    uint8_t num_readonly_unsigned;
    uint16_t num_static_keys;
    size_t keys_offset;             /* first static account key */
    size_t blockhash_offset;        /* the 32-byte recent blockhash */
    uint16_t num_instructions;
    uint16_t num_lookups;           /* v0 address-table lookups */
    uint16_t num_loaded_keys;       /* accounts those lookups add */
} mev_msg_info;

/* Validates the whole message (exact length, canonical compact-u16s, header consistency, every
 * index in range) and fills *info. Returns MEV_EMSG if anything is off. */
int mev_msg_parse(const uint8_t *msg, size_t len, mev_msg_info *info);

/* Locates instruction ix's data: *data_offset from the start of msg, *data_len bytes.
 * msg must already have passed mev_msg_parse. */
int mev_msg_ix_data(const uint8_t *msg, size_t len, uint16_t ix, size_t *data_offset,
                    uint16_t *data_len);

/* Decodes a compact-u16 at buf[*pos], advancing *pos; rejects non-canonical encodings. */
int mev_compact_u16_read(const uint8_t *buf, size_t len, size_t *pos, uint16_t *value);
/* Encodes value into out (3 bytes room); returns the number of bytes written. */
size_t mev_compact_u16_write(uint16_t value, uint8_t out[3]);

#endif
