/* Shots fired by the sender thread at a loopback HTTP server, one every 2 ms on warm keep-alive
 * connections: lateness against the schedule, libcurl's hand-off time, sender CPU per shot.
 * Beside it, in the same run, the floor: a bare blocking socket sending the same request on the
 * same schedule, with no libcurl and no JSON, and its thread's CPU per request. */
#include <netinet/tcp.h>
#include <time.h>

#include "../sender.h"
#include "../tests/loopback_http.h"

enum { SHOTS = 1000, SPACING_NS = 2000000 };

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU per request of the cheapest client there is: sleep to the due time, send(), recv(). On
 * loopback, send() also runs the server side's TCP receive path. */
static double bare_socket_cpu_us(int port, size_t body_len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    static char req[4096], resp[4096];
    int n = snprintf(req, sizeof req, "POST /api/v1/transactions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", body_len);
    memset(req + n, 'A', body_len);
    n += (int)body_len;
    int64_t t = mono_ns() + 10000000, cpu0 = thread_cpu_ns();
    for (int i = 0; i < SHOTS; i++, t += SPACING_NS) {
        struct timespec due = {t / 1000000000, t % 1000000000};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
        if (send(fd, req, (size_t)n, 0) != n || recv(fd, resp, sizeof resp, 0) <= 0) {
            close(fd);
            return -1;
        }
    }
    close(fd);
    return (double)(thread_cpu_ns() - cpu0) / SHOTS / 1e3;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    pthread_t server;
    char url[64];
    mev_sender *s;
    uint32_t route;
    uint8_t tx[400] = {1};
    const uint8_t *txs[1] = {tx};
    static int64_t late[SHOTS], handoff[SHOTS];
    uint8_t buf[sizeof(mev_shot_result) + MEV_SENDER_MAX_BODY];

    int port = loopback_http_start(&server);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    mev_sender_new(64, 2000, &s);
    mev_sender_add_route(s, url, 1, NULL, 0, NULL, &route);
    mev_sender_start(s);
    mev_shot warm = {.shot_id = 0, .route = route, .kind = MEV_SHOT_WARM};
    mev_sender_submit(s, &warm, NULL);
    size_t len;
    while (mev_sender_wait_result(s, 2000000000) != 0 || mev_sender_result(s, buf, sizeof buf, &len) != 0)
        ;
    mev_sender_stats st0, st1;
    mev_sender_stats_get(s, &st0);
    int64_t t0 = mono_ns() + 10000000;
    for (int i = 0; i < SHOTS; i++) {
        mev_shot sh = {.shot_id = (uint64_t)i + 1, .fire_at_ns = t0 + (int64_t)i * SPACING_NS,
                       .route = route, .kind = MEV_SHOT_JITO_SEND, .ntx = 1, .tx_len = {sizeof tx}};
        while (mev_sender_submit(s, &sh, txs) != 0)
            ;
    }
    int got = 0, reused = 0;
    while (got < SHOTS && mev_sender_wait_result(s, 3000000000LL) == 0) {
        while (mev_sender_result(s, buf, sizeof buf, &len) == 0) {
            mev_shot_result r;
            memcpy(&r, buf, sizeof r);
            late[got] = r.start_ns - r.fire_at_ns;
            handoff[got] = r.sent_ns - r.start_ns;
            reused += !r.new_connection && r.http_status == 200;
            got++;
        }
    }
    mev_sender_stats_get(s, &st1);
    qsort(late, (size_t)got, sizeof late[0], cmp64);
    qsort(handoff, (size_t)got, sizeof handoff[0], cmp64);
    printf("sender, %d shots every %d ms to a loopback server (%d on warm connections)\n", got,
           SPACING_NS / 1000000, reused);
    printf("  late vs schedule: p50 %.1f us, p99 %.1f us, max %.1f us\n", late[got / 2] / 1e3,
           late[got * 99 / 100] / 1e3, late[got - 1] / 1e3);
    printf("  libcurl hand-off (add + first socket_action): p50 %.1f us, p99 %.1f us\n",
           handoff[got / 2] / 1e3, handoff[got * 99 / 100] / 1e3);
    printf("  sender thread CPU per shot: %.1f us, of which spinning to the fire time %.1f us\n",
           (double)(st1.cpu_ns - st0.cpu_ns) / got / 1e3, (double)(st1.spin_ns - st0.spin_ns) / got / 1e3);
    printf("  submissions that woke the thread: %llu of %d\n", (unsigned long long)(st1.wakeups - st0.wakeups), got);
    mev_sender_free(s);
    /* the body a JITO_SEND of this transaction carries: base64 plus the JSON-RPC envelope */
    printf("floor: a bare socket, same schedule and body size: CPU per request %.1f us\n",
           bare_socket_cpu_us(port, (sizeof tx + 2) / 3 * 4 + 80));
    loopback_http_stop(server);
    return 0;
}
