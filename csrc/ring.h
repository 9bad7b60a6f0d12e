/* Single-producer/single-consumer ring over caller-provided memory (heap or shared memory).
 *
 * Layout of the memory: a 512-byte header (see mev_ring_shared in ring.c) then the data area.
 * Positions are 64-bit running counters (bytes in variable mode, records in fixed mode); the
 * producer owns `head`, the consumer owns `tail`, each on its own 128-byte line, and each side
 * caches the other's counter and reloads it only when the ring looks full or empty.
 *
 * Variable mode: a record is an 8-byte header (u32 length, u32 zero) and the payload, padded to 8
 * bytes. A record that would cross the end of the buffer is preceded by a wrap marker and written
 * at the start instead, so every payload is contiguous (zero-copy reads). The largest payload is
 * half the capacity minus the header, so a wrap can always be satisfied.
 *
 * Fixed mode: `capacity` slots of `record_size` bytes, copied in bulk (numpy structured arrays).
 *
 * Every function here is for one side only: push/write/publish for the producer, peek/advance/
 * commit/pop for the consumer. Calling one side from two threads at once is undefined.
 */
#ifndef MEV_RING_H
#define MEV_RING_H

#include <stddef.h>
#include <stdint.h>

#define MEV_RING_HEADER_BYTES 512
#define MEV_RING_RECORD_HEADER 8

enum mev_ring_mode { MEV_RING_VARIABLE = 1, MEV_RING_FIXED = 2 };
enum mev_ring_role { MEV_RING_PRODUCER = 1, MEV_RING_CONSUMER = 2 };

typedef struct mev_ring mev_ring;

/* Bytes of memory a ring needs (header + data). 0 if the arguments are invalid. */
size_t mev_ring_bytes_needed(int mode, uint64_t capacity, uint32_t record_size);

/* Writes a fresh header into mem. capacity: a power of two >= 64 (bytes, variable mode) or >= 2
 * (records, fixed mode). tag is the caller's type fingerprint, checked again at attach. */
int mev_ring_format(void *mem, size_t bytes, int mode, uint64_t capacity, uint32_t record_size,
                    uint64_t tag);

/* Validates the header in mem and returns a handle. The memory must outlive the handle. */
int mev_ring_open(void *mem, size_t bytes, mev_ring **out);
/* Releases the roles this handle holds and frees the handle (not the memory). */
void mev_ring_close(mev_ring *r);

/* Takes a role for this handle. MEV_EBUSY if another handle of a live process holds it; the role
 * of a dead process (or of a handle closed without releasing) is taken over. Claiming a role the
 * handle already holds is a no-op. A consumer taking over resumes at the last committed tail. */
int mev_ring_claim(mev_ring *r, int role);
/* In a forked child, an inherited handle holds no role (its parent's stay the parent's) until it
 * claims one under the child's own identity; closing it there releases nothing of the parent's. */
int mev_ring_holds(mev_ring *r, int role);

int mev_ring_mode(const mev_ring *r);
uint64_t mev_ring_capacity(const mev_ring *r);
uint32_t mev_ring_record_size(const mev_ring *r);
uint64_t mev_ring_tag(const mev_ring *r);
uint32_t mev_ring_max_payload(const mev_ring *r);
/* Committed-but-unread bytes (variable) or records (fixed), from the shared counters. */
uint64_t mev_ring_used(const mev_ring *r);
uint64_t mev_ring_committed_tail(const mev_ring *r);
/* Records published and not yet committed as read. */
uint64_t mev_ring_count(const mev_ring *r);
/* How long a wait busy-polls the ring before it sleeps on the futex (0: sleep at once).
 * Default 50 µs; a consumer pinned to its own core can spin far longer for lower latency. */
void mev_ring_set_spin_ns(mev_ring *r, int64_t ns);

/* --- variable mode, producer ------------------------------------------------------------- */
/* Writes one record without publishing it: MEV_EAGAIN when full, MEV_ERECSIZE when len exceeds
 * mev_ring_max_payload. */
int mev_ring_write(mev_ring *r, const void *data, uint32_t len);
/* Makes everything written visible to the consumer and wakes it if it sleeps. */
void mev_ring_publish(mev_ring *r);
/* write + publish. */
int mev_ring_push(mev_ring *r, const void *data, uint32_t len);
/* Writes records until one does not fit, publishes once; *pushed counts those written. */
int mev_ring_push_many(mev_ring *r, const void *const *data, const uint32_t *lens, size_t n,
                       size_t *pushed);

/* --- variable mode, consumer ------------------------------------------------------------- */
/* Points at the next record without consuming it: MEV_EAGAIN when empty, MEV_ECORRUPT when the
 * record header is impossible (the producer never writes such). */
int mev_ring_peek(mev_ring *r, const uint8_t **data, uint32_t *len);
/* Steps past the record peek returned, locally; commit makes it the shared read position. */
void mev_ring_advance(mev_ring *r);
void mev_ring_commit(mev_ring *r);
/* peek + copy + advance + commit. MEV_EINVAL if the record is longer than cap (it stays). */
int mev_ring_pop(mev_ring *r, void *buf, uint32_t cap, uint32_t *len);

/* --- fixed mode ---------------------------------------------------------------------------- */
/* Consumer: records that can be popped now, from the producer's position (checked). */
int mev_ring_readable(mev_ring *r, uint64_t *n);
int mev_ring_push_records(mev_ring *r, const void *src, size_t n, size_t *pushed);
int mev_ring_pop_records(mev_ring *r, void *dst, size_t max, size_t *popped);

/* --- waiting (either mode) ----------------------------------------------------------------- */
/* Until a record can be read: spins, then sleeps on a futex in the segment. timeout_ns < 0
 * waits forever. 0 when data is there, MEV_ETIMEDOUT otherwise. */
int mev_ring_wait_data(mev_ring *r, int64_t timeout_ns);
/* Until `need` bytes (variable; a record of that payload length fits) or records (fixed) fit. */
int mev_ring_wait_space(mev_ring *r, uint64_t need, int64_t timeout_ns);

#endif
