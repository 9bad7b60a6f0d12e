/* Message parsing, templates and the pool: patched bytes land where they should, signatures
 * verify, a pooled batch equals a sequential one, and malformed input is refused without a crash. */
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mev_error.h"
#include "../message.h"
#include "../pool.h"
#include "../txtpl.h"
#include "check.h"

/* A legacy system transfer: payer, recipient, system program; data = 02000000 + u64 lamports. */
static size_t build_transfer(const unsigned char payer[32], unsigned char *m)
{
    size_t n = 0;
    m[n++] = 1; m[n++] = 0; m[n++] = 1; /* header */
    m[n++] = 3;                           /* keys */
    memcpy(m + n, payer, 32); n += 32;
    memset(m + n, 0x11, 32); n += 32;
    memset(m + n, 0x00, 32); n += 32;
    memset(m + n, 0x22, 32); n += 32;     /* blockhash */
    m[n++] = 1;                           /* one instruction */
    m[n++] = 2; m[n++] = 2; m[n++] = 0; m[n++] = 1;
    m[n++] = 12;
    m[n++] = 2; m[n++] = 0; m[n++] = 0; m[n++] = 0;
    for (int i = 0; i < 8; i++) m[n++] = (unsigned char)(i == 0 ? 100 : 0);
    return n;
}

static void test_compact_u16(void)
{
    unsigned char buf[3];
    for (unsigned v = 0; v <= 0xffff; v += 7) {
        size_t pos = 0, n = mev_compact_u16_write((uint16_t)v, buf);
        uint16_t got;
        CHECK(mev_compact_u16_read(buf, n, &pos, &got) == MEV_OK && got == v && pos == n);
    }
    const unsigned char noncanonical[] = {0x80, 0x00};
    const unsigned char too_big[] = {0xff, 0xff, 0x04};
    size_t pos = 0;
    uint16_t got;
    CHECK_EQ_INT(mev_compact_u16_read(noncanonical, 2, &pos, &got), MEV_EMSG);
    pos = 0;
    CHECK_EQ_INT(mev_compact_u16_read(too_big, 3, &pos, &got), MEV_EMSG);
}

static void test_template(void)
{
    unsigned char seed[32], msg[400], other_seed[32];
    mev_key *k, *other;
    mev_tpl *t;
    unsigned bh, tip, idx;
    mev_msg_info info;

    randombytes_buf(seed, 32);
    randombytes_buf(other_seed, 32);
    CHECK_EQ_INT(mev_key_new(seed, &k), MEV_OK);
    CHECK_EQ_INT(mev_key_new(other_seed, &other), MEV_OK);
    size_t len = build_transfer(mev_key_pubkey(k), msg);
    CHECK_EQ_INT(mev_msg_parse(msg, len, &info), MEV_OK);
    CHECK_EQ_INT(info.num_static_keys, 3);
    CHECK_EQ_INT(info.num_instructions, 1);

    CHECK_EQ_INT(mev_tpl_new(msg, len, &t), MEV_OK);
    CHECK_EQ_INT(mev_tpl_wire_len(t), 1 + 64 + len);
    CHECK_EQ_INT(mev_tpl_add_blockhash_patch(t, &bh), MEV_OK);
    CHECK_EQ_INT(mev_tpl_add_ix_patch(t, 0, 4, 8, &tip), MEV_OK);
    CHECK_EQ_INT(mev_tpl_add_ix_patch(t, 0, 5, 8, &idx), MEV_EBOUNDS);  /* past the data */
    CHECK_EQ_INT(mev_tpl_add_ix_patch(t, 0, 0, 4, &idx), MEV_OK);
    CHECK_EQ_INT(mev_tpl_add_ix_patch(t, 0, 2, 4, &idx), MEV_EBOUNDS);  /* overlaps */
    CHECK_EQ_INT(mev_tpl_add_ix_patch(t, 1, 0, 8, &idx), MEV_EBOUNDS);  /* no such ix */
    CHECK_EQ_INT(mev_tpl_add_ix_patch(t, 0, 0, 3, &idx), MEV_EINVAL);   /* odd width */
    CHECK_EQ_INT(mev_tpl_row_bytes(t), 32 + 8 + 4);

    unsigned char out[MEV_MAX_TX_BYTES], row[44];
    CHECK_EQ_INT(mev_tpl_sign(t, NULL, out), MEV_ESIGNER);
    CHECK_EQ_INT(mev_tpl_set_signer(t, other), MEV_EKEY);
    CHECK_EQ_INT(mev_tpl_set_signer(t, k), MEV_OK);

    memset(row, 0x5a, 32);
    for (int i = 0; i < 8; i++) row[32 + i] = (unsigned char)(0xa0 + i);
    memcpy(row + 40, "\x02\x00\x00\x00", 4);
    CHECK_EQ_INT(mev_tpl_sign(t, row, out), MEV_OK);
    const unsigned char *signed_msg = out + 65;
    CHECK(out[0] == 1);
    CHECK(memcmp(signed_msg + 4 + 96, row, 32) == 0);
    CHECK(memcmp(signed_msg + len - 8, row + 32, 8) == 0);
    CHECK(crypto_sign_verify_detached(out + 1, signed_msg, len, mev_key_pubkey(k)) == 0);

    /* a pooled batch equals the same rows signed one by one */
    enum { N = 64 };
    unsigned char rows[N * 44], *outs[N], seq[MEV_MAX_TX_BYTES];
    static unsigned char bufs[N][MEV_MAX_TX_BYTES];
    randombytes_buf(rows, sizeof rows);
    for (int i = 0; i < N; i++) outs[i] = bufs[i];
    mev_pool *pool;
    CHECK_EQ_INT(mev_pool_new(2, &pool), MEV_OK);
    CHECK_EQ_INT(mev_pool_threads(pool), 2);
    for (int round = 0; round < 20; round++)
        CHECK_EQ_INT(mev_tpl_sign_many(t, rows, N, outs, pool), MEV_OK);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(mev_tpl_sign(t, rows + i * 44, seq), MEV_OK);
        CHECK(memcmp(seq, bufs[i], mev_tpl_wire_len(t)) == 0);
    }
    mev_pool_free(pool);
    mev_tpl_free(t);

    /* an account-key patch: the destination (key 1) drawn per signature, kept unique */
    unsigned dest;
    unsigned char krow[32 + 32];
    CHECK_EQ_INT(mev_tpl_new(msg, len, &t), MEV_OK);
    CHECK_EQ_INT(mev_tpl_set_signer(t, k), MEV_OK);
    CHECK_EQ_INT(mev_tpl_add_blockhash_patch(t, &bh), MEV_OK);
    CHECK_EQ_INT(mev_tpl_add_account_patch(t, 0, &idx), MEV_EINVAL);  /* the signer */
    CHECK_EQ_INT(mev_tpl_add_account_patch(t, 3, &idx), MEV_EBOUNDS); /* 3 static keys */
    CHECK_EQ_INT(mev_tpl_add_account_patch(t, 1, &dest), MEV_OK);
    CHECK_EQ_INT(mev_tpl_add_account_patch(t, 1, &idx), MEV_EBOUNDS); /* overlaps */
    memset(krow, 0x11, 32);
    memset(krow + 32, 0x77, 32);
    CHECK_EQ_INT(mev_tpl_sign(t, krow, out), MEV_OK);
    CHECK(memcmp(signed_msg + 4 + 32, krow + 32, 32) == 0);
    CHECK(crypto_sign_verify_detached(out + 1, signed_msg, len, mev_key_pubkey(k)) == 0);
    memcpy(krow + 32, mev_key_pubkey(k), 32);  /* the payer again */
    CHECK_EQ_INT(mev_tpl_sign(t, krow, out), MEV_EDUPKEY);
    memset(krow + 32, 0, 32);                  /* the system program, key 2 */
    CHECK_EQ_INT(mev_tpl_sign(t, krow, out), MEV_EDUPKEY);
    mev_tpl_free(t);
    mev_key_free(k);
    mev_key_free(other);
}

static void test_malformed_messages(void)
{
    unsigned char seed[32] = {7}, msg[400], bad[400];
    mev_msg_info info;
    size_t len = build_transfer(seed, msg);
    int accepted = 0;

    for (size_t cut = 0; cut < len; cut++)
        CHECK_EQ_INT(mev_msg_parse(msg, cut, &info), MEV_EMSG);
    memcpy(bad, msg, len);
    bad[len] = 0;
    CHECK_EQ_INT(mev_msg_parse(bad, len + 1, &info), MEV_EMSG); /* trailing byte */
    memcpy(bad, msg, len);
    bad[len - 17] = 3; /* program index past the keys */
    CHECK_EQ_INT(mev_msg_parse(bad, len, &info), MEV_EMSG);
    memcpy(bad, msg, len);
    bad[0] = 0; /* no signer */
    CHECK_EQ_INT(mev_msg_parse(bad, len, &info), MEV_EMSG);

    /* random corruption never reads out of bounds (ASan watches) */
    for (int round = 0; round < 20000; round++) {
        memcpy(bad, msg, len);
        int flips = 1 + (int)randombytes_uniform(4);
        for (int f = 0; f < flips; f++)
            bad[randombytes_uniform((uint32_t)len)] = (unsigned char)randombytes_uniform(256);
        size_t blen = len - randombytes_uniform(3);
        if (mev_msg_parse(bad, blen, &info) == MEV_OK) {
            accepted++;
            mev_tpl *t;
            CHECK_EQ_INT(mev_tpl_new(bad, blen, &t), MEV_OK);
            mev_tpl_free(t);
        }
    }
    CHECK(accepted > 0); /* flips inside keys and data keep the message valid */
}

static int count_item(void *ctx, size_t i)
{
    atomic_fetch_add((_Atomic size_t *)ctx, i + 1);
    return 0;
}

/* A pool made before fork() has no workers in the child: a batch there must run (on the
 * caller's thread) and finish, never wait for threads that do not exist. */
static void test_pool_in_forked_child(void)
{
    mev_pool *p;
    _Atomic size_t sum = 0;
    CHECK_EQ_INT(mev_pool_new(4, &p), MEV_OK);
    CHECK_EQ_INT(mev_pool_run(p, count_item, &sum, 64), MEV_OK);
    CHECK_EQ_INT(sum, 64 * 65 / 2);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10); /* a hang ends the child with SIGALRM */
        _Atomic size_t child_sum = 0;
        int rc = mev_pool_run(p, count_item, &child_sum, 64);
        mev_pool_free(p);
        _exit(rc == MEV_OK && child_sum == 64 * 65 / 2 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sum = 0;
    CHECK_EQ_INT(mev_pool_run(p, count_item, &sum, 64), MEV_OK); /* the parent's workers live on */
    CHECK_EQ_INT(sum, 64 * 65 / 2);
    mev_pool_free(p);
}

int main(void)
{
    if (mev_crypto_init() != MEV_OK)
        return 2;
    test_compact_u16();
    test_template();
    test_malformed_messages();
    test_pool_in_forked_child();
    return check_report("test_txtpl");
}
