/* Filter + encode throughput of the plugin core on one thread, for 165-byte token accounts and
 * ~750-byte pool accounts: the work a validator thread does per update before the sink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/filter.h"
#include "../src/pb.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double run(size_t data_len, int matching)
{
    enum { N = 2000000, KEYS = 1024 };
    static uint8_t keys[KEYS][32], data[1024], buf[2048];
    uint8_t owners[8][32];
    for (int i = 0; i < KEYS; i++)
        for (int j = 0; j < 32; j++)
            keys[i][j] = (uint8_t)(i * 31 + j * 7);
    for (int i = 0; i < 8; i++)
        memset(owners[i], 0x40 + i, 32);
    mevgk_filter f = {0};
    f.owners = malloc(sizeof owners);
    memcpy(f.owners, owners, sizeof owners);
    f.n_owners = 8;
    uint64_t sizes[2] = {165, 752};
    f.sizes = sizes;
    f.n_sizes = 2;
    mevgk_filter_finalize(&f);
    const uint8_t *owner = matching ? owners[3] : keys[5];
    size_t bytes = 0, sent = 0;
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        mevgk_account a = {.pubkey = keys[i % KEYS], .owner = owner, .lamports = 2039280 + (uint64_t)i,
                           .data = data, .data_len = data_len, .slot = 300000000 + (uint64_t)(i >> 10),
                           .write_version = 1ULL << 42 | (uint64_t)i, .sequence = (uint64_t)i};
        data[0] = (uint8_t)i;
        if (!mevgk_filters_match(&f, 1, a.pubkey, a.owner, a.data, a.data_len))
            continue;
        long n = mevgk_encode_account_event(&a, buf, sizeof buf);
        bytes += (size_t)n;
        sent++;
    }
    double rate = N / (now_s() - t0);
    if (matching && sent != N)
        fprintf(stderr, "bench_encode: filter mismatch\n");
    free(f.owners);
    return rate + (double)(bytes & 1) * 1e-9; /* keep the encoder's work observable */
}

int main(void)
{
    printf("kafka-delta core, one thread: filter + protobuf encode\n");
    printf("  165-byte token accounts (matching):  %6.2f M updates/s\n", run(165, 1) / 1e6);
    printf("  752-byte pool accounts (matching):   %6.2f M updates/s\n", run(752, 1) / 1e6);
    printf("  165-byte accounts (filtered out):    %6.2f M updates/s\n", run(165, 0) / 1e6);
    return 0;
}
