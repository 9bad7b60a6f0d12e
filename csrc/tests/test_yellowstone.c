/* The Yellowstone SubscribeUpdate decoder: two messages the official protobuf runtime wrote
 * (from mevlib/feed/yellowstone.proto) decode field for field; every truncation is refused; random
 * corruptions are refused or decoded without reading out of bounds (ASan watches). */
#include <stdint.h>

#include "../mev_error.h"
#include "../yellowstone.h"
#include "check.h"

/* SubscribeUpdate{filters=["f"], transaction{slot=300, transaction{signature=0x09*64,
 * transaction{signatures=[0x09*64], message{account_keys=[0x01*32, 0x02*32]}}, index=4,
 * meta{fee=5000, err{err=07000000 (BlockhashNotFound)}}}}} */
static const char TX[] =
    "0a016622e2010adc010a4009090909090909090909090909090909090909090909090909090909090909090909090909"
    "0909090909090909090909090909090909090909090909090909091a88010a4009090909090909090909090909090909"
    "090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909090909"
    "124412200101010101010101010101010101010101010101010101010101010101010101122002020202020202020202"
    "02020202020202020202020202020202020202020202220b0a060a0407000000108827280410ac02";
/* SubscribeUpdate{account{account{pubkey=0x11*32, lamports=300, owner=0x22*32, data=aabbcc,
 * write_version=2^40}, slot=1}} */
static const char ACCOUNT[] =
    "12570a530a20111111111111111111111111111111111111111111111111111111111111111110ac021a202222222222"
    "2222222222222222222222222222222222222222222222222222223203aabbcc388080808080201001";

static void corrupt(const uint8_t *msg, size_t n)
{
    uint32_t x = 12345;
    int decoded = 0;
    for (int round = 0; round < 100000; round++) {
        uint8_t bad[512];
        mev_ys_update u;
        memcpy(bad, msg, n);
        for (int k = 0; k < 1 + round % 4; k++) {
            x = x * 1103515245u + 12345u;
            bad[(x >> 8) % n] = (uint8_t)(x >> 20);
        }
        if (mev_ys_decode(bad, n, &u) == MEV_OK) {
            decoded++;
            if (u.kind == MEV_YS_ACCOUNT)
                CHECK(u.delta.pubkey >= bad && u.delta.data + u.delta.data_len <= bad + n);
        }
    }
    CHECK(decoded > 0);
}

int main(void)
{
    uint8_t msg[512];
    mev_ys_update u;

    size_t n = strlen(TX) / 2;
    hex_decode(TX, msg, n);
    CHECK_EQ_INT(mev_ys_decode(msg, n, &u), MEV_OK);
    CHECK(u.kind == MEV_YS_TRANSACTION && u.delta.slot == 300 && u.index == 4 && u.fee == 5000);
    CHECK(u.signature != NULL && u.signature[63] == 0x09 && !u.is_vote);
    CHECK(u.nkeys == 2 && u.keys[0][0] == 0x01 && u.keys[1][31] == 0x02);
    CHECK(u.err_len == 4 && u.err[0] == 0x07 && u.transaction != NULL);
    for (size_t cut = 0; cut < n; cut++)
        CHECK(mev_ys_decode(msg, cut, &u) != MEV_OK);
    corrupt(msg, n);

    n = strlen(ACCOUNT) / 2;
    hex_decode(ACCOUNT, msg, n);
    CHECK_EQ_INT(mev_ys_decode(msg, n, &u), MEV_OK);
    CHECK(u.kind == MEV_YS_ACCOUNT && u.delta.kind == MEV_DELTA_ACCOUNT && u.delta.slot == 1);
    CHECK(u.delta.lamports == 300 && u.delta.write_version == (1ULL << 40) && u.delta.data_len == 3);
    CHECK(u.delta.pubkey[0] == 0x11 && u.delta.owner[31] == 0x22 && u.delta.data[2] == 0xcc);
    for (size_t cut = 0; cut < n; cut++)
        CHECK(mev_ys_decode(msg, cut, &u) != MEV_OK);
    corrupt(msg, n);

    CHECK_EQ_INT(mev_ys_decode(NULL, 3, &u), MEV_EINVAL);
    return check_report("test_yellowstone");
}
