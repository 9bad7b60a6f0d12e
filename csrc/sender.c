#include "sender.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "mev_error.h"
#include "proc.h"
#include "ring.h"
#include "shm.h"

#define MAX_ROUTES 64
#define BODY_CAP (MEV_SENDER_MAX_TXS * 1700 + 512) /* base64 of five 1232-byte txs + JSON */
/* The thread wakes ahead of a shot by how late its wake-ups have been lately, plus this margin,
 * and spins the rest. A wake-up after a millisecond's sleep came 30-70 us late on our VM. */
#define SPIN_MARGIN_NS 10000
#define MAX_LATE_SAMPLE_NS 200000 /* later than this, the thread was preempted: not the timer's doing */
#define MAX_LEAD_NS 300000
#define RING_BYTES (1u << 22)

typedef struct {
    char url[512];     /* scheme, host and path, without the query */
    char query[512];   /* what followed '?' (a provider's api-key), kept after any appended path */
    char ca_file[512]; /* empty: the system's CAs */
    char ping[128];    /* a GET path for WARM shots ("" : the dialect's own call) */
    struct curl_slist *headers;
    int dialect;       /* enum mev_route_dialect */
    int http2;
} route;

enum slot_state { SLOT_FREE = 0, SLOT_PENDING, SLOT_FLYING, SLOT_DONE /* result not yet emitted */ };

typedef struct {
    int state;
    CURL *easy;
    mev_shot shot;
    char url[1100]; /* route url + path + route query + our parameter */
    char body[BODY_CAP];
    size_t body_len;
    mev_shot_result res; /* filled as the shot progresses */
    char resp[MEV_SENDER_MAX_BODY];
} slot;

struct mev_sender {
    CURLM *multi;
    /* The thread sleeps in one epoll_wait for everything that can need it: curl's sockets (told
     * by the socket callback), `wake_fd` (a submission due sooner, or stop) and `timer_fd`, armed
     * with nanosecond precision for the next shot or curl's own timeout. One wake-up per event. */
    int epoll_fd, wake_fd, timer_fd;
    int64_t timer_armed_ns;  /* the deadline timer_fd is set to (0: none) */
    int64_t curl_due_ns;     /* when curl wants curl_multi_socket_action(TIMEOUT); -1: never */
    int64_t wake_late_ns, wake_dev_ns; /* running mean and mean deviation of timer wake-up lateness */
    route routes[MAX_ROUTES];
    uint32_t nroutes;
    uint32_t timeout_ms;
    uint32_t nslots;
    slot *slots;
    void *sub_mem, *res_mem;
    mev_ring *sub_in, *sub_out;  /* submissions: caller produces, thread consumes */
    mev_ring *res_in, *res_out;  /* results: thread produces, caller consumes */
    pthread_t thread;
    int started;
    pid_t owner; /* the process the thread runs in: a forked child has no thread */
    _Atomic pid_t tid; /* the thread's kernel id once it runs, for pinning it */
    atomic_int stop;
    _Atomic uint64_t submitted, fired, completed, wakeups, spin_ns;
    _Atomic int64_t max_late_ns;
    /* When the thread will next look at the submission ring by itself (0: it is awake and will
     * look before it sleeps). A submission due later needs no wake-up: it saves the caller a
     * syscall and the thread a context switch per shot. */
    _Atomic int64_t looks_at_ns;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

size_t mev_base64(const uint8_t *src, size_t n, char *dst)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        dst[o++] = tbl[v >> 18];
        dst[o++] = tbl[(v >> 12) & 63];
        dst[o++] = tbl[(v >> 6) & 63];
        dst[o++] = tbl[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)src[i] << 16 | (i + 1 < n ? (uint32_t)src[i + 1] << 8 : 0);
        dst[o++] = tbl[v >> 18];
        dst[o++] = tbl[(v >> 12) & 63];
        dst[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        dst[o++] = '=';
    }
    return o;
}

/* --- what the thread sleeps on ------------------------------------------------------------- */

static int watch(mev_sender *s, int fd, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0;
    return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void wake(mev_sender *s)
{
    uint64_t one = 1;
    (void)!write(s->wake_fd, &one, sizeof one); /* a full counter is still readable: awake anyway */
}

/* curl tells which of its sockets to wait on, and for what. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    mev_sender *s = userp;
    (void)easy, (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    return watch(s, fd, events) == 0 ? 0 : -1;
}

/* curl asks to be called back after timeout_ms (-1: cancel); the loop does it. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    mev_sender *s = userp;
    (void)multi;
    s->curl_due_ns = timeout_ms < 0 ? -1 : mono_ns() + (int64_t)timeout_ms * 1000000;
    return 0;
}

/* --- rings between caller and thread -------------------------------------------------------- */

static int open_pair(void **mem, mev_ring **a, mev_ring **b, int role_a, int role_b)
{
    size_t bytes = mev_ring_bytes_needed(MEV_RING_VARIABLE, RING_BYTES, 0);
    int rc = mev_shm_create(NULL, bytes, mem);
    if (rc != MEV_OK)
        return rc;
    if ((rc = mev_ring_format(*mem, bytes, MEV_RING_VARIABLE, RING_BYTES, 0, 0)) != MEV_OK ||
        (rc = mev_ring_open(*mem, bytes, a)) != MEV_OK || (rc = mev_ring_open(*mem, bytes, b)) != MEV_OK)
        return rc;
    if ((rc = mev_ring_claim(*a, role_a)) != MEV_OK || (rc = mev_ring_claim(*b, role_b)) != MEV_OK)
        return rc;
    return MEV_OK;
}

int mev_sender_new(uint32_t inflight, uint32_t timeout_ms, mev_sender **out)
{
    mev_sender *s;
    int rc;

    *out = NULL;
    if (inflight < 1 || inflight > 1024 || timeout_ms < 1)
        return MEV_EINVAL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) /* refcounted, thread-safe in 7.84+ */
        return MEV_EOS;
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        curl_global_cleanup();
        return MEV_ENOMEM;
    }
    s->epoll_fd = s->wake_fd = s->timer_fd = -1;
    s->timeout_ms = timeout_ms;
    s->nslots = inflight;
    s->curl_due_ns = -1;
    s->owner = mev_pid();
    s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s->epoll_fd < 0 || s->wake_fd < 0 || s->timer_fd < 0 || watch(s, s->wake_fd, EPOLLIN) != 0 ||
        watch(s, s->timer_fd, EPOLLIN) != 0) {
        mev_sender_free(s);
        return MEV_EOS;
    }
    s->slots = calloc(inflight, sizeof(slot));
    s->multi = curl_multi_init();
    if (s->slots == NULL || s->multi == NULL) {
        mev_sender_free(s);
        return MEV_ENOMEM;
    }
    curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
    curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
    for (uint32_t i = 0; i < inflight; i++)
        if ((s->slots[i].easy = curl_easy_init()) == NULL) {
            mev_sender_free(s);
            return MEV_ENOMEM;
        }
    if ((rc = open_pair(&s->sub_mem, &s->sub_in, &s->sub_out, MEV_RING_PRODUCER, MEV_RING_CONSUMER)) ||
        (rc = open_pair(&s->res_mem, &s->res_in, &s->res_out, MEV_RING_PRODUCER, MEV_RING_CONSUMER))) {
        mev_sender_free(s);
        return rc;
    }
    mev_ring_set_spin_ns(s->res_out, 5000);
    *out = s;
    return MEV_OK;
}

void mev_sender_free(mev_sender *s)
{
    if (s == NULL)
        return;
    if (s->owner != mev_pid()) {
        /* A forked child: the thread is the parent's, and curl's connections are sockets shared
         * with the parent, where a TLS close would break the parent's stream. Free only memory. */
        free(s->slots);
        free(s);
        return;
    }
    if (s->started) {
        atomic_store(&s->stop, 1);
        wake(s);
        pthread_join(s->thread, NULL);
    }
    for (uint32_t i = 0; s->slots && i < s->nslots; i++) {
        if (s->slots[i].state == SLOT_FLYING)
            curl_multi_remove_handle(s->multi, s->slots[i].easy);
        if (s->slots[i].easy)
            curl_easy_cleanup(s->slots[i].easy);
    }
    for (uint32_t r = 0; r < s->nroutes; r++)
        curl_slist_free_all(s->routes[r].headers);
    if (s->multi)
        curl_multi_cleanup(s->multi); /* may still call on_socket: the fds close after it */
    if (s->epoll_fd >= 0)
        close(s->epoll_fd);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    if (s->timer_fd >= 0)
        close(s->timer_fd);
    size_t bytes = mev_ring_bytes_needed(MEV_RING_VARIABLE, RING_BYTES, 0);
    mev_ring_close(s->sub_in), mev_ring_close(s->sub_out);
    mev_ring_close(s->res_in), mev_ring_close(s->res_out);
    mev_shm_unmap(s->sub_mem, bytes);
    mev_shm_unmap(s->res_mem, bytes);
    free(s->slots);
    free(s);
    curl_global_cleanup();
}

int mev_sender_add_route(mev_sender *s, const char *base_url, int dialect, const char *headers,
                         int http2, const char *ca_file, uint32_t *route_id)
{
    route *r;
    if (s->owner != mev_pid())
        return MEV_EFORKED;
    if (s->started || s->nroutes == MAX_ROUTES || base_url == NULL || dialect < MEV_DIALECT_JSONRPC ||
        dialect > MEV_DIALECT_REST)
        return MEV_EINVAL;
    if (ca_file != NULL && strlen(ca_file) >= sizeof r->ca_file)
        return MEV_EINVAL;
    if (strlen(base_url) >= sizeof r->url || (strncmp(base_url, "http://", 7) != 0 &&
                                              strncmp(base_url, "https://", 8) != 0))
        return MEV_EINVAL;
    r = &s->routes[s->nroutes];
    memset(r, 0, sizeof *r);
    strcpy(r->url, base_url);
    char *q = strchr(r->url, '?');
    if (q != NULL) {
        *q = '\0';
        strcpy(r->query, q + 1);
    }
    size_t n = strlen(r->url);
    while (n > 8 && r->url[n - 1] == '/') /* paths are appended with their own slash */
        r->url[--n] = '\0';
    r->dialect = dialect;
    r->http2 = http2 != 0;
    if (ca_file != NULL)
        strcpy(r->ca_file, ca_file);
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (headers != NULL) {
        char line[1024];
        for (const char *p = headers; *p;) {
            const char *e = strchr(p, '\n');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len > 0 && len < sizeof line) {
                memcpy(line, p, len);
                line[len] = '\0';
                r->headers = curl_slist_append(r->headers, line);
            }
            p += len + (e != NULL);
        }
    }
    if (r->headers == NULL)
        return MEV_ENOMEM;
    *route_id = s->nroutes++;
    return MEV_OK;
}

int mev_sender_set_ping(mev_sender *s, uint32_t route_id, const char *path)
{
    if (s->owner != mev_pid())
        return MEV_EFORKED;
    if (s->started || route_id >= s->nroutes || path == NULL || path[0] != '/' ||
        strlen(path) >= sizeof s->routes[route_id].ping || strpbrk(path, "?# \r\n") != NULL)
        return MEV_EINVAL;
    strcpy(s->routes[route_id].ping, path);
    return MEV_OK;
}

/* The dialect each kind of send speaks. */
static int kind_dialect(uint32_t kind)
{
    switch (kind) {
    case MEV_SHOT_RPC_SEND: return MEV_DIALECT_JSONRPC;
    case MEV_SHOT_REST_SUBMIT: return MEV_DIALECT_REST;
    default: return MEV_DIALECT_JITO;
    }
}

int mev_sender_submit(mev_sender *s, const mev_shot *shot, const uint8_t *const *txs)
{
    uint8_t buf[sizeof(mev_shot) + MEV_SENDER_MAX_TXS * 1232];
    size_t off = sizeof *shot;

    if (s->owner != mev_pid())
        return MEV_EFORKED; /* no thread here would ever fire it */
    if (shot->route >= s->nroutes || shot->kind < MEV_SHOT_RPC_SEND || shot->kind > MEV_SHOT_REST_SUBMIT)
        return MEV_EINVAL;
    if (shot->kind != MEV_SHOT_WARM) {
        uint32_t max_tx = shot->kind == MEV_SHOT_JITO_BUNDLE ? MEV_SENDER_MAX_TXS : 1;
        if (shot->ntx < 1 || shot->ntx > max_tx)
            return MEV_EINVAL;
        if (s->routes[shot->route].dialect != kind_dialect(shot->kind))
            return MEV_EINVAL;
    }
    memcpy(buf, shot, sizeof *shot);
    for (uint32_t i = 0; shot->kind != MEV_SHOT_WARM && i < shot->ntx; i++) {
        if (shot->tx_len[i] == 0 || shot->tx_len[i] > 1232)
            return MEV_ETOOBIG;
        memcpy(buf + off, txs[i], shot->tx_len[i]);
        off += shot->tx_len[i];
    }
    int rc = mev_ring_push(s->sub_in, buf, (uint32_t)off);
    if (rc != MEV_OK)
        return rc;
    atomic_fetch_add(&s->submitted, 1);
    /* A read-modify-write, as the thread's announcement is: the two are ordered, so either the
     * thread sees this shot when it re-checks the ring, or this sees the time it sleeps until. */
    int64_t looks_at = atomic_fetch_add(&s->looks_at_ns, 0);
    if (looks_at != 0 && shot->fire_at_ns < looks_at) {
        atomic_fetch_add(&s->wakeups, 1);
        wake(s);
    }
    return MEV_OK;
}

/* --- the thread ------------------------------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
    slot *sl = userp;
    size_t len = size * n, room = sizeof sl->resp - sl->res.body_len;
    if (len > room) {
        sl->res.truncated = 1;
        memcpy(sl->resp + sl->res.body_len, data, room);
        sl->res.body_len += (uint32_t)room;
    } else {
        memcpy(sl->resp + sl->res.body_len, data, len);
        sl->res.body_len += (uint32_t)len;
    }
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
    slot *sl = userp;
    size_t len = size * n;
    static const char name[] = "x-bundle-id:";
    if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        const char *v = data + sizeof name - 1;
        size_t vl = len - (sizeof name - 1);
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl >= sizeof sl->res.bundle_id)
            vl = sizeof sl->res.bundle_id - 1;
        memcpy(sl->res.bundle_id, v, vl);
        sl->res.bundle_id[vl] = '\0';
    }
    return len;
}

/* Builds the URL and JSON-RPC body of a shot into its slot. */
static void assemble(mev_sender *s, slot *sl, const uint8_t *txs)
{
    const mev_shot *sh = &sl->shot;
    const route *r = &s->routes[sh->route];
    char *b = sl->body;
    size_t o = 0;
    const char *path = "", *method = "sendTransaction", *param = "";
    int get = 0; /* a WARM shot on a ping path, or on a REST route: a GET, no body */

    switch (sh->kind) {
    case MEV_SHOT_JITO_SEND: path = "/api/v1/transactions"; break;
    case MEV_SHOT_JITO_BUNDLE_ONLY: path = "/api/v1/transactions"; param = "bundleOnly=true"; break;
    case MEV_SHOT_JITO_BUNDLE: path = "/api/v1/bundles"; method = "sendBundle"; break;
    case MEV_SHOT_WARM:
        get = r->ping[0] != '\0' || r->dialect == MEV_DIALECT_REST;
        path = r->ping[0] ? r->ping : r->dialect == MEV_DIALECT_JITO ? "/api/v1/bundles" : "";
        method = r->dialect == MEV_DIALECT_JITO ? "getTipAccounts" : "getHealth";
        break;
    default: break;
    }
    /* the route's own query (an api-key) stays a query: after the path, joined with ours */
    snprintf(sl->url, sizeof sl->url, "%s%s%s%s%s%s", r->url, path, *r->query || *param ? "?" : "",
             r->query, *r->query && *param ? "&" : "", param);
    if (get) {
        o = 0;
    } else if (sh->kind == MEV_SHOT_REST_SUBMIT) {
        o += (size_t)sprintf(b, "{\"transaction\":{\"content\":\"");
        o += mev_base64(txs, sh->tx_len[0], b + o);
        o += (size_t)sprintf(b + o, "\"},\"frontRunningProtection\":false}");
    } else if (sh->kind == MEV_SHOT_WARM) {
        o += (size_t)sprintf(b, "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"%s\",\"params\":[]}",
                             (unsigned long long)sh->shot_id, method);
    } else {
        o += (size_t)sprintf(b, "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"%s\",\"params\":[",
                             (unsigned long long)sh->shot_id, method);
        if (sh->kind == MEV_SHOT_JITO_BUNDLE)
            b[o++] = '[';
        for (uint32_t i = 0; i < sh->ntx; i++) {
            if (i)
                b[o++] = ',';
            b[o++] = '"';
            o += mev_base64(txs, sh->tx_len[i], b + o);
            b[o++] = '"';
            txs += sh->tx_len[i];
        }
        if (sh->kind == MEV_SHOT_JITO_BUNDLE)
            b[o++] = ']';
        if (sh->kind == MEV_SHOT_RPC_SEND)
            o += (size_t)sprintf(b + o, ",{\"encoding\":\"base64\",\"skipPreflight\":true,"
                                         "\"maxRetries\":0}]}");
        else
            o += (size_t)sprintf(b + o, ",{\"encoding\":\"base64\"}]}");
    }
    sl->body_len = o;

    CURL *e = sl->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, sl->url);
    if (get) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, sl->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)sl->body_len);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, sl);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, sl);
    curl_easy_setopt(e, CURLOPT_PRIVATE, sl);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, r->http2 ? 1L : 0L); /* waiting to multiplex only pays on HTTP/2 */
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     r->http2 ? (strncmp(r->url, "https", 5) == 0 ? CURL_HTTP_VERSION_2TLS
                                                                 : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
                              : CURL_HTTP_VERSION_1_1);
    if (r->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
    memset(&sl->res, 0, sizeof sl->res);
    sl->res.shot_id = sh->shot_id;
    sl->res.fire_at_ns = sh->fire_at_ns;
    sl->res.route = sh->route;
    sl->res.kind = sh->kind;
}

static slot *free_slot(mev_sender *s)
{
    for (uint32_t i = 0; i < s->nslots; i++)
        if (s->slots[i].state == SLOT_FREE)
            return &s->slots[i];
    return NULL;
}

static void take_submissions(mev_sender *s)
{
    const uint8_t *rec;
    uint32_t len;
    int took = 0;
    while (mev_ring_peek(s->sub_out, &rec, &len) == MEV_OK) {
        slot *sl = free_slot(s);
        if (sl == NULL)
            break; /* every slot busy: the rest waits in the ring */
        memcpy(&sl->shot, rec, sizeof sl->shot);
        assemble(s, sl, rec + sizeof sl->shot);
        sl->state = SLOT_PENDING;
        mev_ring_advance(s->sub_out);
        took = 1;
    }
    if (took)
        mev_ring_commit(s->sub_out);
}

static slot *next_due(mev_sender *s)
{
    slot *best = NULL;
    for (uint32_t i = 0; i < s->nslots; i++) {
        slot *sl = &s->slots[i];
        if (sl->state == SLOT_PENDING && (best == NULL || sl->shot.fire_at_ns < best->shot.fire_at_ns))
            best = sl;
    }
    return best;
}

static void fire(mev_sender *s, slot *sl)
{
    int running;
    sl->res.start_ns = mono_ns();
    int64_t late = sl->res.start_ns - sl->shot.fire_at_ns;
    if (late > atomic_load(&s->max_late_ns) && sl->shot.fire_at_ns > 0)
        atomic_store(&s->max_late_ns, late);
    sl->state = SLOT_FLYING;
    curl_multi_add_handle(s->multi, sl->easy); /* sets curl's timer to now: the next call runs it */
    curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    sl->res.sent_ns = mono_ns();
    atomic_fetch_add(&s->fired, 1);
}

/* A finished result waits here if the results ring is full; it is never dropped. */
static int emit(mev_sender *s, slot *sl)
{
    uint8_t buf[sizeof(mev_shot_result) + MEV_SENDER_MAX_BODY];
    memcpy(buf, &sl->res, sizeof sl->res);
    memcpy(buf + sizeof sl->res, sl->resp, sl->res.body_len);
    atomic_fetch_add(&s->completed, 1); /* counted before the reader can see it */
    if (mev_ring_push(s->res_in, buf, (uint32_t)(sizeof sl->res + sl->res.body_len)) != MEV_OK) {
        atomic_fetch_sub(&s->completed, 1);
        return 0;
    }
    sl->state = SLOT_FREE;
    return 1;
}

static void collect(mev_sender *s)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        slot *sl;
        long status = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
        long connects = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(m->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
        sl->res.new_connection = connects > 0;
        sl->res.curl_code = (int32_t)m->data.result;
        sl->res.http_status = (int32_t)status;
        sl->res.done_ns = mono_ns();
        curl_multi_remove_handle(s->multi, sl->easy);
        sl->state = SLOT_DONE;
    }
    for (uint32_t i = 0; i < s->nslots; i++)
        if (s->slots[i].state == SLOT_DONE && !emit(s, &s->slots[i]))
            break;
}

/* Announces that the thread will not look at submissions before `t`, then checks once more;
 * returns 1 if a submission is already waiting (do not sleep). */
static int announce_sleep(mev_sender *s, int64_t t)
{
    const uint8_t *rec;
    uint32_t len;
    atomic_exchange(&s->looks_at_ns, t); /* pairs with the submitter's read-modify-write */
    if (mev_ring_peek(s->sub_out, &rec, &len) == MEV_OK && free_slot(s) != NULL) {
        atomic_store(&s->looks_at_ns, 0);
        return 1;
    }
    return 0;
}

/* How long before a shot to wake: the usual lateness and twice its spread, plus a margin. */
static int64_t wake_lead(const mev_sender *s)
{
    int64_t lead = s->wake_late_ns + 2 * s->wake_dev_ns + SPIN_MARGIN_NS;
    return lead < MAX_LEAD_NS ? lead : MAX_LEAD_NS;
}

static void learn_lateness(mev_sender *s, int64_t late)
{
    if (late > MAX_LATE_SAMPLE_NS)
        late = MAX_LATE_SAMPLE_NS;
    int64_t err = late - s->wake_late_ns;
    s->wake_late_ns += err / 8;
    s->wake_dev_ns += ((err < 0 ? -err : err) - s->wake_dev_ns) / 8;
}

/* Sleeps until `deadline` or an event, and hands every socket event to curl. for_shot: the
 * deadline is a shot's wake-up, whose lateness is learned. */
static void sleep_and_serve(mev_sender *s, int64_t deadline, int for_shot)
{
    struct epoll_event evs[32];
    int running;
    if (deadline != s->timer_armed_ns) {
        struct itimerspec it = {.it_value = {deadline / 1000000000, deadline % 1000000000}};
        timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &it, NULL); /* also clears an old expiry */
        s->timer_armed_ns = deadline;
    }
    int n = epoll_wait(s->epoll_fd, evs, 32, -1);
    int64_t late = mono_ns() - deadline;
    if (for_shot && late >= 0)
        learn_lateness(s, late);
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        if (fd == s->wake_fd) {
            uint64_t count;
            (void)!read(s->wake_fd, &count, sizeof count);
        } else if (fd != s->timer_fd) {
            uint32_t e = evs[i].events;
            int flags = (e & EPOLLIN ? CURL_CSELECT_IN : 0) | (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (e & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(s->multi, fd, flags, &running);
        }
    }
}

static void *sender_main(void *arg)
{
    mev_sender *s = arg;
    int running;

    atomic_store(&s->tid, mev_tid());
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake from timers within a microsecond or so */
    while (!atomic_load(&s->stop)) {
        take_submissions(s);
        slot *due = next_due(s);
        int64_t now = mono_ns();
        if (due && due->shot.fire_at_ns <= now) {
            fire(s, due);
            continue;
        }
        if (s->curl_due_ns >= 0 && s->curl_due_ns <= now) {
            s->curl_due_ns = -1;
            curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
            collect(s);
            continue;
        }
        int64_t lead = wake_lead(s);
        if (due && due->shot.fire_at_ns - now <= lead) {
            /* waking up is less punctual than this: spin, then take late submissions and fire */
            int64_t t = now;
            while (t < due->shot.fire_at_ns)
                t = mono_ns();
            atomic_fetch_add_explicit(&s->spin_ns, (uint64_t)(t - now), memory_order_relaxed);
            continue;
        }
        int64_t deadline = due ? due->shot.fire_at_ns - lead : now + 100000000;
        int for_shot = due != NULL;
        if (s->curl_due_ns >= 0 && s->curl_due_ns < deadline)
            deadline = s->curl_due_ns, for_shot = 0;
        if (!announce_sleep(s, deadline))
            sleep_and_serve(s, deadline, for_shot);
        atomic_store(&s->looks_at_ns, 0);
        collect(s);
    }
    return NULL;
}

int mev_sender_start(mev_sender *s)
{
    if (s->owner != mev_pid())
        return MEV_EFORKED;
    if (s->started)
        return MEV_OK;
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0)
        return MEV_ETHREAD;
    s->started = 1;
    return MEV_OK;
}

int mev_sender_thread_id(mev_sender *s)
{
    for (int i = 0; s->started && i < 100000 && atomic_load(&s->tid) == 0; i++)
        sched_yield(); /* it was just started and has not run yet */
    return atomic_load(&s->tid);
}

int mev_sender_result(mev_sender *s, uint8_t *buf, size_t cap, size_t *len)
{
    uint32_t n;
    if (s->owner != mev_pid())
        return MEV_EFORKED;
    int rc = mev_ring_pop(s->res_out, buf, (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap), &n);
    if (rc == MEV_OK)
        *len = n;
    return rc;
}

int mev_sender_wait_result(mev_sender *s, int64_t timeout_ns)
{
    if (s->owner != mev_pid())
        return MEV_EFORKED;
    return mev_ring_wait_data(s->res_out, timeout_ns);
}

void mev_sender_stats_get(mev_sender *s, mev_sender_stats *out)
{
    out->submitted = atomic_load(&s->submitted);
    out->fired = atomic_load(&s->fired);
    out->completed = atomic_load(&s->completed);
    /* read from the caller's side, so the sender thread pays no clock syscall per loop */
    clockid_t cid;
    struct timespec ts = {0, 0};
    if (s->started && pthread_getcpuclockid(s->thread, &cid) == 0)
        clock_gettime(cid, &ts);
    out->cpu_ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
    out->max_late_ns = atomic_load(&s->max_late_ns);
    out->wakeups = atomic_load(&s->wakeups);
    out->spin_ns = atomic_load(&s->spin_ns);
}
