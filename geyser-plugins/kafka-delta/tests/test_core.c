/* The plugin core's pieces: filter semantics (each kind, combinations, edges), the protobuf
 * writer (known bytes, bounds, no overflow) and refused configs, under the sanitizers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/filter.h"
#include "../src/mevgk.h"
#include "../src/pb.h"

static int passed, failed;
#define CHECK(c)                                                                             \
    do {                                                                                     \
        if (c) passed++;                                                                     \
        else { failed++; fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); } \
    } while (0)

static void key(uint8_t k[32], uint8_t v) { memset(k, v, 32); }

static void test_filters(void)
{
    uint8_t a[32], b[32], c[32], owner_x[32], owner_y[32], data[165] = {0};
    key(a, 1), key(b, 2), key(c, 3), key(owner_x, 0x10), key(owner_y, 0x20);
    mevgk_filter f = {0};

    CHECK(mevgk_filter_match(&f, a, owner_x, data, sizeof data)); /* empty filter: everything */

    f.owners = malloc(2 * 32);
    memcpy(f.owners[0], owner_y, 32), memcpy(f.owners[1], owner_x, 32);
    f.n_owners = 2;
    mevgk_filter_finalize(&f);
    CHECK(mevgk_filter_match(&f, a, owner_x, data, 165));
    CHECK(mevgk_filter_match(&f, a, owner_y, data, 165));
    CHECK(!mevgk_filter_match(&f, a, a, data, 165));

    f.sizes = malloc(2 * sizeof(uint64_t));
    f.sizes[0] = 165, f.sizes[1] = 752;
    f.n_sizes = 2; /* owner AND size */
    CHECK(mevgk_filter_match(&f, a, owner_x, data, 165));
    CHECK(!mevgk_filter_match(&f, a, owner_x, data, 164));

    f.memcmps = calloc(2, sizeof(mevgk_memcmp));
    f.memcmps[0] = (mevgk_memcmp){.offset = 32, .len = 2, .bytes = {7, 8}};
    f.memcmps[1] = (mevgk_memcmp){.offset = 164, .len = 1, .bytes = {9}};
    f.n_memcmps = 2; /* ... AND (memcmp0 OR memcmp1) */
    CHECK(!mevgk_filter_match(&f, a, owner_x, data, 165));
    data[32] = 7, data[33] = 8;
    CHECK(mevgk_filter_match(&f, a, owner_x, data, 165));
    data[32] = 0, data[164] = 9;
    CHECK(mevgk_filter_match(&f, a, owner_x, data, 165));
    f.memcmps[1].offset = 165; /* past the end never matches, never reads out of bounds */
    CHECK(!mevgk_filter_match(&f, a, owner_x, data, 165));

    mevgk_filter g = {0};
    g.accounts = malloc(2 * 32);
    memcpy(g.accounts[0], c, 32), memcpy(g.accounts[1], b, 32);
    g.n_accounts = 2;
    mevgk_filter_finalize(&g);
    CHECK(mevgk_filter_match(&g, b, owner_x, data, 0));
    CHECK(!mevgk_filter_match(&g, a, owner_x, data, 0));
    mevgk_filter set[2] = {f, g}; /* any filter of a set */
    CHECK(mevgk_filters_match(set, 2, c, a, data, 3));
    CHECK(!mevgk_filters_match(set, 2, a, a, data, 3));
    mevgk_filter_release(&f);
    mevgk_filter_release(&g);
}

static void test_encoding(void)
{
    uint8_t pk[32], owner[32], buf[4096], data[3] = {0xaa, 0xbb, 0xcc};
    key(pk, 0x11), key(owner, 0x22);
    mevgk_account acc = {.pubkey = pk, .owner = owner, .lamports = 300, .data = data, .data_len = 3,
                         .slot = 1, .write_version = 1ULL << 40, .sequence = 5};
    long n = mevgk_encode_account_event(&acc, buf, sizeof buf);
    /* Event{account=1, len}: pubkey(1) owner(2) lamports(3)=300 data(4) slot(5)=1 wv(6)=2^40 seq(9)=5 */
    const uint8_t head[] = {0x0a, 2 + 32 + 2 + 32 + 3 + 5 + 2 + 7 + 2, 0x0a, 32};
    CHECK(n > 0 && memcmp(buf, head, sizeof head) == 0);
    CHECK(buf[4 + 32] == 0x12 && buf[5 + 32] == 32);
    const uint8_t tail[] = {0x18, 0xac, 0x02, 0x22, 3, 0xaa, 0xbb, 0xcc, 0x28, 1,
                            0x30, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x48, 5};
    CHECK(n == (long)(4 + 32 + 2 + 32 + sizeof tail) && memcmp(buf + 70, tail, sizeof tail) == 0);
    CHECK((size_t)n <= mevgk_account_event_max(3));
    for (size_t cap = 0; cap < (size_t)n; cap++) /* every short buffer is refused, never overrun */
        CHECK(mevgk_encode_account_event(&acc, buf, cap) == MEVGK_ENOSPC);

    mevgk_slot s = {.slot = 7, .has_parent = 1, .parent = 0, .status = MEVGK_DEAD,
                    .dead_error = "boom", .sequence = 9};
    n = mevgk_encode_slot_event(&s, buf, sizeof buf);
    const uint8_t want[] = {0x12, 14, 0x08, 7, 0x10, 0, 0x18, 6, 0x22, 4, 'b', 'o', 'o', 'm', 0x28, 9};
    CHECK(n == sizeof want && memcmp(buf, want, sizeof want) == 0);
}

/* Each broken config is refused with a message naming the problem; the message is built from
 * the config's own bytes, so ASan checks that they are still alive when it is written. */
static void test_bad_configs(void)
{
    const char *cases[][2] = {
        {"{ not json", "not valid JSON (at byte "},
        {"{\"sink\": \"ring://x\", \"filters\": [{\"data_sizes\": [1]}], \"topicc\": 1}", "unknown key \"topicc\""},
        {"", "not valid JSON"},
    };
    char path[64], err[256];
    snprintf(path, sizeof path, "/tmp/mevgk_test_config_%d.json", (int)getpid());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        fputs(cases[i][0], f);
        fclose(f);
        err[0] = '\0';
        CHECK(mevgk_new(path, err, sizeof err) == NULL);
        CHECK(strstr(err, cases[i][1]) != NULL);
        if (!strstr(err, cases[i][1]))
            fprintf(stderr, "  got: %s\n", err);
    }
    FILE *f = fopen(path, "w"); /* larger than the 1 MiB a config may be */
    for (int i = 0; i < (1 << 20) / 8 + 1; i++)
        fputs("        ", f);
    fclose(f);
    CHECK(mevgk_new(path, err, sizeof err) == NULL && strstr(err, "larger than") != NULL);
    unlink(path);
}

int main(void)
{
    test_filters();
    test_encoding();
    test_bad_configs();
    printf("kafka-delta test_core: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
