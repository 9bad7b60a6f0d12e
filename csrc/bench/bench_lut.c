/* Calibration-table lookups in C: a table of KNOTS knots (an isotonic fit's size on real data is
 * tens to hundreds), random inputs over and beyond its range, one lookup at a time through the
 * reloadable handle. Median ns per lookup over rounds. Usage: bench_lut [knots] [file] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "../lut.h"

enum { ROUNDS = 9, INPUTS = 1 << 16, PASSES = 40 };

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 256;
    char path[64];
    snprintf(path, sizeof path, "/tmp/mevlib_bench_lut_%d", (int)getpid());
    size_t len = MEV_LUT_HEADER_BYTES + 8 * (size_t)n + 4;
    uint8_t *buf = calloc(1, len);
    memcpy(buf, MEV_LUT_MAGIC, 8);
    put32(buf + 8, MEV_LUT_VERSION);
    put32(buf + 12, MEV_LUT_P_LAND);
    put32(buf + 24, n);
    float *x = (float *)(buf + MEV_LUT_HEADER_BYTES), *y = x + n;
    for (uint32_t i = 0; i < n; i++) {
        x[i] = (float)(i + 1) / (float)(n + 1);
        y[i] = x[i] * x[i];
    }
    put32(buf + len - 4, mev_crc32(buf, len - 4));
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    mev_lut *l;
    if (mev_lut_open(path, &l) != 0)
        return 1;
    double *in = malloc(INPUTS * sizeof *in), sink = 0, t[ROUNDS];
    uint64_t s = 7;
    for (int i = 0; i < INPUTS; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        in[i] = (double)(s >> 11) / 9007199254740992.0 * 1.2 - 0.1;
    }
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (int p = 0; p < PASSES; p++)
            for (int i = 0; i < INPUTS; i++)
                sink += mev_lut_eval(l, in[i]);
        t[r] = (now_ns() - t0) / ((double)PASSES * INPUTS);
    }
    qsort(t, ROUNDS, sizeof t[0], cmp_double);
    printf("LUT lookup in C, %u knots, random inputs: median %.1f ns (min %.1f, max %.1f)  [checksum %.3f]\n", n,
           t[ROUNDS / 2], t[0], t[ROUNDS - 1], sink);
    printf("  target <= 20 ns: %s\n", t[ROUNDS / 2] <= 20 ? "met" : "MISSED");
    mev_lut_close(l);
    unlink(path);
    free(in);
    free(buf);
    return 0;
}
