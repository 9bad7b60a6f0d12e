/* The plugin-event decoder: a known message decodes field for field, every truncation and
 * random corruption is refused or decoded without reading out of bounds (ASan watches). */
#include <stdint.h>

#include "../delta.h"
#include "../mev_error.h"
#include "check.h"

int main(void)
{
    /* Event{account{pubkey=0x11*32, owner=0x22*32, lamports=300, data=aabbcc, slot=1,
     * write_version=2^40, sequence=5}} as the plugin's writer produces it */
    uint8_t msg[128];
    size_t n = 0;
    msg[n++] = 0x0a, msg[n++] = 87;
    msg[n++] = 0x0a, msg[n++] = 32;
    memset(msg + n, 0x11, 32), n += 32;
    msg[n++] = 0x12, msg[n++] = 32;
    memset(msg + n, 0x22, 32), n += 32;
    const uint8_t tail[] = {0x18, 0xac, 0x02, 0x22, 3, 0xaa, 0xbb, 0xcc, 0x28, 1,
                            0x30, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x48, 5};
    memcpy(msg + n, tail, sizeof tail), n += sizeof tail;

    mev_delta d;
    CHECK_EQ_INT(mev_delta_decode(msg, n, &d), MEV_OK);
    CHECK(d.kind == MEV_DELTA_ACCOUNT && d.lamports == 300 && d.slot == 1 && d.sequence == 5);
    CHECK(d.write_version == (1ULL << 40) && d.data_len == 3 && d.data[2] == 0xcc);
    CHECK(d.pubkey[0] == 0x11 && d.owner[31] == 0x22 && d.signature == NULL);

    for (size_t cut = 0; cut < n; cut++)
        CHECK(mev_delta_decode(msg, cut, &d) != MEV_OK);

    uint32_t x = 12345;
    int decoded = 0;
    for (int round = 0; round < 200000; round++) {
        uint8_t bad[128];
        memcpy(bad, msg, n);
        for (int k = 0; k < 1 + round % 4; k++) {
            x = x * 1103515245u + 12345u;
            bad[(x >> 8) % n] = (uint8_t)(x >> 20);
        }
        x = x * 1103515245u + 12345u;
        size_t len = n - (x >> 16) % 4;
        uint8_t *heap = malloc(len); /* exact-size copy: any overread trips ASan */
        memcpy(heap, bad, len);
        decoded += mev_delta_decode(heap, len, &d) == MEV_OK;
        free(heap);
    }
    CHECK(decoded > 0);
    return check_report("test_delta");
}
