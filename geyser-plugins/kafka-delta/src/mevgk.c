#include "mevgk.h"

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../csrc/mev_error.h"
#include "../../../csrc/ring.h"
#include "../../../csrc/shm.h"
#include "filter.h"

#define MAX_CONFIG (1 << 20) /* bytes of JSON */
#define MAX_EVENT (16 * 1024 + 1024) /* accounts up to 16 KiB of data; larger ones count as failed */
#define MAX_PARTITIONS 1024
#define METADATA_TIMEOUT_MS 5000

struct mevgk {
    mevgk_filter *filters;
    size_t nfilters;
    int include_startup;
    /* kafka sink */
    rd_kafka_t *rk;
    rd_kafka_topic_t *topic;
    rd_kafka_conf_t *conf;  /* a copy, to make the producer again after a fatal error */
    char topic_name[256];
    pthread_t poller;
    int poller_started;
    atomic_int stop;
    /* ring sink */
    void *ring_mem;
    size_t ring_bytes;
    mev_ring *ring;
    /* Validator threads are many. Under this lock a message gets its partition's next sequence
     * number and is handed to the sink, so each partition's numbers follow its order and a
     * consumer can count what was lost from the gaps. */
    pthread_mutex_t emit_lock;
    int32_t partitions;             /* of the topic (kafka; 0 while unknown), 1 for a ring */
    uint64_t sequence[MAX_PARTITIONS]; /* the last number given on each partition */
    _Atomic uint64_t updates, startup_skipped, filtered_out, sent, dropped, failed, slot_events;
};

static void set_err(char *buf, size_t len, const char *fmt, ...)
{
    if (buf == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

long mevgk_base58_decode(const char *s, uint8_t *out, size_t cap)
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t buf[128] = {0};
    size_t n = strlen(s), zeros = 0, len = 0;
    if (n == 0 || n > 175)
        return -1;
    while (zeros < n && s[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        const char *d = strchr(alphabet, s[i]);
        if (d == NULL || s[i] == '\0')
            return -1;
        unsigned carry = (unsigned)(d - alphabet);
        for (size_t j = 0; j < len; j++) { /* buf holds the number little-endian */
            carry += (unsigned)buf[j] * 58;
            buf[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            if (len == sizeof buf)
                return -1;
            buf[len++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    if (zeros + len > cap)
        return -1;
    memset(out, 0, zeros);
    for (size_t j = 0; j < len; j++)
        out[zeros + j] = buf[len - 1 - j];
    return (long)(zeros + len);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Strictly pairs of hex digits: no sign, spaces or 0x (sscanf("%2x") took all three). */
static int hex_decode(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s);
    if (n == 0 || n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

/* --- config -------------------------------------------------------------------------------- */

static int only_keys(const cJSON *obj, const char *const *allowed, const char *where, char *err,
                     size_t err_len)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(it->string, *a) == 0;
        if (!ok) {
            set_err(err, err_len, "%s: unknown key \"%s\"", where, it->string);
            return -1;
        }
    }
    return 0;
}

static int parse_keys(const cJSON *arr, uint8_t (**keys)[32], size_t *n, const char *where, char *err,
                      size_t err_len)
{
    if (arr == NULL)
        return 0;
    if (!cJSON_IsArray(arr)) {
        set_err(err, err_len, "%s must be a list of base58 public keys", where);
        return -1;
    }
    size_t count = (size_t)cJSON_GetArraySize(arr);
    *keys = calloc(count ? count : 1, 32);
    if (*keys == NULL) {
        set_err(err, err_len, "%s: out of memory", where);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const cJSON *v = cJSON_GetArrayItem(arr, (int)i);
        if (!cJSON_IsString(v) || mevgk_base58_decode(v->valuestring, (*keys)[i], 32) != 32) {
            set_err(err, err_len, "%s[%zu] is not a base58 public key", where, i);
            return -1;
        }
    }
    *n = count;
    return 0;
}

static int parse_filter(const cJSON *obj, mevgk_filter *f, size_t idx, char *err, size_t err_len)
{
    static const char *const allowed[] = {"owners", "accounts", "data_sizes", "memcmp", NULL};
    char where[64];
    snprintf(where, sizeof where, "filters[%zu]", idx);
    if (!cJSON_IsObject(obj)) {
        set_err(err, err_len, "%s must be an object", where);
        return -1;
    }
    if (only_keys(obj, allowed, where, err, err_len))
        return -1;
    snprintf(where, sizeof where, "filters[%zu].owners", idx);
    if (parse_keys(cJSON_GetObjectItemCaseSensitive(obj, "owners"), &f->owners, &f->n_owners, where, err, err_len))
        return -1;
    snprintf(where, sizeof where, "filters[%zu].accounts", idx);
    if (parse_keys(cJSON_GetObjectItemCaseSensitive(obj, "accounts"), &f->accounts, &f->n_accounts, where, err, err_len))
        return -1;
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(obj, "data_sizes");
    if (sizes) {
        if (!cJSON_IsArray(sizes)) {
            set_err(err, err_len, "filters[%zu].data_sizes must be a list of sizes", idx);
            return -1;
        }
        f->n_sizes = (size_t)cJSON_GetArraySize(sizes);
        f->sizes = calloc(f->n_sizes ? f->n_sizes : 1, sizeof *f->sizes);
        if (f->sizes == NULL) {
            set_err(err, err_len, "filters[%zu].data_sizes: out of memory", idx);
            return -1;
        }
        for (size_t i = 0; i < f->n_sizes; i++) {
            const cJSON *v = cJSON_GetArrayItem(sizes, (int)i);
            if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 10 * 1024 * 1024 ||
                v->valuedouble != (double)(uint64_t)v->valuedouble) {
                set_err(err, err_len, "filters[%zu].data_sizes[%zu] must be a whole number of bytes", idx, i);
                return -1;
            }
            f->sizes[i] = (uint64_t)v->valuedouble;
        }
    }
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(obj, "memcmp");
    if (mc) {
        static const char *const mc_allowed[] = {"offset", "base58", "hex", NULL};
        if (!cJSON_IsArray(mc)) {
            set_err(err, err_len, "filters[%zu].memcmp must be a list", idx);
            return -1;
        }
        f->n_memcmps = (size_t)cJSON_GetArraySize(mc);
        f->memcmps = calloc(f->n_memcmps ? f->n_memcmps : 1, sizeof *f->memcmps);
        if (f->memcmps == NULL) {
            set_err(err, err_len, "filters[%zu].memcmp: out of memory", idx);
            return -1;
        }
        for (size_t i = 0; i < f->n_memcmps; i++) {
            const cJSON *m = cJSON_GetArrayItem(mc, (int)i);
            snprintf(where, sizeof where, "filters[%zu].memcmp[%zu]", idx, i);
            if (!cJSON_IsObject(m) || only_keys(m, mc_allowed, where, err, err_len)) {
                if (!cJSON_IsObject(m))
                    set_err(err, err_len, "%s must be {\"offset\", \"base58\" or \"hex\"}", where);
                return -1;
            }
            const cJSON *off = cJSON_GetObjectItemCaseSensitive(m, "offset");
            const cJSON *b58 = cJSON_GetObjectItemCaseSensitive(m, "base58");
            const cJSON *hex = cJSON_GetObjectItemCaseSensitive(m, "hex");
            long len = -1;
            if (!cJSON_IsNumber(off) || off->valuedouble < 0 || off->valuedouble > 10 * 1024 * 1024) {
                set_err(err, err_len, "%s.offset must be a byte offset", where);
                return -1;
            }
            if (cJSON_IsString(b58) && !hex)
                len = mevgk_base58_decode(b58->valuestring, f->memcmps[i].bytes, sizeof f->memcmps[i].bytes);
            else if (cJSON_IsString(hex) && !b58)
                len = hex_decode(hex->valuestring, f->memcmps[i].bytes, sizeof f->memcmps[i].bytes);
            if (len <= 0) {
                set_err(err, err_len, "%s needs one of \"base58\" or \"hex\" (1 to 128 bytes)", where);
                return -1;
            }
            f->memcmps[i].offset = (size_t)off->valuedouble;
            f->memcmps[i].len = (size_t)len;
        }
    }
    mevgk_filter_finalize(f);
    return 0;
}

static int open_ring(mevgk *p, const char *name, char *err, size_t err_len)
{
    char shm_name[256];
    int rc;
    if (snprintf(shm_name, sizeof shm_name, "/%s", name) >= (int)sizeof shm_name) {
        set_err(err, err_len, "sink: ring name too long");
        return -1;
    }
    if ((rc = mev_shm_attach(shm_name, -1, &p->ring_mem, &p->ring_bytes)) != 0 ||
        (rc = mev_ring_open(p->ring_mem, p->ring_bytes, &p->ring)) != 0 ||
        (rc = mev_ring_claim(p->ring, MEV_RING_PRODUCER)) != 0) {
        set_err(err, err_len, "sink: ring://%s: %s (the bot creates the ring first)", name, mev_strerror(rc));
        return -1;
    }
    if (mev_ring_mode(p->ring) != MEV_RING_VARIABLE) {
        set_err(err, err_len, "sink: ring://%s is a RecordRing; it must be a Ring of bytes", name);
        return -1;
    }
    return 0;
}

/* Delivery reports: counted here, on the poller thread, never on a validator thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    mevgk *p = opaque;
    (void)rk;
    atomic_fetch_add(msg->err ? &p->failed : &p->sent, 1);
}

/* The topic's partition count from the broker (blocking: never on a validator thread). */
static int32_t fetch_partitions(mevgk *p, int timeout_ms)
{
    const struct rd_kafka_metadata *md = NULL;
    int32_t n = 0;
    if (rd_kafka_metadata(p->rk, 0, p->topic, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        n = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    return n > MAX_PARTITIONS ? MAX_PARTITIONS : n;
}

/* An idempotent producer that meets a fatal error (the broker forgot its producer id: a cluster
 * rebuilt, the id expired) refuses every message after it. Make a new producer and go on; what
 * the old one still held is reported failed, and the consumer sees the gap in the sequence. */
static void replace_producer(mevgk *p)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(p->conf);
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, NULL, 0) : NULL;
    rd_kafka_topic_t *topic = rk ? rd_kafka_topic_new(rk, p->topic_name, NULL) : NULL;
    if (topic == NULL) { /* try again at the next poll */
        if (rk)
            rd_kafka_destroy(rk);
        else if (conf)
            rd_kafka_conf_destroy(conf);
        return;
    }
    pthread_mutex_lock(&p->emit_lock);
    rd_kafka_t *old = p->rk;
    rd_kafka_topic_t *old_topic = p->topic;
    p->rk = rk;
    p->topic = topic;
    pthread_mutex_unlock(&p->emit_lock);
    rd_kafka_purge(old, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(old, 0); /* their delivery reports: counted failed */
    rd_kafka_topic_destroy(old_topic);
    rd_kafka_destroy(old);
}

static void *poll_kafka(void *arg)
{
    mevgk *p = arg;
    char reason[256];
    while (!atomic_load(&p->stop)) {
        rd_kafka_poll(p->rk, 100);
        if (rd_kafka_fatal_error(p->rk, reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR)
            replace_producer(p);
        pthread_mutex_lock(&p->emit_lock);
        int known = p->partitions > 0;
        pthread_mutex_unlock(&p->emit_lock);
        if (!known) { /* the broker was away at load: learn the partitions when it is back */
            int32_t n = fetch_partitions(p, 1000);
            pthread_mutex_lock(&p->emit_lock);
            if (p->partitions == 0)
                p->partitions = n;
            pthread_mutex_unlock(&p->emit_lock);
        }
    }
    return NULL;
}

static int open_kafka(mevgk *p, const cJSON *cfg, char *err, size_t err_len)
{
    char errstr[512];
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(cfg, "kafka");
    const cJSON *topic = cJSON_GetObjectItemCaseSensitive(cfg, "topic");
    if (!cJSON_IsObject(props)) {
        set_err(err, err_len, "kafka: an object of librdkafka settings is required");
        return -1;
    }
    if (!cJSON_IsString(topic) || !topic->valuestring[0]) {
        set_err(err, err_len, "topic must be a topic name");
        return -1;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (conf == NULL) {
        set_err(err, err_len, "kafka: out of memory");
        return -1;
    }
    /* defaults a validator wants; the config below overrides any of them. Idempotence: a retry
     * can neither duplicate nor reorder a partition. The queue is bounded in messages and bytes:
     * what does not fit is dropped and counted, never waited for. */
    const char *defaults[][2] = {{"compression.codec", "lz4"}, {"linger.ms", "2"},
                                 {"enable.idempotence", "true"},
                                 {"queue.buffering.max.messages", "200000"},
                                 {"queue.buffering.max.kbytes", "131072"},
                                 {"message.timeout.ms", "30000"}};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], NULL, 0);
    for (const cJSON *it = props->child; it; it = it->next) {
        char num[32];
        const char *value = it->valuestring;
        if (cJSON_IsNumber(it)) {
            snprintf(num, sizeof num, "%.0f", it->valuedouble);
            value = num;
        } else if (cJSON_IsBool(it)) {
            value = cJSON_IsTrue(it) ? "true" : "false";
        } else if (!cJSON_IsString(it)) {
            set_err(err, err_len, "kafka.%s must be a string, number or boolean", it->string);
            rd_kafka_conf_destroy(conf);
            return -1;
        }
        if (rd_kafka_conf_set(conf, it->string, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            set_err(err, err_len, "kafka.%s: %s", it->string, errstr);
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    if (strlen(topic->valuestring) >= sizeof p->topic_name || (p->conf = rd_kafka_conf_dup(conf)) == NULL) {
        rd_kafka_conf_destroy(conf);
        set_err(err, err_len, "topic: a name under %zu bytes is required", sizeof p->topic_name);
        return -1;
    }
    strcpy(p->topic_name, topic->valuestring);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (p->rk == NULL) { /* rd_kafka_new frees conf only on success */
        rd_kafka_conf_destroy(conf);
        set_err(err, err_len, "kafka: %s", errstr);
        return -1;
    }
    p->topic = rd_kafka_topic_new(p->rk, topic->valuestring, NULL);
    if (p->topic == NULL) {
        set_err(err, err_len, "topic: %s", rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }
    /* at load, where waiting is allowed; if the broker is away the poller keeps asking */
    p->partitions = fetch_partitions(p, METADATA_TIMEOUT_MS);
    if (pthread_create(&p->poller, NULL, poll_kafka, p) != 0) {
        set_err(err, err_len, "kafka: cannot start the delivery-report thread");
        return -1;
    }
    p->poller_started = 1;
    return 0;
}

static int configure(mevgk *p, const cJSON *cfg, char *err, size_t err_len)
{
    static const char *const allowed[] = {"libpath", "sink", "include_startup", "filters", "kafka",
                                          "topic", NULL};
    if (!cJSON_IsObject(cfg)) {
        set_err(err, err_len, "config must be a JSON object");
        return -1;
    }
    if (only_keys(cfg, allowed, "config", err, err_len))
        return -1;
    const cJSON *startup = cJSON_GetObjectItemCaseSensitive(cfg, "include_startup");
    if (startup && !cJSON_IsBool(startup)) {
        set_err(err, err_len, "include_startup must be true or false");
        return -1;
    }
    p->include_startup = cJSON_IsTrue(startup);
    const cJSON *filters = cJSON_GetObjectItemCaseSensitive(cfg, "filters");
    if (!cJSON_IsArray(filters) || cJSON_GetArraySize(filters) == 0) {
        set_err(err, err_len, "filters: a non-empty list is required (an empty one would send every account)");
        return -1;
    }
    p->nfilters = (size_t)cJSON_GetArraySize(filters);
    p->filters = calloc(p->nfilters, sizeof *p->filters);
    if (p->filters == NULL) {
        set_err(err, err_len, "filters: out of memory");
        return -1;
    }
    for (size_t i = 0; i < p->nfilters; i++)
        if (parse_filter(cJSON_GetArrayItem(filters, (int)i), &p->filters[i], i, err, err_len))
            return -1;
    const cJSON *sink = cJSON_GetObjectItemCaseSensitive(cfg, "sink");
    if (cJSON_IsString(sink) && strcmp(sink->valuestring, "kafka") == 0)
        return open_kafka(p, cfg, err, err_len);
    if (!cJSON_IsString(sink) || strncmp(sink->valuestring, "ring://", 7) != 0 || !sink->valuestring[7]) {
        set_err(err, err_len, "sink: \"kafka\" or \"ring://NAME\" expected");
        return -1;
    }
    p->partitions = 1;
    return open_ring(p, sink->valuestring + 7, err, err_len);
}

mevgk *mevgk_new(const char *config_path, char *err, size_t err_len)
{
    set_err(err, err_len, "%s", "");
    FILE *fp = config_path ? fopen(config_path, "rb") : NULL;
    if (fp == NULL) {
        set_err(err, err_len, "cannot open config %s", config_path ? config_path : "(null)");
        return NULL;
    }
    char *text = malloc(MAX_CONFIG + 1);
    size_t n = text ? fread(text, 1, MAX_CONFIG + 1, fp) : 0;
    fclose(fp);
    if (text == NULL) {
        set_err(err, err_len, "out of memory reading the config");
        return NULL;
    }
    if (n > MAX_CONFIG) {
        free(text);
        set_err(err, err_len, "config %s is larger than %d bytes", config_path, MAX_CONFIG);
        return NULL;
    }
    text[n] = '\0';
    /* the error position points into `text`: report it before the text is freed (and not through
     * cJSON_GetErrorPtr, a global shared by every thread) */
    const char *end = NULL;
    cJSON *cfg = cJSON_ParseWithLengthOpts(text, n, &end, 0);
    if (cfg == NULL) {
        size_t at = end && end >= text && end <= text + n ? (size_t)(end - text) : 0;
        set_err(err, err_len, "config is not valid JSON (at byte %zu, near: %.40s)", at, text + at);
        free(text);
        return NULL;
    }
    free(text);
    mevgk *p = calloc(1, sizeof *p);
    if (p == NULL) {
        cJSON_Delete(cfg);
        set_err(err, err_len, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->emit_lock, NULL);
    int rc = configure(p, cfg, err, err_len);
    cJSON_Delete(cfg);
    if (rc != 0) {
        mevgk_free(p);
        return NULL;
    }
    return p;
}

/* --- events ------------------------------------------------------------------------------- */

/* Hands one encoded event to the sink without waiting: a full queue or ring drops and counts
 * (and its sequence number stays used: the consumer sees the gap). Called under emit_lock. */
static int emit(mevgk *p, int32_t partition, const void *key, size_t key_len, const uint8_t *msg,
                size_t len)
{
    if (p->rk != NULL) {
        if (rd_kafka_produce(p->topic, partition, RD_KAFKA_MSG_F_COPY, (void *)msg, len, key, key_len,
                             NULL) == 0)
            return 1; /* counted as sent by its delivery report */
        atomic_fetch_add(rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL ? &p->dropped : &p->failed, 1);
        return 0;
    }
    int rc = mev_ring_push(p->ring, msg, (uint32_t)len);
    if (rc == 0) {
        atomic_fetch_add(&p->sent, 1);
        return 1;
    }
    atomic_fetch_add(rc == MEV_ERECSIZE ? &p->failed : &p->dropped, 1);
    return 0;
}

/* The next number on a partition; 0 (unnumbered) while Kafka's partition count is unknown. */
static uint64_t next_sequence(mevgk *p, int32_t partition)
{
    return partition >= 0 && partition < p->partitions ? ++p->sequence[partition] : 0;
}

int mevgk_update_account(mevgk *p, mevgk_account *a)
{
    uint8_t buf[MAX_EVENT];
    atomic_fetch_add(&p->updates, 1);
    if (a->is_startup && !p->include_startup) {
        atomic_fetch_add(&p->startup_skipped, 1);
        return 0;
    }
    if (!mevgk_filters_match(p->filters, p->nfilters, a->pubkey, a->owner, a->data, a->data_len)) {
        atomic_fetch_add(&p->filtered_out, 1);
        return 0;
    }
    pthread_mutex_lock(&p->emit_lock);
    /* keyed by account (murmur2, as Kafka's Java clients): one account's updates stay in order */
    int32_t partition = p->rk == NULL ? 0
                        : p->partitions > 0 ? rd_kafka_msg_partitioner_murmur2(p->topic, a->pubkey, 32,
                                                                               p->partitions, NULL, NULL)
                                            : RD_KAFKA_PARTITION_UA;
    a->sequence = next_sequence(p, partition);
    long n = mevgk_encode_account_event(a, buf, sizeof buf);
    int sent = n >= 0 ? emit(p, partition, a->pubkey, 32, buf, (size_t)n) : 0;
    pthread_mutex_unlock(&p->emit_lock);
    if (n < 0)
        atomic_fetch_add(&p->failed, 1);
    return sent;
}

/* A slot status goes to every partition of the topic, so a consumer of any one partition learns
 * every slot's fate there, after the updates of that slot it carries. */
int mevgk_update_slot(mevgk *p, mevgk_slot *s)
{
    uint8_t buf[512], key[8];
    int sent = 0;
    atomic_fetch_add(&p->slot_events, 1);
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t)(s->slot >> (8 * i));
    pthread_mutex_lock(&p->emit_lock);
    int32_t copies = p->partitions > 0 ? p->partitions : 1;
    for (int32_t part = 0; part < copies; part++) {
        int32_t partition = p->rk != NULL && p->partitions == 0 ? RD_KAFKA_PARTITION_UA : part;
        s->sequence = next_sequence(p, partition);
        long n = mevgk_encode_slot_event(s, buf, sizeof buf);
        if (n < 0) { /* a dead-slot reason longer than the buffer: send it without the reason */
            const char *reason = s->dead_error;
            s->dead_error = NULL;
            n = mevgk_encode_slot_event(s, buf, sizeof buf);
            s->dead_error = reason;
        }
        sent |= emit(p, partition, key, sizeof key, buf, (size_t)n);
    }
    pthread_mutex_unlock(&p->emit_lock);
    return sent;
}

void mevgk_end_of_startup(mevgk *p)
{
    pthread_mutex_lock(&p->emit_lock); /* the poller may be replacing the producer */
    if (p->rk != NULL)
        rd_kafka_flush(p->rk, 0); /* nudge the snapshot's backlog out; never wait here */
    pthread_mutex_unlock(&p->emit_lock);
}

int mevgk_wants_startup(mevgk *p)
{
    return p->include_startup;
}

void mevgk_metrics_get(mevgk *p, mevgk_metrics *m)
{
    m->updates = atomic_load(&p->updates);
    m->startup_skipped = atomic_load(&p->startup_skipped);
    m->filtered_out = atomic_load(&p->filtered_out);
    m->sent = atomic_load(&p->sent);
    m->dropped = atomic_load(&p->dropped);
    m->failed = atomic_load(&p->failed);
    m->slot_events = atomic_load(&p->slot_events);
}

void mevgk_free(mevgk *p)
{
    if (p == NULL)
        return;
    atomic_store(&p->stop, 1);
    if (p->poller_started) /* first: it may replace the producer */
        pthread_join(p->poller, NULL);
    if (p->rk != NULL) {
        rd_kafka_flush(p->rk, 5000); /* unload: give queued messages five seconds, then count them */
        atomic_fetch_add(&p->dropped, (uint64_t)rd_kafka_outq_len(p->rk));
    }
    if (p->topic)
        rd_kafka_topic_destroy(p->topic);
    if (p->rk)
        rd_kafka_destroy(p->rk);
    if (p->conf)
        rd_kafka_conf_destroy(p->conf);
    for (size_t i = 0; i < p->nfilters; i++)
        mevgk_filter_release(&p->filters[i]);
    free(p->filters);
    mev_ring_close(p->ring); /* releases the producer role */
    mev_shm_unmap(p->ring_mem, p->ring_bytes);
    pthread_mutex_destroy(&p->emit_lock);
    free(p);
}
