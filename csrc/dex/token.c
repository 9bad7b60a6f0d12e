#include "token.h"

#include <string.h>

#include "../mev_error.h"
#include "le.h"

#define ACCOUNT_TYPE_MINT 1
#define ACCOUNT_TYPE_ACCOUNT 2
#define EXT_TRANSFER_FEE_CONFIG 1
#define TRANSFER_FEE_CONFIG_LEN 108
#define EXT_TRANSFER_HOOK 14 /* extension/transfer_hook: authority, program_id (OptionalNonZeroPubkey each) */
#define TRANSFER_HOOK_LEN 64
#define ONE_IN_BASIS_POINTS 10000u


/* A COption<Pubkey>: u32 tag 0 or 1, then 32 bytes (zero when None). */
static int coption_key(const uint8_t *p, uint8_t *has, uint8_t key[32])
{
    uint32_t tag = mev_le32(p);
    if (tag > 1)
        return MEV_ELAYOUT;
    *has = (uint8_t)tag;
    memcpy(key, p + 4, 32);
    return MEV_OK;
}

/* Token-2022's extension area: the account-type byte at 165, then TLV entries. Finds `type`
 * (NULL if absent); MEV_ELAYOUT if the type byte or any entry is malformed. */
static int tlv_find(const uint8_t *data, size_t len, uint8_t account_type, uint16_t type, uint16_t want_len,
                    const uint8_t **value)
{
    *value = NULL;
    if (data[MEV_TOKEN_ACCOUNT_LEN] != account_type)
        return MEV_ELAYOUT;
    size_t p = MEV_TOKEN_ACCOUNT_LEN + 1;
    while (p + 4 <= len) {
        uint16_t t = mev_le16(data + p), l = mev_le16(data + p + 2);
        if (t == 0 && l == 0)
            break; /* uninitialized space: the end of the extensions */
        if (p + 4 + l > len)
            return MEV_ELAYOUT;
        if (t == type) {
            if (l != want_len)
                return MEV_ELAYOUT;
            *value = data + p + 4;
        }
        p += 4 + (size_t)l;
    }
    return MEV_OK;
}

static int check_size(size_t len, size_t base, int program)
{
    if (program == MEV_TOKEN_PROGRAM)
        return len == base ? MEV_OK : MEV_ELAYOUT;
    if (program != MEV_TOKEN_2022_PROGRAM)
        return MEV_EINVAL;
    /* Token-2022: the base size exactly, or extensions past the (padded) account size */
    return len == base || len > MEV_TOKEN_ACCOUNT_LEN ? MEV_OK : MEV_ELAYOUT;
}

int mev_token_account_decode(const uint8_t *d, size_t len, int program, mev_token_account *out)
{
    int rc;
    const uint8_t *ext;
    if (d == NULL || out == NULL)
        return MEV_EINVAL;
    if ((rc = check_size(len, MEV_TOKEN_ACCOUNT_LEN, program)) != MEV_OK)
        return rc;
    memset(out, 0, sizeof *out);
    memcpy(out->mint, d, 32);
    memcpy(out->owner, d + 32, 32);
    out->amount = mev_le64(d + 64);
    if ((rc = coption_key(d + 72, &out->has_delegate, out->delegate)) != MEV_OK)
        return rc;
    out->state = d[108];
    if (out->state < 1 || out->state > 2)
        return MEV_ELAYOUT; /* uninitialized, or not a token account */
    uint32_t native = mev_le32(d + 109);
    if (native > 1)
        return MEV_ELAYOUT;
    out->is_native = (uint8_t)native;
    out->native_reserve = mev_le64(d + 113);
    out->delegated_amount = mev_le64(d + 121);
    if ((rc = coption_key(d + 129, &out->has_close_authority, out->close_authority)) != MEV_OK)
        return rc;
    if (len > MEV_TOKEN_ACCOUNT_LEN)
        return tlv_find(d, len, ACCOUNT_TYPE_ACCOUNT, 0xffff, 0, &ext);
    return MEV_OK;
}

int mev_mint_decode(const uint8_t *d, size_t len, int program, mev_mint *out)
{
    int rc;
    const uint8_t *fee = NULL, *hook = NULL;
    if (d == NULL || out == NULL)
        return MEV_EINVAL;
    if ((rc = check_size(len, MEV_TOKEN_MINT_LEN, program)) != MEV_OK)
        return rc;
    memset(out, 0, sizeof *out);
    if ((rc = coption_key(d, &out->has_mint_authority, out->mint_authority)) != MEV_OK)
        return rc;
    out->supply = mev_le64(d + 36);
    out->decimals = d[44];
    if (d[45] != 1)
        return MEV_ELAYOUT; /* not an initialized mint */
    if ((rc = coption_key(d + 46, &out->has_freeze_authority, out->freeze_authority)) != MEV_OK)
        return rc;
    if (len > MEV_TOKEN_ACCOUNT_LEN) {
        for (size_t i = MEV_TOKEN_MINT_LEN; i < MEV_TOKEN_ACCOUNT_LEN; i++)
            if (d[i] != 0)
                return MEV_ELAYOUT; /* a mint's padding up to the account size is zero */
        if ((rc = tlv_find(d, len, ACCOUNT_TYPE_MINT, EXT_TRANSFER_FEE_CONFIG, TRANSFER_FEE_CONFIG_LEN, &fee)) != MEV_OK ||
            (rc = tlv_find(d, len, ACCOUNT_TYPE_MINT, EXT_TRANSFER_HOOK, TRANSFER_HOOK_LEN, &hook)) != MEV_OK)
            return rc;
    }
    if (hook != NULL) { /* a zero program id: the extension with no hook set */
        memcpy(out->transfer_hook_program, hook + 32, 32);
        for (int i = 0; i < 32; i++)
            out->has_transfer_hook |= hook[32 + i] != 0;
    }
    if (fee != NULL) {
        out->has_transfer_fee = 1;
        out->withheld_amount = mev_le64(fee + 64);
        out->older_fee = (mev_transfer_fee){mev_le64(fee + 72), mev_le64(fee + 80), mev_le16(fee + 88)};
        out->newer_fee = (mev_transfer_fee){mev_le64(fee + 90), mev_le64(fee + 98), mev_le16(fee + 106)};
        if (out->older_fee.basis_points > ONE_IN_BASIS_POINTS || out->newer_fee.basis_points > ONE_IN_BASIS_POINTS)
            return MEV_ELAYOUT;
    }
    return MEV_OK;
}

mev_transfer_fee mev_mint_epoch_fee(const mev_mint *m, uint64_t epoch)
{
    mev_transfer_fee none = {0, 0, 0};
    if (!m->has_transfer_fee)
        return none;
    return epoch >= m->newer_fee.epoch ? m->newer_fee : m->older_fee;
}

uint64_t mev_transfer_fee_of(const mev_transfer_fee *f, uint64_t amount)
{
    if (f->basis_points == 0 || amount == 0)
        return 0;
    unsigned __int128 raw = ((unsigned __int128)amount * f->basis_points + ONE_IN_BASIS_POINTS - 1) / ONE_IN_BASIS_POINTS;
    return raw > f->maximum_fee ? f->maximum_fee : (uint64_t)raw; /* raw <= amount: it fits */
}

int mev_transfer_pre_fee_amount(const mev_transfer_fee *f, uint64_t post, uint64_t *pre)
{
    if (f->basis_points == 0 || post == 0) {
        *pre = post;
        return MEV_OK;
    }
    if (f->basis_points >= ONE_IN_BASIS_POINTS) { /* everything is fee: up to the cap */
        if (post > UINT64_MAX - f->maximum_fee)
            return MEV_EOVERFLOW;
        *pre = post + f->maximum_fee;
        return MEV_OK;
    }
    unsigned __int128 den = ONE_IN_BASIS_POINTS - f->basis_points;
    unsigned __int128 raw = ((unsigned __int128)post * ONE_IN_BASIS_POINTS + den - 1) / den;
    if (raw - post >= f->maximum_fee) {
        if (post > UINT64_MAX - f->maximum_fee)
            return MEV_EOVERFLOW;
        *pre = post + f->maximum_fee;
        return MEV_OK;
    }
    if (raw > UINT64_MAX)
        return MEV_EOVERFLOW;
    *pre = (uint64_t)raw;
    return MEV_OK;
}
