/* Fuzz target: ring segments written by a hostile peer. Each input formats a ring, overwrites
 * its shared counters (and, through the input, any header byte) as a peer could, then drives
 * producer and consumer handles through pushes, pops, bulk copies and waits while the "peer"
 * keeps rewriting counters. Nothing may read or write outside the segment (ASan in `make
 * sanitize`) and every refusal must be an error code, never a crash or a hang.
 *
 * Built plainly it runs a seeded random campaign for a bounded time (argv[1]: seconds, default
 * 3); with -fsanitize=fuzzer and -DMEV_LIBFUZZER it is a libFuzzer target. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mev_error.h"
#include "../ring.h"
#include "check.h"

enum { HEAD_OFF = 128, TAIL_OFF = 256, REC = 16 }; /* 8 records: the segment ends on a 128-byte line */

typedef struct {
    const uint8_t *p;
    size_t n, i;
} input;

static uint64_t take(input *in, int bytes)
{
    uint64_t v = 0;
    for (int b = 0; b < bytes; b++)
        v |= (uint64_t)(in->i < in->n ? in->p[in->i++] : 0) << (8 * b);
    return v;
}

/* A counter value a peer might write: small, near a boundary, or anything. */
static uint64_t hostile(input *in, uint64_t cap)
{
    switch (take(in, 1) % 5) {
    case 0: return take(in, 1);
    case 1: return cap + take(in, 1) - 128;
    case 2: return (uint64_t)-1 - take(in, 1);
    case 3: return take(in, 8);
    default: return take(in, 2) * 8;
    }
}

static int fuzz_one(const uint8_t *data, size_t size)
{
    input in = {data, size, 0};
    int mode = take(&in, 1) & 1 ? MEV_RING_FIXED : MEV_RING_VARIABLE;
    uint64_t cap = mode == MEV_RING_FIXED ? 8 : 256;
    uint32_t rec = mode == MEV_RING_FIXED ? REC : 0;
    size_t bytes = mev_ring_bytes_needed(mode, cap, rec);
    /* exactly `bytes` past a 128-aligned start, so ASan sees one byte beyond the segment */
    uint8_t *block = aligned_alloc(128, (bytes + 127) / 128 * 128);
    uint8_t *mem = block;
    uint8_t buf[512], recs[REC * 16];
    mev_ring *prod = NULL, *cons = NULL;

    memset(recs, 0x5a, sizeof recs);
    if (mev_ring_format(mem, bytes, mode, cap, rec, 7) != MEV_OK)
        abort();
    if (take(&in, 1) & 1) { /* a peer writes the counters before we attach */
        memcpy(mem + HEAD_OFF, &(uint64_t){hostile(&in, cap)}, 8);
        memcpy(mem + TAIL_OFF, &(uint64_t){hostile(&in, cap)}, 8);
    }
    if (take(&in, 1) == 0xff) /* or damages any header byte */
        mem[take(&in, 2) % 512] ^= (uint8_t)take(&in, 1);
    if (mev_ring_open(mem, bytes, &prod) != MEV_OK)
        goto out;
    if (mev_ring_open(mem, bytes, &cons) != MEV_OK)
        goto out;
    if (mev_ring_claim(prod, MEV_RING_PRODUCER) != MEV_OK || mev_ring_claim(cons, MEV_RING_CONSUMER) != MEV_OK)
        goto out;
    for (int step = 0; step < 64 && in.i < in.n; step++) {
        const uint8_t *view;
        uint32_t len;
        size_t moved;
        uint64_t n;
        switch (take(&in, 1) % 9) {
        case 0: memcpy(mem + HEAD_OFF, &(uint64_t){hostile(&in, cap)}, 8); break;
        case 1: memcpy(mem + TAIL_OFF, &(uint64_t){hostile(&in, cap)}, 8); break;
        case 2:
            if (mode == MEV_RING_VARIABLE)
                (void)mev_ring_push(prod, recs, (uint32_t)take(&in, 1) % 140);
            else
                (void)mev_ring_push_records(prod, recs, take(&in, 1) % 16, &moved);
            break;
        case 3:
            if (mode == MEV_RING_VARIABLE)
                (void)mev_ring_pop(cons, buf, sizeof buf, &len);
            else
                (void)mev_ring_pop_records(cons, recs, take(&in, 1) % 16, &moved);
            break;
        case 4:
            if (mode == MEV_RING_VARIABLE && mev_ring_peek(cons, &view, &len) == MEV_OK) {
                if (view < mem || view + len > mem + bytes)
                    abort(); /* a view outside the segment */
                memcpy(buf, view, len < sizeof buf ? len : sizeof buf);
                mev_ring_advance(cons);
                mev_ring_commit(cons);
            }
            break;
        case 5: (void)mev_ring_wait_data(cons, 0); break;
        case 6: (void)mev_ring_wait_space(prod, take(&in, 1) % 16, 0); break;
        case 7:
            if (mode == MEV_RING_FIXED)
                (void)mev_ring_readable(cons, &n);
            break;
        default: { /* a record header in the data area rewritten under the consumer */
            uint32_t v = (uint32_t)take(&in, 4);
            memcpy(mem + 512 + (take(&in, 2) % (cap * (rec ? rec : 1)) & ~(uint64_t)3), &v, 4);
            break;
        }
        }
        (void)mev_ring_used(cons);
    }
out:
    mev_ring_close(prod);
    mev_ring_close(cons);
    free(block);
    return 0;
}

#ifdef MEV_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_one(data, size); }
#else
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    uint8_t data[512];
    long runs = 0;
    time_t start = time(NULL);
    while (difftime(time(NULL), start) < seconds) {
        size_t n = next() % sizeof data;
        for (size_t i = 0; i < n; i++)
            data[i] = (uint8_t)next();
        fuzz_one(data, n);
        runs++;
    }
    CHECK(runs > 0);
    printf("test_ring_fuzz: %ld inputs\n", runs);
    return check_report("test_ring_fuzz");
}
#endif
