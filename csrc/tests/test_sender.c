/* Sender: base64 known answers, submission checks, and shots fired at a tiny keep-alive HTTP
 * server on loopback (one result per shot, bodies and the x-bundle-id header carried back). */
#include <time.h>

#include "../mev_error.h"
#include "../sender.h"
#include "check.h"
#include "loopback_http.h"

static void test_base64(void)
{
    char out[16];
    const struct { const char *in, *want; } v[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = mev_base64((const uint8_t *)v[i].in, strlen(v[i].in), out);
        out[n] = '\0';
        CHECK(strcmp(out, v[i].want) == 0);
    }
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_shots(void)
{
    pthread_t t;
    char url[64];
    mev_sender *s;
    uint32_t rpc, jito;

    snprintf(url, sizeof url, "http://127.0.0.1:%d/", loopback_http_start(&t));

    CHECK_EQ_INT(mev_sender_new(0, 1000, &s), MEV_EINVAL);
    CHECK_EQ_INT(mev_sender_new(16, 2000, &s), MEV_OK);
    CHECK_EQ_INT(mev_sender_add_route(s, "ftp://x", 0, NULL, 0, NULL, &rpc), MEV_EINVAL);
    CHECK_EQ_INT(mev_sender_add_route(s, url, 0, "x-test: 1\nx-other: 2", 0, NULL, &rpc), MEV_OK);
    CHECK_EQ_INT(mev_sender_add_route(s, url, 1, NULL, 0, NULL, &jito), MEV_OK);
    CHECK_EQ_INT(mev_sender_start(s), MEV_OK);

    uint8_t tx[300];
    for (int i = 0; i < 300; i++) tx[i] = (uint8_t)i;
    const uint8_t *txs[5] = {tx, tx, tx, tx, tx};
    mev_shot bad = {.shot_id = 1, .route = rpc, .kind = MEV_SHOT_JITO_BUNDLE, .ntx = 1, .tx_len = {300}};
    CHECK_EQ_INT(mev_sender_submit(s, &bad, txs), MEV_EINVAL); /* bundles go to Jito routes */
    bad.route = 9;
    CHECK_EQ_INT(mev_sender_submit(s, &bad, txs), MEV_EINVAL);

    enum { N = 40 };
    int64_t start = mono_ns() + 20000000;
    for (int i = 0; i < N; i++) {
        mev_shot sh = {.shot_id = (uint64_t)i + 100, .fire_at_ns = start + i * 1000000,
                       .route = i % 2 ? jito : rpc,
                       .kind = i % 2 ? (i % 4 == 1 ? MEV_SHOT_JITO_BUNDLE : MEV_SHOT_JITO_SEND)
                                     : MEV_SHOT_RPC_SEND,
                       .ntx = i % 4 == 1 ? 5 : 1};
        for (uint32_t j = 0; j < sh.ntx; j++) sh.tx_len[j] = 300;
        CHECK_EQ_INT(mev_sender_submit(s, &sh, txs), MEV_OK);
    }
    uint8_t buf[sizeof(mev_shot_result) + MEV_SENDER_MAX_BODY];
    int got = 0, ok = 0, on_time = 0, early = 0;
    uint64_t seen_ids = 0;
    while (got < N && mev_sender_wait_result(s, 3000000000LL) == MEV_OK) {
        size_t len;
        while (mev_sender_result(s, buf, sizeof buf, &len) == MEV_OK) {
            mev_shot_result r;
            memcpy(&r, buf, sizeof r);
            got++;
            ok += r.curl_code == 0 && r.http_status == 200 && r.body_len > 10 &&
                  strncmp(r.bundle_id, "bundle-", 7) == 0;
            early += r.start_ns < r.fire_at_ns;
            on_time += r.start_ns >= r.fire_at_ns && r.start_ns - r.fire_at_ns < 2000000;
            seen_ids |= 1ULL << (r.shot_id - 100);
        }
    }
    CHECK_EQ_INT(got, N);
    CHECK_EQ_INT(ok, N);
    CHECK(early == 0); /* never before its time; how late is make bench's to measure, not a test's */
    fprintf(stderr, "test_sender: %d of %d shots fired within 2 ms of their time\n", on_time, N);
    CHECK(seen_ids == (1ULL << N) - 1);
    mev_sender_stats st;
    mev_sender_stats_get(s, &st);
    CHECK_EQ_INT(st.fired, N);
    CHECK_EQ_INT(st.completed, N);
    mev_sender_free(s);
    loopback_http_stop(t);
}

/* The thread sleeps until its next shot is due; a submission due sooner must wake it, and one due
 * later must not (it is seen when the thread next looks). */
static void test_sooner_shot_wakes_the_thread(void)
{
    pthread_t t;
    char url[64];
    mev_sender *s;
    uint32_t route;
    uint8_t tx[64] = {1}, buf[sizeof(mev_shot_result) + MEV_SENDER_MAX_BODY];
    const uint8_t *txs[1] = {tx};
    mev_sender_stats st;
    size_t len;

    snprintf(url, sizeof url, "http://127.0.0.1:%d/", loopback_http_start(&t));
    CHECK_EQ_INT(mev_sender_new(8, 2000, &s), MEV_OK);
    CHECK_EQ_INT(mev_sender_add_route(s, url, 0, NULL, 0, NULL, &route), MEV_OK);
    CHECK_EQ_INT(mev_sender_start(s), MEV_OK);
    mev_shot far = {.shot_id = 1, .fire_at_ns = mono_ns() + 60000000000LL, .route = route,
                    .kind = MEV_SHOT_RPC_SEND, .ntx = 1, .tx_len = {sizeof tx}};
    CHECK_EQ_INT(mev_sender_submit(s, &far, txs), MEV_OK);
    nanosleep(&(struct timespec){0, 50000000}, NULL); /* now asleep until the far shot */

    mev_sender_stats_get(s, &st);
    uint64_t woken = st.wakeups;
    mev_shot soon = far;
    soon.shot_id = 2;
    soon.fire_at_ns = mono_ns() + 5000000;
    CHECK_EQ_INT(mev_sender_submit(s, &soon, txs), MEV_OK);
    /* without the wake-up this would wait for the far shot, a minute away */
    CHECK_EQ_INT(mev_sender_wait_result(s, 10000000000LL), MEV_OK);
    CHECK_EQ_INT(mev_sender_result(s, buf, sizeof buf, &len), MEV_OK);
    mev_shot_result r;
    memcpy(&r, buf, sizeof r);
    CHECK_EQ_INT(r.shot_id, 2);
    mev_sender_stats_get(s, &st);
    CHECK_EQ_INT(st.wakeups, woken + 1);

    nanosleep(&(struct timespec){0, 50000000}, NULL);
    mev_shot later = far;
    later.shot_id = 3;
    later.fire_at_ns = far.fire_at_ns + 60000000000LL;
    CHECK_EQ_INT(mev_sender_submit(s, &later, txs), MEV_OK);
    mev_sender_stats_get(s, &st);
    CHECK_EQ_INT(st.wakeups, woken + 1);
    mev_sender_free(s);
    loopback_http_stop(t);
}

int main(void)
{
    test_base64();
    test_shots();
    test_sooner_shot_wakes_the_thread();
    return check_report("test_sender");
}
