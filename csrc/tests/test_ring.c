/* Ring: header validation, a random single-thread model check, two-thread streams in both modes
 * (sequence numbers + checksums through wrap-arounds and futex sleeps), roles, timeouts. */
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../mev_error.h"
#include "../ring.h"
#include "check.h"

static void *ring_mem(int mode, uint64_t cap, uint32_t rec, size_t *bytes)
{
    *bytes = mev_ring_bytes_needed(mode, cap, rec);
    void *m = aligned_alloc(128, (*bytes + 127) / 128 * 128);
    memset(m, 0xab, *bytes); /* formatting must not depend on zeroed memory */
    return m;
}

static uint32_t checksum(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void test_header_validation(void)
{
    size_t bytes;
    mev_ring *r;
    uint8_t *m = ring_mem(MEV_RING_VARIABLE, 4096, 0, &bytes);

    CHECK(mev_ring_bytes_needed(MEV_RING_VARIABLE, 1000, 0) == 0); /* not a power of two */
    CHECK(mev_ring_bytes_needed(MEV_RING_VARIABLE, 32, 0) == 0);
    CHECK(mev_ring_bytes_needed(MEV_RING_FIXED, 8, 0) == 0);
    CHECK(mev_ring_bytes_needed(7, 4096, 0) == 0);
    CHECK_EQ_INT(mev_ring_format(m, bytes - 1, MEV_RING_VARIABLE, 4096, 0, 0), MEV_EINVAL);
    CHECK_EQ_INT(mev_ring_open(m, bytes, &r), MEV_ECORRUPT); /* never formatted */
    CHECK_EQ_INT(mev_ring_format(m, bytes, MEV_RING_VARIABLE, 4096, 0, 42), MEV_OK);
    CHECK_EQ_INT(mev_ring_open(m, bytes - 1, &r), MEV_ECORRUPT); /* shorter than declared */
    CHECK_EQ_INT(mev_ring_open(m, bytes, &r), MEV_OK);
    CHECK_EQ_INT(mev_ring_tag(r), 42);
    CHECK_EQ_INT(mev_ring_max_payload(r), 2048 - 8);
    mev_ring_close(r);
    for (int byte = 0; byte < 48; byte++) { /* any change to the meta fields is caught */
        m[byte] ^= 0x10;
        CHECK(mev_ring_open(m, bytes, &r) != MEV_OK);
        m[byte] ^= 0x10;
    }
    CHECK_EQ_INT(mev_ring_open(m + 8, bytes, &r), MEV_EINVAL); /* misaligned */
    free(m);
}

/* Random pushes and pops against a plain FIFO model, through many wrap-arounds. */
static void test_model(void)
{
    enum { CAP = 1024, OPS = 200000, MAXQ = 512 };
    size_t bytes;
    uint8_t *m = ring_mem(MEV_RING_VARIABLE, CAP, 0, &bytes);
    mev_ring *r;
    uint32_t qlen[MAXQ], qseed[MAXQ];
    size_t qh = 0, qt = 0;
    uint8_t buf[CAP], out[CAP];
    uint32_t seed = 1, rnd = 12345;

    mev_ring_format(m, bytes, MEV_RING_VARIABLE, CAP, 0, 0);
    mev_ring_open(m, bytes, &r);
    CHECK_EQ_INT(mev_ring_claim(r, MEV_RING_PRODUCER), MEV_OK);
    CHECK_EQ_INT(mev_ring_claim(r, MEV_RING_CONSUMER), MEV_OK);
    CHECK_EQ_INT(mev_ring_push(r, buf, CAP / 2 - 7), MEV_ERECSIZE);
    int failures = 0;
    for (int op = 0; op < OPS; op++) {
        rnd = rnd * 1103515245u + 12345u;
        if ((rnd >> 16) % 2 == 0) {
            uint32_t len = (rnd >> 8) % (CAP / 2 - 8 + 1);
            if (len > 100 && (rnd & 3)) len %= 100;
            for (uint32_t i = 0; i < len; i++) buf[i] = (uint8_t)(seed * 31 + i);
            int rc = mev_ring_push(r, buf, len);
            if (rc == MEV_OK) {
                qlen[qh % MAXQ] = len;
                qseed[qh % MAXQ] = seed++;
                qh++;
            } else if (rc != MEV_EAGAIN || qh == qt) {
                failures++; /* full is only allowed when something is queued */
            }
        } else {
            uint32_t len;
            int rc = mev_ring_pop(r, out, sizeof out, &len);
            if (qh == qt) {
                failures += rc != MEV_EAGAIN;
                continue;
            }
            uint32_t want = qlen[qt % MAXQ], s = qseed[qt % MAXQ];
            qt++;
            if (rc != MEV_OK || len != want) {
                failures++;
                continue;
            }
            for (uint32_t i = 0; i < len; i++)
                if (out[i] != (uint8_t)(s * 31 + i)) {
                    failures++;
                    break;
                }
        }
        CHECK(qh - qt < MAXQ);
    }
    CHECK_EQ_INT(failures, 0);
    mev_ring_close(r);
    free(m);
}

typedef struct {
    mev_ring *r;
    uint64_t n;
    int errors;
    int64_t spin_ns;
} stream_arg;

static void *var_producer(void *p)
{
    stream_arg *a = p;
    uint8_t buf[600];
    mev_ring_set_spin_ns(a->r, a->spin_ns);
    for (uint64_t seq = 0; seq < a->n; seq++) {
        uint32_t len = 12 + (uint32_t)((seq * 2654435761u) % 500);
        memcpy(buf, &seq, 8);
        for (uint32_t i = 12; i < len; i++) buf[i] = (uint8_t)(seq + i);
        uint32_t h = checksum(buf + 12, len - 12);
        memcpy(buf + 8, &h, 4);
        while (mev_ring_push(a->r, buf, len) == MEV_EAGAIN)
            if (mev_ring_wait_space(a->r, len, 1000000000) != MEV_OK) a->errors++;
    }
    return NULL;
}

static void *var_consumer(void *p)
{
    stream_arg *a = p;
    mev_ring_set_spin_ns(a->r, a->spin_ns);
    for (uint64_t want = 0; want < a->n;) {
        const uint8_t *rec;
        uint32_t len, h;
        uint64_t seq;
        int rc = mev_ring_peek(a->r, &rec, &len);
        if (rc == MEV_EAGAIN) {
            if (mev_ring_wait_data(a->r, 1000000000) != MEV_OK) a->errors++;
            continue;
        }
        memcpy(&seq, rec, 8);
        memcpy(&h, rec + 8, 4);
        if (rc != MEV_OK || seq != want || len != 12 + (uint32_t)((seq * 2654435761u) % 500) ||
            h != checksum(rec + 12, len - 12))
            a->errors++;
        mev_ring_advance(a->r);
        if ((want & 7) == 0) mev_ring_commit(a->r); /* batched commits are fine too */
        want++;
    }
    mev_ring_commit(a->r);
    return NULL;
}

static void run_stream(uint64_t cap, uint64_t n, int64_t spin_ns)
{
    size_t bytes;
    uint8_t *m = ring_mem(MEV_RING_VARIABLE, cap, 0, &bytes);
    mev_ring *prod, *cons;
    pthread_t tp, tc;

    mev_ring_format(m, bytes, MEV_RING_VARIABLE, cap, 0, 0);
    mev_ring_open(m, bytes, &prod);
    mev_ring_open(m, bytes, &cons);
    CHECK_EQ_INT(mev_ring_claim(prod, MEV_RING_PRODUCER), MEV_OK);
    CHECK_EQ_INT(mev_ring_claim(cons, MEV_RING_CONSUMER), MEV_OK);
    stream_arg pa = {prod, n, 0, spin_ns}, ca = {cons, n, 0, spin_ns};
    pthread_create(&tp, NULL, var_producer, &pa);
    pthread_create(&tc, NULL, var_consumer, &ca);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    CHECK_EQ_INT(pa.errors, 0);
    CHECK_EQ_INT(ca.errors, 0);
    CHECK_EQ_INT(mev_ring_used(cons), 0);
    CHECK_EQ_INT(mev_ring_count(cons), 0);
    mev_ring_close(prod);
    mev_ring_close(cons);
    free(m);
}

typedef struct {
    mev_ring *r;
    uint64_t n;
    int errors;
} fixed_arg;

static void *fixed_producer(void *p)
{
    fixed_arg *a = p;
    uint64_t batch[37];
    for (uint64_t next = 0; next < a->n;) {
        size_t k = 0, pushed;
        for (; k < 37 && next + k < a->n; k++) batch[k] = (next + k) * 3 + 1;
        mev_ring_push_records(a->r, batch, k, &pushed);
        next += pushed;
        if (pushed == 0 && mev_ring_wait_space(a->r, 1, 1000000000) != MEV_OK) a->errors++;
    }
    return NULL;
}

static void *fixed_consumer(void *p)
{
    fixed_arg *a = p;
    uint64_t batch[53];
    for (uint64_t want = 0; want < a->n;) {
        size_t got;
        mev_ring_pop_records(a->r, batch, 53, &got);
        for (size_t i = 0; i < got; i++, want++)
            if (batch[i] != want * 3 + 1) a->errors++;
        if (got == 0 && mev_ring_wait_data(a->r, 1000000000) != MEV_OK) a->errors++;
    }
    return NULL;
}

static void test_fixed_stream(void)
{
    size_t bytes;
    uint8_t *m = ring_mem(MEV_RING_FIXED, 256, 8, &bytes);
    mev_ring *prod, *cons;
    pthread_t tp, tc;

    CHECK_EQ_INT(mev_ring_format(m, bytes, MEV_RING_FIXED, 256, 8, 7), MEV_OK);
    mev_ring_open(m, bytes, &prod);
    mev_ring_open(m, bytes, &cons);
    mev_ring_claim(prod, MEV_RING_PRODUCER);
    mev_ring_claim(cons, MEV_RING_CONSUMER);
    fixed_arg pa = {prod, 1000000, 0}, ca = {cons, 1000000, 0};
    pthread_create(&tp, NULL, fixed_producer, &pa);
    pthread_create(&tc, NULL, fixed_consumer, &ca);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    CHECK_EQ_INT(pa.errors + ca.errors, 0);
    mev_ring_close(prod);
    mev_ring_close(cons);
    free(m);
}

static void test_roles_and_timeouts(void)
{
    size_t bytes;
    uint8_t *m = ring_mem(MEV_RING_VARIABLE, 4096, 0, &bytes);
    mev_ring *a, *b;
    struct timespec t0, t1;

    mev_ring_format(m, bytes, MEV_RING_VARIABLE, 4096, 0, 0);
    mev_ring_open(m, bytes, &a);
    mev_ring_open(m, bytes, &b);
    CHECK_EQ_INT(mev_ring_claim(a, MEV_RING_PRODUCER), MEV_OK);
    CHECK_EQ_INT(mev_ring_claim(a, MEV_RING_PRODUCER), MEV_OK);
    CHECK_EQ_INT(mev_ring_claim(b, MEV_RING_PRODUCER), MEV_EBUSY); /* same process, other handle */
    CHECK_EQ_INT(mev_ring_claim(b, MEV_RING_CONSUMER), MEV_OK);
    CHECK_EQ_INT(mev_ring_claim(a, 3), MEV_EINVAL);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(mev_ring_wait_data(b, 2000000), MEV_ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) >= 2000000);
    CHECK_EQ_INT(mev_ring_push(a, "hello", 5), MEV_OK);
    CHECK_EQ_INT(mev_ring_count(b), 1);
    CHECK_EQ_INT(mev_ring_used(b), 16);
    CHECK_EQ_INT(mev_ring_wait_data(b, 0), MEV_OK);
    mev_ring_close(a); /* releases the producer role */
    CHECK_EQ_INT(mev_ring_claim(b, MEV_RING_PRODUCER), MEV_OK);
    mev_ring_close(b);

    /* a role held by a process that has exited is taken over */
    mev_ring_open(m, bytes, &a);
    pid_t child = fork();
    if (child == 0) {
        mev_ring *c;
        mev_ring_open(m, bytes, &c); /* forked copy of the memory: write the owner into it */
        _exit(mev_ring_claim(c, MEV_RING_CONSUMER) == MEV_OK ? 0 : 1);
    }
    waitpid(child, NULL, 0);
    /* the child's claim landed in its private copy; simulate it in ours with its pid */
    uint64_t dead_owner = ((uint64_t)(uint32_t)child << 32) | 1;
    memcpy(m + 64, &dead_owner, 8); /* meta.roles[1].owner (header offset 64) */
    CHECK_EQ_INT(mev_ring_claim(a, MEV_RING_CONSUMER), MEV_OK);
    uint64_t self_owner = ((uint64_t)(uint32_t)getpid() << 32) | 0xffff;
    memcpy(m + 48, &self_owner, 8); /* meta.roles[0].owner (offset 48): a live process */
    CHECK_EQ_INT(mev_ring_claim(a, MEV_RING_PRODUCER), MEV_EBUSY);
    mev_ring_close(a);
    free(m);
}

static void set_counter(uint8_t *m, size_t offset, uint64_t v) { memcpy(m + offset, &v, 8); }

/* Counters a peer wrote: refused at attach, at claim and on every reload, in both modes. */
static void test_crafted_counters(void)
{
    enum { HEAD = 128, TAIL = 256 };
    static const struct { int mode; uint64_t head, tail; } bad[] = {
        {MEV_RING_FIXED, 0, 1}, {MEV_RING_FIXED, 65, 0}, {MEV_RING_FIXED, 1000, 0},
        {MEV_RING_VARIABLE, 0, 8}, {MEV_RING_VARIABLE, 1032, 0}, {MEV_RING_VARIABLE, 12, 0},
        {MEV_RING_VARIABLE, 16, 4},
    };
    uint8_t recs[64 * 24], out[2048];
    size_t bytes, moved;
    uint32_t len;
    mev_ring *p, *c;
    memset(recs, 1, sizeof recs);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fixed = bad[i].mode == MEV_RING_FIXED;
        uint8_t *m = ring_mem(bad[i].mode, fixed ? 64 : 1024, fixed ? 24 : 0, &bytes);
        mev_ring_format(m, bytes, bad[i].mode, fixed ? 64 : 1024, fixed ? 24 : 0, 0);
        set_counter(m, HEAD, bad[i].head);
        set_counter(m, TAIL, bad[i].tail);
        CHECK_EQ_INT(mev_ring_open(m, bytes, &p), MEV_ECORRUPT);
        /* the same numbers written after attach: the claim refuses them */
        set_counter(m, HEAD, 0), set_counter(m, TAIL, 0);
        CHECK_EQ_INT(mev_ring_open(m, bytes, &p), MEV_OK);
        CHECK_EQ_INT(mev_ring_open(m, bytes, &c), MEV_OK);
        set_counter(m, HEAD, bad[i].head), set_counter(m, TAIL, bad[i].tail);
        CHECK_EQ_INT(mev_ring_claim(c, MEV_RING_CONSUMER), MEV_ECORRUPT);
        CHECK(!mev_ring_holds(c, MEV_RING_CONSUMER));
        /* and after the claim: the consumer's reload of head, the producer's of tail */
        set_counter(m, HEAD, 0), set_counter(m, TAIL, 0);
        CHECK_EQ_INT(mev_ring_claim(c, MEV_RING_CONSUMER), MEV_OK);
        CHECK_EQ_INT(mev_ring_claim(p, MEV_RING_PRODUCER), MEV_OK);
        set_counter(m, HEAD, bad[i].head + (bad[i].head < 64 ? 1 << 20 : 0));
        if (fixed) {
            CHECK_EQ_INT(mev_ring_pop_records(c, out, 64, &moved), MEV_ECORRUPT);
            CHECK_EQ_INT(moved, 0);
        } else {
            CHECK_EQ_INT(mev_ring_pop(c, out, sizeof out, &len), MEV_ECORRUPT);
        }
        CHECK_EQ_INT(mev_ring_wait_data(c, 1000), MEV_ECORRUPT);
        set_counter(m, TAIL, 1 << 20);
        for (int k = 0; k < 100; k++) /* fill until the producer must reload tail */
            if (fixed ? mev_ring_push_records(p, recs, 64, &moved) : mev_ring_push(p, recs, 100))
                break;
        CHECK_EQ_INT(fixed ? mev_ring_push_records(p, recs, 64, &moved) : mev_ring_push(p, recs, 100),
                     MEV_ECORRUPT);
        CHECK_EQ_INT(mev_ring_wait_space(p, fixed ? 1 : 100, 1000), MEV_ECORRUPT);
        mev_ring_close(p);
        mev_ring_close(c);
        free(m);
    }
}

int main(int argc, char **argv)
{
    /* `test_ring stream` runs only the two-thread streams (the ThreadSanitizer build). */
    int streams_only = argc > 1 && strcmp(argv[1], "stream") == 0;
    if (!streams_only) {
        test_header_validation();
        test_model();
        test_roles_and_timeouts();
        test_crafted_counters();
    }
    run_stream(1 << 12, 300000, 50000); /* small ring: constant wrap-arounds, spinning */
    run_stream(1 << 12, 100000, 0);    /* no spinning: every wait sleeps on the futex */
    run_stream(1 << 20, 500000, 2000);
    test_fixed_stream();
    return check_report("test_ring");
}
