/* The stable C ABI of the kafka-delta Geyser plugin core. The Rust shim (the part Agave loads)
 * calls these from validator threads, concurrently; none of them blocks: a full sink drops the
 * message and counts it.
 *
 * Config (JSON): {"sink": "kafka" | "ring://NAME", "include_startup": false,
 *   "kafka": {librdkafka settings, passed through: "bootstrap.servers", SASL/SSL, ...},
 *   "topic": "pool-deltas",
 *   "filters": [{"owners": [base58...], "accounts": [base58...], "data_sizes": [165, ...],
 *                "memcmp": [{"offset": 0, "base58": "..."} | {"offset": 0, "hex": "..."}]}]}
 * Unknown keys are refused, so a typo is an error at load, named in err_buf. */
#ifndef MEVGK_H
#define MEVGK_H

#include <stddef.h>
#include <stdint.h>

#include "pb.h"

typedef struct mevgk mevgk;

typedef struct {
    uint64_t updates;          /* update_account calls */
    uint64_t startup_skipped;  /* snapshot updates not asked for */
    uint64_t filtered_out;
    uint64_t sent;             /* into the ring, or acknowledged by Kafka */
    uint64_t dropped;          /* the sink was full (or still queued at unload) */
    uint64_t failed;           /* could not be encoded, or Kafka refused or timed it out */
    uint64_t slot_events;
} mevgk_metrics;

/* NULL on failure, with a message in err_buf (always NUL-terminated when err_len > 0). */
mevgk *mevgk_new(const char *config_path, char *err_buf, size_t err_len);
/* a->sequence is assigned here: the next number of the message's partition (Kafka: murmur2 of
 * the account key; a ring is one partition), taken under the lock that hands it to the sink, so
 * each partition's numbers follow its order and a gap is a dropped message. 0 while Kafka's
 * partition count is unknown (the broker was away at load). Returns 1 if sent, 0 if filtered,
 * skipped or dropped. A slot status goes to every partition, each copy with its number. */
int mevgk_update_account(mevgk *p, mevgk_account *a);
int mevgk_update_slot(mevgk *p, mevgk_slot *s);
void mevgk_end_of_startup(mevgk *p);
/* 1 if the config asked for the startup snapshot (include_startup): the shim tells the validator. */
int mevgk_wants_startup(mevgk *p);
void mevgk_metrics_get(mevgk *p, mevgk_metrics *out);
void mevgk_free(mevgk *p);

/* Base58 (Bitcoin alphabet) into out; returns the decoded length, or -1 if invalid or too long. */
long mevgk_base58_decode(const char *s, uint8_t *out, size_t cap);

#endif
