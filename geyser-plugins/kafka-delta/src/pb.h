/* A protobuf writer for exactly the messages in proto/pool_delta.proto: varints, fixed tags,
 * length-delimited fields, into a caller's buffer. No allocation; MEVGK_ENOSPC when it does not
 * fit. Encoding follows the proto3 rules: default values (0, empty, false) are not written, except
 * an explicitly present optional. */
#ifndef MEVGK_PB_H
#define MEVGK_PB_H

#include <stddef.h>
#include <stdint.h>

#define MEVGK_ENOSPC (-1)

typedef struct {
    const uint8_t *pubkey;        /* 32 */
    const uint8_t *owner;         /* 32 */
    uint64_t lamports;
    const uint8_t *data;
    size_t data_len;
    uint64_t slot;
    uint64_t write_version;
    const uint8_t *txn_signature; /* 64, or NULL */
    int is_startup;
    uint64_t sequence;
    int executable;
    uint64_t rent_epoch;
} mevgk_account;

enum mevgk_slot_status {
    MEVGK_PROCESSED = 0,
    MEVGK_ROOTED = 1,
    MEVGK_CONFIRMED = 2,
    MEVGK_FIRST_SHRED_RECEIVED = 3,
    MEVGK_COMPLETED = 4,
    MEVGK_CREATED_BANK = 5,
    MEVGK_DEAD = 6,
};

typedef struct {
    uint64_t slot;
    int has_parent;
    uint64_t parent;
    int status;
    const char *dead_error; /* NULL or NUL-terminated */
    uint64_t sequence;
} mevgk_slot;

/* An Event wrapping the account (field 1) or slot (field 2); returns bytes written or ENOSPC. */
long mevgk_encode_account_event(const mevgk_account *a, uint8_t *buf, size_t cap);
long mevgk_encode_slot_event(const mevgk_slot *s, uint8_t *buf, size_t cap);
/* Upper bound of the encoded size of an account event with data_len bytes of data. */
size_t mevgk_account_event_max(size_t data_len);

#endif
