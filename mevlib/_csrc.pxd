# C declarations of the core, mirroring csrc/*.h. Nothing here touches Python objects.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

cdef extern from "signer.h" nogil:
    enum:
        MEV_SEED_BYTES
        MEV_PUBKEY_BYTES
        MEV_SIG_BYTES
        MEV_SIGN_EXPANDED
        MEV_SIGN_DETACHED
    ctypedef struct mev_key:
        pass
    int mev_crypto_init()
    int mev_key_new(const uint8_t *seed, mev_key **out)
    int mev_key_from_keypair(const uint8_t *keypair, mev_key **out)
    void mev_key_free(mev_key *key)
    const uint8_t *mev_key_pubkey(const mev_key *key)
    int mev_key_start_nonces(mev_key *key, uint32_t count)
    void mev_key_nonce_stats(const mev_key *key, uint64_t *served, uint64_t *missed, uint32_t *available)
    int mev_key_refill_thread_id(const mev_key *key)
    int mev_sign(const mev_key *key, const uint8_t *msg, size_t len, uint8_t *sig)
    int mev_sign_with(const mev_key *key, int method, const uint8_t *msg, size_t len, uint8_t *sig)

cdef extern from "message.h" nogil:
    enum:
        MEV_MAX_TX_BYTES
        MEV_VERSION_LEGACY
    ctypedef struct mev_msg_info:
        int version
        uint8_t num_required_signatures
        uint8_t num_readonly_signed
        uint8_t num_readonly_unsigned
        uint16_t num_static_keys
        size_t keys_offset
        size_t blockhash_offset
        uint16_t num_instructions
        uint16_t num_lookups
        uint16_t num_loaded_keys
    int mev_msg_parse(const uint8_t *msg, size_t len, mev_msg_info *info)

cdef extern from "pool.h" nogil:
    ctypedef struct mev_pool:
        pass
    int mev_pool_new(int nthreads, mev_pool **out)
    void mev_pool_free(mev_pool *pool)
    int mev_pool_threads(const mev_pool *pool)
    int mev_pool_thread_ids(mev_pool *pool, int *out, int cap)

cdef extern from "txtpl.h" nogil:
    enum:
        MEV_MAX_SIGNERS
        MEV_MAX_PATCHES
    ctypedef struct mev_tpl:
        pass
    int mev_tpl_new(const uint8_t *msg, size_t len, mev_tpl **out)
    void mev_tpl_free(mev_tpl *tpl)
    const mev_msg_info *mev_tpl_info(const mev_tpl *tpl)
    size_t mev_tpl_wire_len(const mev_tpl *tpl)
    size_t mev_tpl_row_bytes(const mev_tpl *tpl)
    const uint8_t *mev_tpl_signer_pubkey(const mev_tpl *tpl, unsigned slot)
    int mev_tpl_set_signer(mev_tpl *tpl, const mev_key *key)
    int mev_tpl_check_signers(const mev_tpl *tpl)
    int mev_tpl_add_blockhash_patch(mev_tpl *tpl, unsigned *index)
    int mev_tpl_add_ix_patch(mev_tpl *tpl, uint16_t ix, uint16_t data_offset, uint8_t width,
                             unsigned *index)
    int mev_tpl_add_account_patch(mev_tpl *tpl, uint16_t key_index, unsigned *index)
    int mev_tpl_patch_layout(const mev_tpl *tpl, unsigned i, size_t *row_offset, uint8_t *width)
    int mev_tpl_sign(const mev_tpl *tpl, const uint8_t *row, uint8_t *out)
    int mev_tpl_sign_many(const mev_tpl *tpl, const uint8_t *rows, size_t n, uint8_t **outs,
                          mev_pool *pool)
    void mev_tpl_default_row(const mev_tpl *tpl, uint8_t *row)

cdef extern from "ring.h" nogil:
    enum:
        MEV_RING_HEADER_BYTES
        MEV_RING_VARIABLE
        MEV_RING_FIXED
        MEV_RING_PRODUCER
        MEV_RING_CONSUMER
    ctypedef struct mev_ring:
        pass
    size_t mev_ring_bytes_needed(int mode, uint64_t capacity, uint32_t record_size)
    int mev_ring_format(void *mem, size_t bytes, int mode, uint64_t capacity, uint32_t record_size,
                        uint64_t tag)
    int mev_ring_open(void *mem, size_t bytes, mev_ring **out)
    void mev_ring_close(mev_ring *r)
    int mev_ring_claim(mev_ring *r, int role)
    int mev_ring_holds(mev_ring *r, int role)
    int mev_ring_mode(const mev_ring *r)
    uint64_t mev_ring_capacity(const mev_ring *r)
    uint32_t mev_ring_record_size(const mev_ring *r)
    uint64_t mev_ring_tag(const mev_ring *r)
    uint32_t mev_ring_max_payload(const mev_ring *r)
    uint64_t mev_ring_used(const mev_ring *r)
    uint64_t mev_ring_count(const mev_ring *r)
    uint64_t mev_ring_committed_tail(const mev_ring *r)
    void mev_ring_set_spin_ns(mev_ring *r, int64_t ns)
    int mev_ring_write(mev_ring *r, const void *data, uint32_t len)
    void mev_ring_publish(mev_ring *r)
    int mev_ring_push(mev_ring *r, const void *data, uint32_t len)
    int mev_ring_push_many(mev_ring *r, const void *const *data, const uint32_t *lens, size_t n,
                           size_t *pushed)
    int mev_ring_peek(mev_ring *r, const uint8_t **data, uint32_t *len)
    void mev_ring_advance(mev_ring *r)
    void mev_ring_commit(mev_ring *r)
    int mev_ring_push_records(mev_ring *r, const void *src, size_t n, size_t *pushed)
    int mev_ring_readable(mev_ring *r, uint64_t *n)
    int mev_ring_pop_records(mev_ring *r, void *dst, size_t max, size_t *popped)
    int mev_ring_wait_data(mev_ring *r, int64_t timeout_ns)
    int mev_ring_wait_space(mev_ring *r, uint64_t need, int64_t timeout_ns)

cdef extern from "shm.h" nogil:
    int mev_shm_create(const char *name, size_t bytes, void **mem)
    int mev_shm_attach(const char *name, long long allow_uid, void **mem, size_t *bytes)
    int mev_shm_create_huge(size_t bytes, void **mem, size_t *mapped, int *kind)
    int mev_shm_unmap(void *mem, size_t bytes)
    enum:
        MEV_PAGES_NORMAL
        MEV_PAGES_HUGETLB
        MEV_PAGES_THP_ADVISED
    int mev_shm_unlink(const char *name)

cdef extern from "kalman.h" nogil:
    ctypedef struct mev_kalman_params:
        double q_phase
        double q_drift
        double r
        double initial_std
        double initial_phase
        double gate
        uint32_t reacquire
    ctypedef struct mev_kalman:
        pass
    ctypedef struct mev_kalman_state:
        double phase
        double drift
        double p00
        double p01
        double p11
        int64_t slot
        uint32_t observations
        uint32_t rejected
        uint32_t outlier_run
    int mev_kalman_new(const mev_kalman_params *params, size_t expected_leaders, mev_kalman **out)
    void mev_kalman_free(mev_kalman *k)
    const mev_kalman_params *mev_kalman_params_of(const mev_kalman *k)
    int mev_kalman_observe(mev_kalman *k, const uint8_t *leader, int64_t slot, double offset_ms,
                           int landed)
    int mev_kalman_predict(mev_kalman *k, const uint8_t *leader, int64_t slot, double *offset_ms,
                           double *std_ms)
    int mev_kalman_state_of(mev_kalman *k, const uint8_t *leader, mev_kalman_state *out)
    size_t mev_kalman_leaders(const mev_kalman *k)
    size_t mev_kalman_save_size(const mev_kalman *k)
    int mev_kalman_save(mev_kalman *k, uint8_t *buf, size_t len)
    int mev_kalman_load(const uint8_t *buf, size_t len, size_t expected_leaders, mev_kalman **out)

cdef extern from "lut.h" nogil:
    enum:
        MEV_LUT_P_LAND
        MEV_LUT_EV
        MEV_LUT_DOMAIN_BYTES
    ctypedef struct mev_lut_info:
        uint32_t kind
        uint32_t count
        int64_t created_at_ns
        char domain[65]
        uint64_t generation
    ctypedef struct mev_lut:
        pass
    int mev_lut_open(const char *path, mev_lut **out)
    int mev_lut_reload(mev_lut *l, const char *path)
    double mev_lut_eval(const mev_lut *l, double x)
    void mev_lut_eval_many(const mev_lut *l, const double *x, double *out, size_t n)
    void mev_lut_info_get(const mev_lut *l, mev_lut_info *out)
    void mev_lut_close(mev_lut *l)


cdef extern from "bandit.h" nogil:
    enum:
        MEV_BANDIT_MAX_ROUTES
    ctypedef struct mev_bandit_params:
        uint32_t routes
        int per_leader
        double discount
        double prior_alpha
        double prior_beta
        uint64_t seed
    ctypedef struct mev_bandit:
        pass
    int mev_bandit_new(const mev_bandit_params *params, size_t expected_leaders, mev_bandit **out)
    void mev_bandit_free(mev_bandit *b)
    const mev_bandit_params *mev_bandit_params_of(const mev_bandit *b)
    int mev_bandit_set_calibration(mev_bandit *b, uint32_t route, const mev_lut *lut)
    int mev_bandit_set_cost(mev_bandit *b, uint32_t route, double cost)
    int mev_bandit_choose(mev_bandit *b, const uint8_t *leader, uint32_t k, double value,
                          uint32_t *routes, double *scores)
    int mev_bandit_update(mev_bandit *b, const uint8_t *leader, uint32_t route, int landed)
    int mev_bandit_posterior(mev_bandit *b, const uint8_t *leader, uint32_t route, double *alpha,
                             double *beta)
    size_t mev_bandit_save_size(const mev_bandit *b)
    int mev_bandit_save(mev_bandit *b, uint8_t *buf, size_t len)
    int mev_bandit_load(const uint8_t *buf, size_t len, size_t expected_leaders, mev_bandit **out)

cdef extern from "sender.h" nogil:
    enum:
        MEV_SENDER_MAX_TXS
        MEV_SENDER_MAX_BODY
        MEV_SHOT_RPC_SEND
        MEV_SHOT_JITO_SEND
        MEV_SHOT_JITO_BUNDLE_ONLY
        MEV_SHOT_JITO_BUNDLE
        MEV_SHOT_WARM
        MEV_SHOT_REST_SUBMIT
        MEV_DIALECT_JSONRPC
        MEV_DIALECT_JITO
        MEV_DIALECT_REST
    ctypedef struct mev_shot:
        uint64_t shot_id
        int64_t fire_at_ns
        uint32_t route
        uint32_t kind
        uint32_t ntx
        uint32_t tx_len[5]
    ctypedef struct mev_shot_result:
        uint64_t shot_id
        int64_t fire_at_ns
        int64_t sent_ns
        int64_t done_ns
        int64_t start_ns
        uint32_t route
        uint32_t kind
        int32_t curl_code
        int32_t http_status
        uint32_t body_len
        uint32_t truncated
        uint32_t new_connection
        char bundle_id[96]
    ctypedef struct mev_sender_stats:
        uint64_t submitted
        uint64_t fired
        uint64_t completed
        uint64_t cpu_ns
        int64_t max_late_ns
        uint64_t wakeups
        uint64_t spin_ns
    ctypedef struct mev_sender:
        pass
    int mev_sender_new(uint32_t inflight, uint32_t timeout_ms, mev_sender **out)
    void mev_sender_free(mev_sender *s)
    int mev_sender_add_route(mev_sender *s, const char *base_url, int dialect, const char *headers,
                             int http2, const char *ca_file, uint32_t *route_id)
    int mev_sender_set_ping(mev_sender *s, uint32_t route_id, const char *path)
    int mev_sender_start(mev_sender *s)
    int mev_sender_thread_id(mev_sender *s)
    int mev_sender_submit(mev_sender *s, const mev_shot *shot, const uint8_t *const *txs)
    int mev_sender_result(mev_sender *s, uint8_t *buf, size_t cap, size_t *len)
    int mev_sender_wait_result(mev_sender *s, int64_t timeout_ns)
    void mev_sender_stats_get(mev_sender *s, mev_sender_stats *out)

cdef extern from "delta.h" nogil:
    enum:
        MEV_DELTA_ACCOUNT
        MEV_DELTA_SLOT
    ctypedef struct mev_delta:
        int kind
        const uint8_t *pubkey
        const uint8_t *owner
        const uint8_t *data
        const uint8_t *signature
        size_t data_len
        uint64_t lamports
        uint64_t write_version
        uint64_t rent_epoch
        int is_startup
        int executable
        int has_parent
        int status
        uint64_t parent
        const uint8_t *dead_error
        size_t dead_error_len
        uint64_t slot
        uint64_t sequence
    int mev_delta_decode(const uint8_t *buf, size_t len, mev_delta *out)

cdef extern from "yellowstone.h" nogil:
    enum:
        MEV_YS_ACCOUNT
        MEV_YS_SLOT
        MEV_YS_TRANSACTION
        MEV_YS_PING
        MEV_YS_PONG
        MEV_YS_BLOCK_META
        MEV_YS_OTHER
        MEV_YS_MAX_KEYS
    ctypedef struct mev_ys_update:
        int kind
        mev_delta delta
        const uint8_t *signature
        int is_vote
        const uint8_t *keys[256]
        size_t nkeys
        const uint8_t *err
        size_t err_len
        uint64_t fee
        uint64_t index
        const uint8_t *transaction
        size_t transaction_len
        int32_t pong_id
        const uint8_t *blockhash
        const uint8_t *parent_blockhash
        size_t blockhash_len
        size_t parent_blockhash_len
        uint64_t parent_slot
        uint64_t executed_transaction_count
        uint64_t block_height
        int64_t block_time
        int has_block_height
        int has_block_time
    int mev_ys_decode(const uint8_t *buf, size_t len, mev_ys_update *out)
