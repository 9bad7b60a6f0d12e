/* The send hot path: a thread that fires pre-assembled JSON-RPC requests at scheduled monotonic
 * times over libcurl's multi interface, on keep-alive connections warmed per route.
 *
 * Python (or any thread) submits shots through an in-process ring; the JSON body, base64 of the
 * signed transactions included, is assembled by the sender thread as soon as a shot arrives, so
 * firing is only handing a ready request to libcurl. The thread drives libcurl's multi_socket
 * interface and sleeps in one epoll_wait on curl's sockets, a wake-up eventfd and a timerfd set
 * with nanosecond precision: one wake-up per response and one per shot. It wakes ahead of a shot
 * by how late its recent wake-ups were (learned as it runs) and spins the rest.
 * Every shot produces exactly one result record (HTTP status, curl error, body, x-bundle-id,
 * timestamps) in the results ring, which the caller drains. */
#ifndef MEV_SENDER_H
#define MEV_SENDER_H

#include <stddef.h>
#include <stdint.h>

#define MEV_SENDER_MAX_TXS 5        /* a Jito bundle holds at most five transactions */
#define MEV_SENDER_MAX_BODY 4096    /* response bytes kept per shot; the rest is cut */
#define MEV_SENDER_BUNDLE_ID 96

enum mev_shot_kind {
    MEV_SHOT_RPC_SEND = 1,      /* sendTransaction, base64, skipPreflight, maxRetries 0 */
    MEV_SHOT_JITO_SEND = 2,     /* /api/v1/transactions sendTransaction */
    MEV_SHOT_JITO_BUNDLE_ONLY = 3, /* /api/v1/transactions?bundleOnly=true */
    MEV_SHOT_JITO_BUNDLE = 4,   /* /api/v1/bundles sendBundle */
    MEV_SHOT_WARM = 5,          /* opens or keeps a connection: the route's ping path (GET), else
                                   getHealth (JSON-RPC), getTipAccounts (Jito), GET (REST) */
    MEV_SHOT_REST_SUBMIT = 6,   /* POST {"transaction":{"content":<base64>},"frontRunningProtection":false} */
};

/* What a route speaks. Each shot kind goes only to routes of its dialect (WARM to any). */
enum mev_route_dialect {
    MEV_DIALECT_JSONRPC = 0,    /* Solana JSON-RPC sendTransaction (an RPC node, a sender service) */
    MEV_DIALECT_JITO = 1,       /* a Jito block engine: /api/v1/... appended to the base URL */
    MEV_DIALECT_REST = 2,       /* a REST submit URL (bloXroute's /api/v2/submit) */
};

typedef struct {
    uint64_t shot_id;
    int64_t fire_at_ns;   /* CLOCK_MONOTONIC; <= now fires at once */
    uint32_t route;
    uint32_t kind;
    uint32_t ntx;
    uint32_t tx_len[MEV_SENDER_MAX_TXS];
} mev_shot;

/* One record in the results ring: this header, then body_len bytes of response body. */
typedef struct {
    uint64_t shot_id;
    int64_t fire_at_ns;
    int64_t sent_ns;      /* when the request was handed to the socket (first curl call returned) */
    int64_t done_ns;
    int64_t start_ns;     /* when firing began: sent_ns - start_ns is libcurl's share */
    uint32_t route;
    uint32_t kind;
    int32_t curl_code;    /* 0: a response came back; else the CURLcode */
    int32_t http_status;
    uint32_t body_len;
    uint32_t truncated;
    uint32_t new_connection; /* 1 if this shot had to open a connection (none warm was free) */
    uint32_t pad;
    char bundle_id[MEV_SENDER_BUNDLE_ID]; /* x-bundle-id response header, NUL-terminated */
} mev_shot_result;

typedef struct {
    uint64_t submitted, fired, completed;
    uint64_t cpu_ns;      /* CPU time the sender thread has used since it started */
    int64_t max_late_ns;
    uint64_t wakeups;     /* submissions that had to wake the thread (due before it would look) */
    uint64_t spin_ns;     /* of cpu_ns, time spent spinning up to shots' fire times */
} mev_sender_stats;

typedef struct mev_sender mev_sender;

/* timeout_ms: per request. inflight: shots pending or in flight at once (1..1024).
 * A sender belongs to the process that made it: in a forked child every call returns
 * MEV_EFORKED (the thread stayed in the parent) and free() releases only memory. */
int mev_sender_new(uint32_t inflight, uint32_t timeout_ms, mev_sender **out);
/* Stops and joins the thread, then frees. */
void mev_sender_free(mev_sender *s);

/* Routes are added before start. dialect: an mev_route_dialect (for a Jito route the paths
 * /api/v1/... are appended to base_url). headers:
 * newline-separated "Name: value" lines (e.g. x-jito-auth), may be NULL. http2: 1 to use HTTP/2
 * (ALPN over TLS, prior knowledge over cleartext). ca_file: PEM bundle to verify the server
 * with instead of the system's (NULL: system CAs); verification is never turned off. */
int mev_sender_add_route(mev_sender *s, const char *base_url, int dialect, const char *headers,
                         int http2, const char *ca_file, uint32_t *route_id);
/* A path on the route's host that answers a GET (e.g. "/ping"): WARM shots use it to keep an idle
 * connection open without a JSON-RPC call the endpoint may not serve. Before start. */
int mev_sender_set_ping(mev_sender *s, uint32_t route_id, const char *path);
int mev_sender_start(mev_sender *s);
/* The sender thread's kernel id (0 before start), to pin it to a CPU (mevlib.affinity). */
int mev_sender_thread_id(mev_sender *s);

/* Copies the shot and its transactions into the submission ring and wakes the thread.
 * MEV_EAGAIN when the submission ring is full. Call from one thread at a time. */
int mev_sender_submit(mev_sender *s, const mev_shot *shot, const uint8_t *const *txs);

/* Results: the next record, copied into buf (header + body). MEV_EAGAIN when none. */
int mev_sender_result(mev_sender *s, uint8_t *buf, size_t cap, size_t *len);
int mev_sender_wait_result(mev_sender *s, int64_t timeout_ns);
void mev_sender_stats_get(mev_sender *s, mev_sender_stats *out);

/* Standard base64 of src into dst (room for 4 * ceil(n / 3) bytes); returns the length. */
size_t mev_base64(const uint8_t *src, size_t n, char *dst);

#endif
