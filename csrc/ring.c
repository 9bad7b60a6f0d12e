#include "ring.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mev_error.h"
#include "proc.h"

/* Software prefetch of the next record's line. Off unless measured to help (docs/performance.md). */
#ifndef MEV_RING_PREFETCH
#define MEV_RING_PREFETCH 0
#endif

#define RING_MAGIC 0x31474e4952564d45ULL /* "EMVRING1" little-endian */
#define RING_VERSION 1u
#define WRAP_MARKER 0xffffffffu
#define LINE 128 /* two 64-byte lines: the adjacent-line prefetcher pulls pairs */
#define DEFAULT_SPIN_NS 50000 /* about 2,000 pause instructions on current x86 */

typedef struct {
    _Atomic uint64_t owner; /* pid << 32 | handle nonce; 0 when free */
    uint64_t reserved;
} role_slot;

/* The shared header. Each counter has its own line so producer and consumer never write the same
 * line on the fast path. */
typedef struct {
    alignas(LINE) struct {
        uint64_t magic;
        uint32_t version;
        uint32_t mode;
        uint64_t capacity;
        uint32_t record_size;
        uint32_t header_bytes;
        uint64_t tag;
        uint64_t checksum; /* FNV-1a over the fields above */
        role_slot roles[2]; /* producer, consumer: written only when claimed or released */
    } meta;
    alignas(LINE) _Atomic uint64_t head;
    _Atomic uint64_t pushed; /* records published, for len() */
    alignas(LINE) _Atomic uint64_t tail;
    _Atomic uint64_t popped; /* records committed as read */
    alignas(LINE) struct {
        _Atomic uint32_t data_seq;  /* bumped to wake a sleeping consumer */
        _Atomic uint32_t space_seq; /* bumped to wake a sleeping producer */
        _Atomic uint32_t consumer_waiting;
        _Atomic uint32_t producer_waiting;
    } wake;
} ring_shared;

_Static_assert(sizeof(ring_shared) == MEV_RING_HEADER_BYTES, "ring header must be 512 bytes");

struct mev_ring {
    ring_shared *sh;
    uint8_t *data;
    uint64_t cap;  /* bytes or records */
    uint64_t mask;
    uint32_t rec;  /* fixed mode record size */
    int mode;
    int64_t spin_ns;
    int roles;
    uint64_t token;
    alignas(LINE) uint64_t head; /* producer's own copy of the shared head */
    uint64_t cached_tail;
    uint64_t pushed;
    alignas(LINE) uint64_t tail; /* consumer's read position, committed by mev_ring_commit */
    uint64_t cached_head;
    uint64_t pending; /* bytes advance() steps over */
    uint64_t popped;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void prefetch_write(const void *p)
{
#if MEV_RING_PREFETCH
    __builtin_prefetch(p, 1, 3);
#else
    (void)p;
#endif
}

static inline void prefetch_read(const void *p)
{
#if MEV_RING_PREFETCH
    __builtin_prefetch(p, 0, 3);
#else
    (void)p;
#endif
}

static uint64_t meta_checksum(const ring_shared *sh)
{
    const uint64_t fields[] = {sh->meta.magic, sh->meta.version, sh->meta.mode,
                               sh->meta.capacity, sh->meta.record_size, sh->meta.header_bytes,
                               sh->meta.tag};
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint8_t *p = (const uint8_t *)fields;
    for (size_t i = 0; i < sizeof fields; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

static uint64_t data_bytes(int mode, uint64_t capacity, uint32_t record_size)
{
    return mode == MEV_RING_FIXED ? capacity * record_size : capacity;
}

static int valid_geometry(int mode, uint64_t capacity, uint32_t record_size)
{
    const uint64_t max_data = (uint64_t)1 << 40;
    if (!is_pow2(capacity))
        return 0;
    if (mode == MEV_RING_VARIABLE)
        return capacity >= 64 && capacity <= max_data && record_size == 0;
    if (mode == MEV_RING_FIXED)
        return capacity >= 2 && record_size > 0 && capacity <= max_data / record_size;
    return 0;
}

size_t mev_ring_bytes_needed(int mode, uint64_t capacity, uint32_t record_size)
{
    if (!valid_geometry(mode, capacity, record_size))
        return 0;
    return MEV_RING_HEADER_BYTES + (size_t)data_bytes(mode, capacity, record_size);
}

int mev_ring_format(void *mem, size_t bytes, int mode, uint64_t capacity, uint32_t record_size,
                    uint64_t tag)
{
    ring_shared *sh = mem;
    size_t need = mev_ring_bytes_needed(mode, capacity, record_size);

    if (mem == NULL || need == 0 || ((uintptr_t)mem % LINE) != 0)
        return MEV_EINVAL;
    if (bytes < need)
        return MEV_EINVAL;
    memset(sh, 0, sizeof *sh);
    sh->meta.version = RING_VERSION;
    sh->meta.mode = (uint32_t)mode;
    sh->meta.capacity = capacity;
    sh->meta.record_size = record_size;
    sh->meta.header_bytes = MEV_RING_HEADER_BYTES;
    sh->meta.tag = tag;
    sh->meta.magic = RING_MAGIC;
    sh->meta.checksum = meta_checksum(sh);
    atomic_thread_fence(memory_order_release);
    return MEV_OK;
}

/* Whatever a peer wrote, a pair of positions is usable only if head >= tail, they are at most
 * `capacity` (bytes or records) apart, and, in variable mode, both sit on a record boundary. */
static int sane_counters(int mode, uint64_t capacity, uint64_t head, uint64_t tail)
{
    if (head - tail > capacity) /* unsigned: also catches head < tail */
        return 0;
    return mode != MEV_RING_VARIABLE || ((head | tail) & 7) == 0;
}

/* A role owner's identity: pid << 32 | a nonce that tells apart two handles of one process, so
 * a second producer handle is refused even though its pid is alive. */
static uint64_t new_token(void)
{
    static _Atomic uint32_t nonce = 1; /* the one mutable global of the ring, and only a counter */
    return ((uint64_t)(uint32_t)mev_pid() << 32) | atomic_fetch_add(&nonce, 1);
}

/* A handle inherited by a forked child holds its parent's roles under its parent's pid: in the
 * child it holds none and gets its own token, so it neither acts as nor releases the parent. */
static void adopt(mev_ring *r)
{
    if ((pid_t)(r->token >> 32) != mev_pid()) {
        r->roles = 0;
        r->token = new_token();
    }
}

int mev_ring_open(void *mem, size_t bytes, mev_ring **out)
{
    ring_shared *sh = mem;
    mev_ring *r;

    *out = NULL;
    if (mem == NULL || ((uintptr_t)mem % LINE) != 0)
        return MEV_EINVAL;
    if (bytes < MEV_RING_HEADER_BYTES || sh->meta.magic != RING_MAGIC)
        return MEV_ECORRUPT;
    if (sh->meta.checksum != meta_checksum(sh))
        return MEV_ECORRUPT;
    if (sh->meta.version != RING_VERSION || sh->meta.header_bytes != MEV_RING_HEADER_BYTES)
        return MEV_EMISMATCH;
    if (!valid_geometry((int)sh->meta.mode, sh->meta.capacity, sh->meta.record_size))
        return MEV_ECORRUPT;
    if (bytes < mev_ring_bytes_needed((int)sh->meta.mode, sh->meta.capacity, sh->meta.record_size))
        return MEV_ECORRUPT; /* the segment is shorter than its header says */
    if (!sane_counters((int)sh->meta.mode, sh->meta.capacity, atomic_load(&sh->head),
                       atomic_load(&sh->tail)))
        return MEV_ECORRUPT;

    r = aligned_alloc(LINE, (sizeof *r + LINE - 1) / LINE * LINE);
    if (r == NULL)
        return MEV_ENOMEM;
    memset(r, 0, sizeof *r);
    r->sh = sh;
    r->data = (uint8_t *)mem + MEV_RING_HEADER_BYTES;
    r->mode = (int)sh->meta.mode;
    r->cap = sh->meta.capacity;
    r->mask = r->cap - 1;
    r->rec = sh->meta.record_size;
    r->spin_ns = DEFAULT_SPIN_NS;
    r->token = new_token();
    *out = r;
    return MEV_OK;
}

void mev_ring_close(mev_ring *r)
{
    if (r == NULL)
        return;
    adopt(r);
    for (int i = 0; i < 2; i++) {
        uint64_t mine = r->token;
        if (r->roles & (1 << i))
            atomic_compare_exchange_strong(&r->sh->meta.roles[i].owner, &mine, 0);
    }
    free(r);
}

/* A role's owner is alive while its process exists and is not a zombie. A recycled pid would
 * look alive: the role then stays taken until that process exits. */
static int owner_alive(uint64_t owner)
{
    char path[64], buf[512];
    pid_t pid = (pid_t)(owner >> 32);
    FILE *f;

    if (pid <= 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? 0 : 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    if (close_paren == NULL || close_paren[1] == '\0')
        return 1;
    char state = close_paren[2];
    return state != 'Z' && state != 'X' && state != 'x';
}

int mev_ring_claim(mev_ring *r, int role)
{
    if (role != MEV_RING_PRODUCER && role != MEV_RING_CONSUMER)
        return MEV_EINVAL;
    adopt(r);
    if (r->roles & role)
        return MEV_OK;
    _Atomic uint64_t *owner = &r->sh->meta.roles[role - 1].owner;
    for (;;) {
        uint64_t cur = atomic_load(owner);
        if (cur != 0 && owner_alive(cur))
            return MEV_EBUSY;
        if (atomic_compare_exchange_strong(owner, &cur, r->token))
            break;
    }
    /* The positions a previous owner left are a peer's word like any other: checked here, and
     * every later reload of the other side's counter is checked against our own. */
    uint64_t tail = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
    uint64_t head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
    if (!sane_counters(r->mode, r->cap, head, tail)) {
        uint64_t mine = r->token;
        atomic_compare_exchange_strong(owner, &mine, 0);
        return MEV_ECORRUPT;
    }
    r->roles |= role;
    if (role == MEV_RING_PRODUCER) {
        r->head = head;
        r->pushed = atomic_load_explicit(&r->sh->pushed, memory_order_relaxed);
        r->cached_tail = tail;
    } else {
        r->tail = tail;
        r->popped = atomic_load_explicit(&r->sh->popped, memory_order_relaxed);
        r->cached_head = head;
        r->pending = 0;
    }
    return MEV_OK;
}

int mev_ring_holds(mev_ring *r, int role)
{
    adopt(r);
    return (r->roles & role) != 0;
}

int mev_ring_mode(const mev_ring *r) { return r->mode; }
uint64_t mev_ring_capacity(const mev_ring *r) { return r->cap; }
uint32_t mev_ring_record_size(const mev_ring *r) { return r->rec; }
uint64_t mev_ring_tag(const mev_ring *r) { return r->sh->meta.tag; }
void mev_ring_set_spin_ns(mev_ring *r, int64_t ns) { r->spin_ns = ns > 0 ? ns : 0; }

uint32_t mev_ring_max_payload(const mev_ring *r)
{
    uint64_t m = r->cap / 2 - MEV_RING_RECORD_HEADER;
    return m > UINT32_MAX - 8 ? UINT32_MAX - 8 : (uint32_t)m;
}

uint64_t mev_ring_used(const mev_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
    uint64_t used = atomic_load_explicit(&r->sh->head, memory_order_acquire) - tail;
    return used > r->cap ? r->cap : used; /* a report only: a lying peer cannot make it overflow */
}

uint64_t mev_ring_count(const mev_ring *r)
{
    uint64_t popped = atomic_load_explicit(&r->sh->popped, memory_order_acquire);
    return atomic_load_explicit(&r->sh->pushed, memory_order_acquire) - popped;
}

uint64_t mev_ring_committed_tail(const mev_ring *r)
{
    return atomic_load_explicit(&r->sh->tail, memory_order_acquire);
}

/* --- futex waits -------------------------------------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Shared (not PRIVATE) futex ops: the word may live in memory mapped by several processes. */
static void futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, tsp, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* The sleeper sets its flag and then re-checks the condition; the waker publishes its counter
 * with a sequentially consistent exchange and then reads the flag. Both sides being seq_cst, at
 * least one sees the other, so a wake-up is never lost: either the sleeper sees the new data, or
 * the waker sees the flag and bumps the sequence word the sleeper's futex_wait compares against.
 * (On x86 the exchange is one locked instruction, cheaper than a store plus mfence.) */
static void publish_counter(_Atomic uint64_t *counter, uint64_t value, _Atomic uint32_t *waiting,
                            _Atomic uint32_t *seq)
{
    atomic_exchange(counter, value);
    if (atomic_load(waiting)) {
        atomic_fetch_add(seq, 1);
        futex_wake(seq);
    }
}

typedef int (*ready_fn)(mev_ring *r, uint64_t need);

static int wait_until(mev_ring *r, ready_fn ready, uint64_t need, _Atomic uint32_t *waiting,
                      _Atomic uint32_t *seq, int64_t timeout_ns)
{
    int64_t start = now_ns();
    int64_t deadline = timeout_ns >= 0 ? start + timeout_ns : 0;
    int64_t spin_until = start + (timeout_ns >= 0 && timeout_ns < r->spin_ns ? timeout_ns : r->spin_ns);
    int rc;
    for (unsigned i = 1; r->spin_ns > 0; i++) {
        if ((rc = ready(r, need)) != 0)
            return rc < 0 ? rc : MEV_OK;
        cpu_relax();
        if (i % 64 == 0 && now_ns() >= spin_until) /* the clock read costs ~25 ns; 64 pauses ~1.5 µs */
            break;
    }
    for (;;) {
        atomic_store(waiting, 1);
        uint32_t s = atomic_load(seq);
        atomic_thread_fence(memory_order_seq_cst);
        if ((rc = ready(r, need)) != 0) {
            atomic_store(waiting, 0);
            return rc < 0 ? rc : MEV_OK;
        }
        int64_t left = -1;
        if (timeout_ns >= 0) {
            left = deadline - now_ns();
            if (left <= 0) {
                atomic_store(waiting, 0);
                rc = ready(r, need);
                return rc < 0 ? rc : rc ? MEV_OK : MEV_ETIMEDOUT;
            }
        }
        futex_wait(seq, s, left);
    }
}

/* The consumer's reload of the producer's position: never believed beyond the data area. */
static int reload_head(mev_ring *r)
{
    uint64_t head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
    if (!sane_counters(r->mode, r->cap, head, r->tail))
        return MEV_ECORRUPT;
    r->cached_head = head;
    return MEV_OK;
}

/* The producer's reload of the consumer's position. */
static int reload_tail(mev_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
    if (!sane_counters(r->mode, r->cap, r->head, tail))
        return MEV_ECORRUPT;
    r->cached_tail = tail;
    return MEV_OK;
}

/* 1 when a record can be read, 0 when not, or an error code from the reload. */
static int has_data(mev_ring *r, uint64_t need)
{
    (void)need;
    if (r->tail != r->cached_head)
        return 1;
    int rc = reload_head(r);
    return rc != MEV_OK ? rc : r->tail != r->cached_head;
}

static inline uint64_t record_bytes(uint32_t len)
{
    return MEV_RING_RECORD_HEADER + (((uint64_t)len + 7) & ~(uint64_t)7);
}

/* Bytes a variable record of `len` needs right now, counting the skip to the start on a wrap. */
static inline uint64_t bytes_to_write(const mev_ring *r, uint64_t need)
{
    uint64_t to_end = r->cap - (r->head & r->mask);
    return need <= to_end ? need : to_end + need;
}

static int has_space(mev_ring *r, uint64_t need)
{
    uint64_t want = r->mode == MEV_RING_VARIABLE ? bytes_to_write(r, record_bytes((uint32_t)need))
                                                 : need;
    if (r->cap - (r->head - r->cached_tail) >= want)
        return 1;
    int rc = reload_tail(r);
    return rc != MEV_OK ? rc : r->cap - (r->head - r->cached_tail) >= want;
}

int mev_ring_wait_data(mev_ring *r, int64_t timeout_ns)
{
    return wait_until(r, has_data, 0, &r->sh->wake.consumer_waiting, &r->sh->wake.data_seq,
                      timeout_ns);
}

int mev_ring_wait_space(mev_ring *r, uint64_t need, int64_t timeout_ns)
{
    if (r->mode == MEV_RING_VARIABLE ? need > mev_ring_max_payload(r) : need > r->cap)
        return MEV_ERECSIZE;
    return wait_until(r, has_space, need, &r->sh->wake.producer_waiting, &r->sh->wake.space_seq,
                      timeout_ns);
}

/* --- variable mode --------------------------------------------------------------------------- */

int mev_ring_write(mev_ring *r, const void *src, uint32_t len)
{
    if (len > mev_ring_max_payload(r))
        return MEV_ERECSIZE;
    uint64_t need = record_bytes(len);
    int rc = has_space(r, len);
    if (rc <= 0)
        return rc < 0 ? rc : MEV_EAGAIN;
    uint64_t pos = r->head & r->mask;
    if (need > r->cap - pos) {
        const uint32_t marker[2] = {WRAP_MARKER, 0};
        memcpy(r->data + pos, marker, sizeof marker);
        r->head += r->cap - pos;
        pos = 0;
    }
    const uint32_t header[2] = {len, 0};
    memcpy(r->data + pos, header, sizeof header);
    if (len)
        memcpy(r->data + pos + MEV_RING_RECORD_HEADER, src, len);
    r->head += need;
    r->pushed++;
    prefetch_write(r->data + (r->head & r->mask));
    return MEV_OK;
}

void mev_ring_publish(mev_ring *r)
{
    atomic_store_explicit(&r->sh->pushed, r->pushed, memory_order_relaxed);
    publish_counter(&r->sh->head, r->head, &r->sh->wake.consumer_waiting, &r->sh->wake.data_seq);
}

int mev_ring_push(mev_ring *r, const void *data, uint32_t len)
{
    int rc = mev_ring_write(r, data, len);
    if (rc == MEV_OK)
        mev_ring_publish(r);
    return rc;
}

int mev_ring_push_many(mev_ring *r, const void *const *data, const uint32_t *lens, size_t n,
                       size_t *pushed)
{
    size_t i;
    int rc = MEV_OK;
    for (i = 0; i < n; i++) {
        rc = mev_ring_write(r, data[i], lens[i]);
        if (rc != MEV_OK)
            break;
    }
    if (i > 0)
        mev_ring_publish(r);
    *pushed = i;
    return rc == MEV_EAGAIN ? MEV_OK : rc;
}

int mev_ring_peek(mev_ring *r, const uint8_t **data, uint32_t *len)
{
    for (;;) {
        int rc = has_data(r, 0);
        if (rc <= 0)
            return rc < 0 ? rc : MEV_EAGAIN;
        uint64_t pos = r->tail & r->mask;
        uint32_t hdr;
        memcpy(&hdr, r->data + pos, sizeof hdr);
        if (hdr == WRAP_MARKER) {
            if (r->cap - pos >= r->cached_head - r->tail) /* the wrapped record is missing */
                return MEV_ECORRUPT;
            r->tail += r->cap - pos;
            continue;
        }
        if (hdr > mev_ring_max_payload(r) || record_bytes(hdr) > r->cached_head - r->tail ||
            record_bytes(hdr) > r->cap - pos)
            return MEV_ECORRUPT;
        *data = r->data + pos + MEV_RING_RECORD_HEADER;
        *len = hdr;
        r->pending = record_bytes(hdr);
        prefetch_read(r->data + ((r->tail + r->pending) & r->mask));
        return MEV_OK;
    }
}

void mev_ring_advance(mev_ring *r)
{
    r->tail += r->pending;
    r->popped += r->pending != 0;
    r->pending = 0;
}

void mev_ring_commit(mev_ring *r)
{
    atomic_store_explicit(&r->sh->popped, r->popped, memory_order_relaxed);
    publish_counter(&r->sh->tail, r->tail, &r->sh->wake.producer_waiting, &r->sh->wake.space_seq);
}

int mev_ring_pop(mev_ring *r, void *buf, uint32_t cap, uint32_t *len)
{
    const uint8_t *p;
    int rc = mev_ring_peek(r, &p, len);
    if (rc != MEV_OK)
        return rc;
    if (*len > cap)
        return MEV_EINVAL;
    memcpy(buf, p, *len);
    mev_ring_advance(r);
    mev_ring_commit(r);
    return MEV_OK;
}

/* --- fixed mode --------------------------------------------------------------------------- */

int mev_ring_push_records(mev_ring *r, const void *src, size_t n, size_t *pushed)
{
    uint64_t free_slots = r->cap - (r->head - r->cached_tail);
    if (free_slots < n) {
        int rc = reload_tail(r);
        if (rc != MEV_OK) {
            *pushed = 0;
            return rc;
        }
        free_slots = r->cap - (r->head - r->cached_tail);
    }
    uint64_t k = n < free_slots ? n : free_slots;
    *pushed = k;
    if (k == 0)
        return MEV_OK;
    uint64_t pos = r->head & r->mask;
    uint64_t first = k < r->cap - pos ? k : r->cap - pos;
    memcpy(r->data + pos * r->rec, src, first * r->rec);
    memcpy(r->data, (const uint8_t *)src + first * r->rec, (k - first) * r->rec);
    r->head += k;
    r->pushed += k;
    mev_ring_publish(r);
    return MEV_OK;
}

int mev_ring_readable(mev_ring *r, uint64_t *n)
{
    int rc = reload_head(r);
    *n = rc == MEV_OK ? r->cached_head - r->tail : 0;
    return rc;
}

int mev_ring_pop_records(mev_ring *r, void *dst, size_t max, size_t *popped)
{
    uint64_t avail = r->cached_head - r->tail;
    if (avail < max) {
        int rc = reload_head(r);
        if (rc != MEV_OK) {
            *popped = 0;
            return rc;
        }
        avail = r->cached_head - r->tail;
    }
    uint64_t k = max < avail ? max : avail;
    *popped = k;
    if (k == 0)
        return MEV_OK;
    uint64_t pos = r->tail & r->mask;
    uint64_t first = k < r->cap - pos ? k : r->cap - pos;
    memcpy(dst, r->data + pos * r->rec, first * r->rec);
    memcpy((uint8_t *)dst + first * r->rec, r->data, (k - first) * r->rec);
    r->tail += k;
    r->popped += k;
    mev_ring_commit(r);
    return MEV_OK;
}
