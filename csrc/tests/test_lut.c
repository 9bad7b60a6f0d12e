/* Lookup tables: CRC-32 known answer, evaluation against a plain linear scan, every truncation
 * and every single-bit flip refused, a refused reload keeping the old table, and readers running
 * through 2,000 reloads (under ASan/UBSan; TSan with `make sanitize`). */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "../lut.h"
#include "../mev_error.h"
#include "check.h"

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A table file's bytes; returns its length. */
static size_t build(uint8_t *buf, const float *x, const float *y, uint32_t n, const char *domain)
{
    memset(buf, 0, MEV_LUT_HEADER_BYTES);
    memcpy(buf, MEV_LUT_MAGIC, 8);
    put32(buf + 8, MEV_LUT_VERSION);
    put32(buf + 12, MEV_LUT_P_LAND);
    put32(buf + 16, 123456789u); /* created_at, low half */
    put32(buf + 24, n);
    strncpy((char *)buf + 32, domain, MEV_LUT_DOMAIN_BYTES);
    memcpy(buf + MEV_LUT_HEADER_BYTES, x, 4 * n);
    memcpy(buf + MEV_LUT_HEADER_BYTES + 4 * n, y, 4 * n);
    size_t len = MEV_LUT_HEADER_BYTES + 8 * (size_t)n;
    put32(buf + len, mev_crc32(buf, len));
    return len + 4;
}

static void write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
}

static double reference(const float *x, const float *y, uint32_t n, double v)
{
    if (v <= x[0])
        return y[0];
    if (v >= x[n - 1])
        return y[n - 1];
    for (uint32_t i = 1; i < n; i++)
        if ((double)x[i] >= v)
            return ((double)y[i] - y[i - 1]) / ((double)x[i] - x[i - 1]) * (v - x[i - 1]) + y[i - 1];
    return NAN;
}

static float xs[300], ys[300];
static uint8_t file_a[4096], file_b[4096];

static void test_crc(void)
{
    CHECK(mev_crc32("123456789", 9) == 0xCBF43926u); /* the CRC-32 check value */
    CHECK(mev_crc32("", 0) == 0);
}

static void test_eval(const char *path)
{
    for (int i = 0; i < 300; i++) {
        xs[i] = (float)(i * i) / 90000.0f + (float)i * 1e-5f;
        ys[i] = (float)sqrt((double)i / 300.0);
    }
    size_t len = build(file_a, xs, ys, 300, "p_land/jito-ny");
    CHECK_EQ_INT(mev_lut_check(file_a, len), MEV_OK);
    write_file(path, file_a, len);
    mev_lut *l;
    CHECK_EQ_INT(mev_lut_open(path, &l), MEV_OK);
    mev_lut_info info;
    mev_lut_info_get(l, &info);
    CHECK(info.count == 300 && info.kind == MEV_LUT_P_LAND && info.generation == 1);
    CHECK(strcmp(info.domain, "p_land/jito-ny") == 0 && info.created_at_ns == 123456789);
    uint64_t s = 42;
    int same = 1;
    for (int i = 0; i < 100000; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = (double)(s >> 11) / 9007199254740992.0 * 1.4 - 0.2; /* includes out of range */
        if (i % 1000 == 0)
            v = xs[i / 1000]; /* exactly on knots too */
        same &= mev_lut_eval(l, v) == reference(xs, ys, 300, v);
    }
    CHECK(same);
    CHECK(mev_lut_eval(l, -1e300) == ys[0] && mev_lut_eval(l, 1e300) == ys[299]);
    CHECK(isnan(mev_lut_eval(l, NAN)));
    double in[3] = {-1, 0.5, 2}, out[3];
    mev_lut_eval_many(l, in, out, 3);
    CHECK(out[0] == ys[0] && out[1] == reference(xs, ys, 300, 0.5) && out[2] == ys[299]);
    mev_lut_close(l);
}

static void test_refusals(const char *path)
{
    size_t len = build(file_a, xs, ys, 300, "p_land/rpc");
    int refused = 1;
    for (size_t cut = 0; cut < len; cut++)
        refused &= mev_lut_check(file_a, cut) == MEV_ECORRUPT;
    CHECK(refused);
    for (size_t bit = 0; bit < len * 8; bit++) {
        file_a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        refused &= mev_lut_check(file_a, len) == MEV_ECORRUPT;
        file_a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    CHECK(refused);
    float bad_x[3] = {0.1f, 0.1f, 0.3f}, y3[3] = {0, 0.5f, 1}; /* knots must strictly increase */
    CHECK_EQ_INT(mev_lut_check(file_b, build(file_b, bad_x, y3, 3, "x")), MEV_ECORRUPT);
    float nan_y[3] = {0, NAN, 1}, good_x[3] = {0.1f, 0.2f, 0.3f};
    CHECK_EQ_INT(mev_lut_check(file_b, build(file_b, good_x, nan_y, 3, "x")), MEV_ECORRUPT);

    /* a refused reload keeps the table in use */
    write_file(path, file_a, len);
    mev_lut *l;
    CHECK_EQ_INT(mev_lut_open(path, &l), MEV_OK);
    double before = mev_lut_eval(l, 0.37);
    write_file(path, file_a, len - 9);
    CHECK_EQ_INT(mev_lut_reload(l, path), MEV_ECORRUPT);
    CHECK_EQ_INT(mev_lut_reload(l, "/nonexistent/lut"), MEV_ENOENT);
    CHECK(mev_lut_eval(l, 0.37) == before);
    mev_lut_info info;
    mev_lut_info_get(l, &info);
    CHECK(info.generation == 1);
    mev_lut_close(l);
    CHECK_EQ_INT(mev_lut_open(path, &l), MEV_ECORRUPT);
}

struct reader {
    mev_lut *l;
    atomic_int *stop;
    double a, b; /* the two tables' answers at 0.5 */
    long bad, reads;
};

static void *read_loop(void *arg)
{
    struct reader *r = arg;
    while (!atomic_load(r->stop)) {
        double v = mev_lut_eval(r->l, 0.5);
        r->bad += v != r->a && v != r->b;
        r->reads++;
    }
    return NULL;
}

static void test_reload_under_readers(const char *path_a, const char *path_b)
{
    float x2[2] = {0, 1}, ya[2] = {0, 1}, yb[2] = {1, 0.25f};
    write_file(path_a, file_a, build(file_a, x2, ya, 2, "a"));
    write_file(path_b, file_b, build(file_b, x2, yb, 2, "b"));
    mev_lut *l;
    CHECK_EQ_INT(mev_lut_open(path_a, &l), MEV_OK);
    atomic_int stop = 0;
    struct reader r = {l, &stop, 0.5, 0.625, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, read_loop, &r);
    int ok = 1;
    for (int i = 0; i < 2000; i++)
        ok &= mev_lut_reload(l, i % 2 ? path_a : path_b) == MEV_OK;
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    CHECK(ok && r.bad == 0 && r.reads > 0);
    mev_lut_info info;
    mev_lut_info_get(l, &info);
    CHECK(info.generation == 2001 && strcmp(info.domain, "a") == 0);
    mev_lut_close(l);
}

/* A reader stopped for longer than any grace period in the middle of a batch: the table it reads
 * must stay mapped however many reloads happen meanwhile (reclamation waits for readers). */
static _Atomic int paused;

static void pause_handler(int sig)
{
    (void)sig;
    atomic_store(&paused, 1);
    struct timespec ts = {1, 500000000}; /* 1.5 s, longer than the old one-second grace */
    nanosleep(&ts, NULL);
}

struct batch {
    mev_lut *l;
    double *x, *out;
    size_t n;
};

static void *read_batch(void *arg)
{
    struct batch *b = arg;
    mev_lut_eval_many(b->l, b->x, b->out, b->n);
    return NULL;
}

static void test_reclamation_waits_for_readers(const char *path_a, const char *path_b)
{
    float x2[2] = {0, 1}, ya[2] = {0, 1}, yb[2] = {1, 0.25f};
    write_file(path_a, file_a, build(file_a, x2, ya, 2, "a"));
    write_file(path_b, file_b, build(file_b, x2, yb, 2, "b"));
    struct sigaction sa = {.sa_handler = pause_handler};
    sigaction(SIGUSR1, &sa, NULL);
    struct batch b = {NULL, NULL, NULL, 20u << 20};
    b.x = calloc(b.n, sizeof(double));
    b.out = malloc(b.n * sizeof(double));
    for (size_t i = 0; i < b.n; i++)
        b.x[i] = 0.5;
    CHECK_EQ_INT(mev_lut_open(path_a, &b.l), MEV_OK);
    pthread_t t;
    pthread_create(&t, NULL, read_batch, &b);
    struct timespec start = {0, 2000000};
    nanosleep(&start, NULL); /* well inside the batch */
    pthread_kill(t, SIGUSR1);
    while (!atomic_load(&paused))
        ;
    for (int i = 0; i < 3; i++) { /* table a is replaced, then b, then a again */
        CHECK_EQ_INT(mev_lut_reload(b.l, i % 2 ? path_a : path_b), MEV_OK);
        struct timespec gap = {0, 600000000};
        nanosleep(&gap, NULL);
    }
    pthread_join(t, NULL);
    size_t wrong = 0;
    for (size_t i = 0; i < b.n; i++)
        wrong += b.out[i] != 0.5; /* the whole batch read table a, the table it started with */
    CHECK_EQ_INT(wrong, 0);
    mev_lut_close(b.l);
    free(b.x);
    free(b.out);
}

int main(void)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "/tmp/mev_lut_test_%d_a", (int)getpid());
    snprintf(b, sizeof b, "/tmp/mev_lut_test_%d_b", (int)getpid());
    test_crc();
    test_eval(a);
    test_refusals(a);
    test_reload_under_readers(a, b);
    test_reclamation_waits_for_readers(a, b);
    unlink(a);
    unlink(b);
    return check_report("test_lut");
}
