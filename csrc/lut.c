#include "lut.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mev_error.h"

struct table {
    void *mem; /* private read-only copy of the file */
    size_t len;
    const float *x, *y;
    mev_lut_info info;
};

/* Readers never lock: a reader counts itself in the current epoch's counter, then loads `cur`.
 * A reload swaps `cur`, then twice flips the epoch and waits for the previous epoch's readers to
 * leave; after that no reader can still hold the old table, and it is freed. (Twice: a reader
 * that read the epoch just before one flip counts itself in the counter the other flip drains.) */
struct mev_lut {
    _Atomic(struct table *) cur;
    _Atomic uint32_t epoch;
    _Atomic uint64_t readers[2];
    pthread_mutex_t reload_mu;
    uint64_t generation;
};

uint32_t mev_crc32(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static int64_t le64(const uint8_t *p) { return (int64_t)((uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32); }

/* Header: magic[8] version u32 kind u32 created_at i64 count u32 reserved u32 domain[64];
 * then count float32 x (strictly increasing), count float32 y, and a CRC-32 of all before it. */
int mev_lut_check(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    if (len < MEV_LUT_HEADER_BYTES + 4 || memcmp(p, MEV_LUT_MAGIC, 8) != 0)
        return MEV_ECORRUPT;
    uint32_t version = le32(p + 8), kind = le32(p + 12), count = le32(p + 24);
    if (version != MEV_LUT_VERSION || (kind != MEV_LUT_P_LAND && kind != MEV_LUT_EV) || count == 0 ||
        count > MEV_LUT_MAX_KNOTS || le32(p + 28) != 0)
        return MEV_ECORRUPT;
    if (len != MEV_LUT_HEADER_BYTES + (size_t)count * 8 + 4)
        return MEV_ECORRUPT;
    if (mev_crc32(p, len - 4) != le32(p + len - 4))
        return MEV_ECORRUPT;
    float prev = 0;
    for (uint32_t i = 0; i < 2 * count; i++) { /* finite values; knots strictly increasing */
        float v;
        memcpy(&v, p + MEV_LUT_HEADER_BYTES + 4 * (size_t)i, 4);
        if (!isfinite(v) || (i > 0 && i < count && !(v > prev)))
            return MEV_ECORRUPT;
        if (i >= count && kind == MEV_LUT_P_LAND && !(v >= 0.0f && v <= 1.0f))
            return MEV_ECORRUPT; /* a probability table holds probabilities */
        prev = v;
    }
    return MEV_OK;
}

static void table_free(struct table *t)
{
    if (t) {
        munmap(t->mem, t->len);
        free(t);
    }
}

/* Reads the file into a private anonymous mapping, then makes it read-only: truncating or
 * rewriting the file afterwards can never fault a reader, as a file mapping could (SIGBUS). */
static int table_load(const char *path, struct table **out)
{
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer (with Python's GIL held);
     * it changes nothing for a regular file, and anything else is refused by the fstat. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? MEV_ENOENT : errno == EISDIR ? MEV_EINVAL : MEV_EOS;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return MEV_EOS;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return MEV_EINVAL;
    }
    size_t len = (size_t)st.st_size;
    if (len < MEV_LUT_HEADER_BYTES + 4 || len > MEV_LUT_HEADER_BYTES + (size_t)MEV_LUT_MAX_KNOTS * 8 + 4) {
        close(fd);
        return MEV_ECORRUPT;
    }
    void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        close(fd);
        return MEV_ENOMEM;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (uint8_t *)mem + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* shrank while we read: the size check below refuses it */
        got += (size_t)r;
    }
    close(fd);
    int rc = got == len ? mev_lut_check(mem, len) : MEV_ECORRUPT;
    struct table *t = rc == MEV_OK ? calloc(1, sizeof *t) : NULL;
    if (rc == MEV_OK && !t)
        rc = MEV_ENOMEM;
    if (rc != MEV_OK) {
        munmap(mem, len);
        return rc;
    }
    mprotect(mem, len, PROT_READ);
    const uint8_t *p = mem;
    t->mem = mem;
    t->len = len;
    t->info.kind = le32(p + 12);
    t->info.created_at_ns = le64(p + 16);
    t->info.count = le32(p + 24);
    memcpy(t->info.domain, p + 32, MEV_LUT_DOMAIN_BYTES);
    t->info.domain[MEV_LUT_DOMAIN_BYTES] = '\0';
    t->x = (const float *)(p + MEV_LUT_HEADER_BYTES);
    t->y = t->x + t->info.count;
    *out = t;
    return MEV_OK;
}

int mev_lut_open(const char *path, mev_lut **out)
{
    if (!path || !out)
        return MEV_EINVAL;
    struct table *t;
    int rc = table_load(path, &t);
    if (rc != MEV_OK)
        return rc;
    mev_lut *l = calloc(1, sizeof *l);
    if (!l) {
        table_free(t);
        return MEV_ENOMEM;
    }
    pthread_mutex_init(&l->reload_mu, NULL);
    l->generation = t->info.generation = 1;
    atomic_init(&l->cur, t);
    *out = l;
    return MEV_OK;
}

int mev_lut_reload(mev_lut *l, const char *path)
{
    if (!l || !path)
        return MEV_EINVAL;
    struct table *t;
    int rc = table_load(path, &t);
    if (rc != MEV_OK)
        return rc;
    pthread_mutex_lock(&l->reload_mu);
    t->info.generation = ++l->generation;
    struct table *old = atomic_exchange(&l->cur, t);
    for (int round = 0; round < 2; round++) {
        uint32_t drained = atomic_fetch_xor(&l->epoch, 1) & 1;
        while (atomic_load(&l->readers[drained]) != 0) {
            struct timespec ts = {0, 20000}; /* a lookup takes nanoseconds; a batch, longer */
            nanosleep(&ts, NULL);
        }
    }
    table_free(old);
    pthread_mutex_unlock(&l->reload_mu);
    return MEV_OK;
}

static inline const struct table *enter(mev_lut *l, uint32_t *epoch)
{
    *epoch = atomic_load_explicit(&l->epoch, memory_order_relaxed) & 1;
    atomic_fetch_add(&l->readers[*epoch], 1);
    return atomic_load(&l->cur);
}

static inline void leave(mev_lut *l, uint32_t epoch)
{
    atomic_fetch_sub_explicit(&l->readers[epoch], 1, memory_order_release);
}

/* IsotonicRegression(out_of_bounds="clip").predict: clip to the knots, then scipy's linear
 * interp1d with lo = (first knot >= x) - 1 and hi = lo + 1, computed in double. */
static inline double eval_table(const struct table *t, double x)
{
    const float *xs = t->x, *ys = t->y;
    uint32_t n = t->info.count;
    if (x != x)
        return x; /* NaN in, NaN out, as predict does */
    if (n == 1 || x <= xs[0])
        return ys[0];
    if (x >= xs[n - 1])
        return ys[n - 1];
    size_t lo = 0, len = n - 1; /* the last knot below x lies in [0, n-2] */
    while (len > 1) {
        size_t half = len / 2;
        lo = (double)xs[lo + half] < x ? lo + half : lo;
        len -= half;
    }
    double x0 = xs[lo], x1 = xs[lo + 1], y0 = ys[lo], y1 = ys[lo + 1];
    return (y1 - y0) / (x1 - x0) * (x - x0) + y0;
}

double mev_lut_eval(const mev_lut *l, double x)
{
    uint32_t epoch;
    mev_lut *m = (mev_lut *)l; /* const to callers: the reader counts are bookkeeping */
    double y = eval_table(enter(m, &epoch), x);
    leave(m, epoch);
    return y;
}

void mev_lut_eval_many(const mev_lut *l, const double *x, double *out, size_t n)
{
    uint32_t epoch;
    mev_lut *m = (mev_lut *)l;
    const struct table *t = enter(m, &epoch);
    for (size_t i = 0; i < n; i++)
        out[i] = eval_table(t, x[i]);
    leave(m, epoch);
}

void mev_lut_info_get(const mev_lut *l, mev_lut_info *out)
{
    uint32_t epoch;
    mev_lut *m = (mev_lut *)l;
    *out = enter(m, &epoch)->info;
    leave(m, epoch);
}

void mev_lut_close(mev_lut *l)
{
    if (!l)
        return;
    table_free(atomic_load(&l->cur));
    pthread_mutex_destroy(&l->reload_mu);
    free(l);
}
