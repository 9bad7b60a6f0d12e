/* Ring throughput and round-trip latency between two threads pinned to CPUs 0 and 1.
 * Built twice by the Makefile: with and without MEV_RING_PREFETCH, to A/B the prefetch. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "../ring.h"

#ifndef MEV_RING_PREFETCH
#define MEV_RING_PREFETCH 0
#endif

enum { RUNS = 5, BATCH = 32, PINGS = 200000 };

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static mev_ring *new_ring(uint64_t cap, void **mem)
{
    size_t bytes = mev_ring_bytes_needed(MEV_RING_VARIABLE, cap, 0);
    mev_ring *r;
    *mem = aligned_alloc(128, bytes);
    memset(*mem, 0, bytes);
    mev_ring_format(*mem, bytes, MEV_RING_VARIABLE, cap, 0, 0);
    mev_ring_open(*mem, bytes, &r);
    return r;
}

typedef struct {
    mev_ring *r;
    uint64_t n;
    uint32_t size;
    int batched;
    uint64_t sum;
} stream;

static void *produce(void *p)
{
    stream *s = p;
    uint8_t buf[256] = {0};
    pin(0);
    for (uint64_t i = 0; i < s->n;) {
        memcpy(buf, &i, 8);
        if (mev_ring_write(s->r, buf, s->size) != 0) {
            mev_ring_publish(s->r);
            continue;
        }
        i++;
        if (!s->batched || i % BATCH == 0)
            mev_ring_publish(s->r);
    }
    mev_ring_publish(s->r);
    return NULL;
}

static void *consume(void *p)
{
    stream *s = p;
    const uint8_t *rec;
    uint32_t len;
    uint64_t seq, got = 0;
    pin(1);
    while (got < s->n) {
        if (mev_ring_peek(s->r, &rec, &len) != 0)
            continue;
        memcpy(&seq, rec, 8);
        s->sum += seq;
        mev_ring_advance(s->r);
        got++;
        if (!s->batched || got % BATCH == 0)
            mev_ring_commit(s->r);
    }
    mev_ring_commit(s->r);
    return NULL;
}

static double throughput(uint32_t size, int batched, uint64_t n)
{
    double rates[RUNS];
    for (int run = 0; run < RUNS; run++) {
        void *mem;
        mev_ring *prod = new_ring(1 << 16, &mem), *cons;
        mev_ring_open(mem, mev_ring_bytes_needed(MEV_RING_VARIABLE, 1 << 16, 0), &cons);
        mev_ring_claim(prod, MEV_RING_PRODUCER);
        mev_ring_claim(cons, MEV_RING_CONSUMER);
        stream ps = {prod, n, size, batched, 0}, cs = {cons, n, size, batched, 0};
        pthread_t a, b;
        double t0 = now_ns();
        pthread_create(&b, NULL, consume, &cs);
        pthread_create(&a, NULL, produce, &ps);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        rates[run] = n / ((now_ns() - t0) / 1e9);
        if (cs.sum != n * (n - 1) / 2)
            fprintf(stderr, "bench_ring: records lost or damaged\n");
        mev_ring_close(prod);
        mev_ring_close(cons);
        free(mem);
    }
    qsort(rates, RUNS, sizeof rates[0], cmp_double);
    return rates[RUNS / 2];
}

typedef struct {
    mev_ring *ping, *pong;
    double *rtt;
} pingpong;

static void *echo(void *p)
{
    pingpong *pp = p;
    const uint8_t *rec;
    uint32_t len;
    pin(1);
    for (int i = 0; i < PINGS + 1000; i++) {
        while (mev_ring_peek(pp->ping, &rec, &len) != 0)
            ;
        uint8_t copy[64];
        memcpy(copy, rec, len);
        mev_ring_advance(pp->ping);
        mev_ring_commit(pp->ping);
        while (mev_ring_push(pp->pong, copy, len) != 0)
            ;
    }
    return NULL;
}

static void round_trip(double pct[4])
{
    void *m1, *m2;
    mev_ring *ping_p = new_ring(1 << 12, &m1), *pong_c = new_ring(1 << 12, &m2);
    mev_ring *ping_c, *pong_p;
    mev_ring_open(m1, mev_ring_bytes_needed(MEV_RING_VARIABLE, 1 << 12, 0), &ping_c);
    mev_ring_open(m2, mev_ring_bytes_needed(MEV_RING_VARIABLE, 1 << 12, 0), &pong_p);
    mev_ring_claim(ping_p, MEV_RING_PRODUCER);
    mev_ring_claim(ping_c, MEV_RING_CONSUMER);
    mev_ring_claim(pong_p, MEV_RING_PRODUCER);
    mev_ring_claim(pong_c, MEV_RING_CONSUMER);
    double *rtt = malloc(sizeof(double) * PINGS);
    pingpong pp = {ping_c, pong_p, rtt};
    pthread_t t;
    pthread_create(&t, NULL, echo, &pp);
    pin(0);
    uint8_t msg[64] = {0};
    const uint8_t *rec;
    uint32_t len;
    for (int i = 0; i < PINGS + 1000; i++) {
        double t0 = now_ns();
        mev_ring_push(ping_p, msg, sizeof msg);
        while (mev_ring_peek(pong_c, &rec, &len) != 0)
            ;
        mev_ring_advance(pong_c);
        mev_ring_commit(pong_c);
        if (i >= 1000) /* the first thousand warm caches and branch predictors */
            rtt[i - 1000] = now_ns() - t0;
    }
    pthread_join(t, NULL);
    qsort(rtt, PINGS, sizeof *rtt, cmp_double);
    pct[0] = rtt[PINGS / 2];
    pct[1] = rtt[PINGS * 90 / 100];
    pct[2] = rtt[PINGS * 99 / 100];
    pct[3] = rtt[PINGS * 999 / 1000];
    free(rtt);
    mev_ring_close(ping_p), mev_ring_close(ping_c), mev_ring_close(pong_p), mev_ring_close(pong_c);
    free(m1);
    free(m2);
}

int main(void)
{
    const uint64_t n = 2000000;
    double pct[4];
    printf("ring, two threads on CPUs 0 and 1, prefetch %s (median of %d runs)\n",
           MEV_RING_PREFETCH ? "ON " : "OFF", RUNS);
    printf("  throughput   8-byte records, publish each: %6.1f M/s; batched by %d: %6.1f M/s\n",
           throughput(8, 0, n) / 1e6, BATCH, throughput(8, 1, n) / 1e6);
    printf("  throughput  64-byte records, publish each: %6.1f M/s; batched by %d: %6.1f M/s\n",
           throughput(64, 0, n) / 1e6, BATCH, throughput(64, 1, n) / 1e6);
    round_trip(pct);
    printf("  round trip  64-byte record (incl. ~20 ns clock read): p50 %.0f ns, p90 %.0f, "
           "p99 %.0f, p99.9 %.0f\n", pct[0], pct[1], pct[2], pct[3]);
    return 0;
}
