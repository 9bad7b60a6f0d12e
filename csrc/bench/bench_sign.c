/* Expanded-key signing vs libsodium's crypto_sign_detached on the same key and message:
 * alternating rounds, median ns per signature. Usage: bench_sign [message_bytes]
 * `bench_sign BYTES METHOD N` signs N times with one method (0 expanded, 1 detached) and prints
 * nothing: run it under `valgrind --tool=callgrind` for exact instruction counts. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "../signer.h"

enum { ROUNDS = 9, PER_ROUND = 4000 };

int main(int argc, char **argv)
{
    size_t len = argc > 1 ? (size_t)atoi(argv[1]) : 400;
    unsigned char seed[32], *msg = malloc(len + 1), sig[64];
    double t[2][ROUNDS];
    mev_key *k;

    if (mev_crypto_init() != 0 || msg == NULL)
        return 1;
    randombytes_buf(seed, sizeof seed);
    randombytes_buf(msg, len);
    if (mev_key_new(seed, &k) != 0)
        return 1;
    if (argc > 3) {
        int method = atoi(argv[2]), n = atoi(argv[3]);
        for (int i = 0; i < n; i++)
            mev_sign_with(k, method, msg, len, sig);
        mev_key_free(k);
        free(msg);
        return 0;
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (int method = 0; method < 2; method++) {
            double start = now_ns();
            for (int i = 0; i < PER_ROUND; i++) {
                msg[0] = (unsigned char)i;
                mev_sign_with(k, method, msg, len, sig);
            }
            t[method][r] = (now_ns() - start) / PER_ROUND;
        }
    }
    qsort(t[0], ROUNDS, sizeof(double), cmp_double);
    qsort(t[1], ROUNDS, sizeof(double), cmp_double);
    printf("message %zu B: expanded key %.0f ns, crypto_sign_detached %.0f ns, ratio %.3f\n", len,
           t[0][ROUNDS / 2], t[1][ROUNDS / 2], t[0][ROUNDS / 2] / t[1][ROUNDS / 2]);
    mev_key_free(k);
    free(msg);
    return 0;
}
