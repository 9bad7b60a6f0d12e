-- Raw tables. Codecs were chosen by measuring 10 M synthetic rows per column (make bench, table
-- "store"; docs/performance.md). The reason is beside each column. Delta/T64 only reshape data,
-- so ZSTD always follows them; ZSTD(1): higher levels bought < 3% on these columns.
-- non_replicated_deduplication_window: a batch re-sent with the same insert_deduplication_token
-- (the writer's batch id) after a lost acknowledgement is dropped, not stored twice.

CREATE DATABASE IF NOT EXISTS {db};

-- One row per shot, written once the attempt is decided (landed or given up).
CREATE TABLE IF NOT EXISTS {db}.attempts
(
    ts            DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)), -- scheduled fire time: near-constant stride
    attempt_id    UInt64 CODEC(Delta, ZSTD(1)),           -- increasing, small steps
    shot_id       UInt64 CODEC(Delta, ZSTD(1)),
    slot          UInt64 CODEC(DoubleDelta, ZSTD(1)),     -- target slot: climbs by 0 or 1
    leader        LowCardinality(String),                 -- base58; ~2,000 distinct validators
    route         LowCardinality(String),                 -- a handful of routes
    shot_index    UInt8 CODEC(T64, ZSTD(1)),
    offset_ms     Float32 CODEC(Gorilla, ZSTD(1)),        -- planned offset within the slot
    status        LowCardinality(String),                 -- ok, rate_limited, http_error, rpc_error, timeout, ...
    late_us       Int32 CODEC(T64, ZSTD(1)),              -- small ints: T64 drops the unused high bits
    rtt_us        UInt32 CODEC(T64, ZSTD(1)),
    tip_lamports  UInt64 CODEC(T64, ZSTD(1)),
    fee_lamports  UInt64 CODEC(T64, ZSTD(1)),
    p_raw         Float32 CODEC(ZSTD(1)),                 -- the score the sender used (calibrator's x)
    p_land        Float32 CODEC(ZSTD(1)),                 -- the calibrated probability at send time
    landed        UInt8 CODEC(T64, ZSTD(1)),              -- this shot was credited with the landing
    landed_slot   UInt64 CODEC(Delta, ZSTD(1)),           -- 0 when not landed
    sig_prefix    UInt64 CODEC(ZSTD(1))                   -- first 8 bytes of the signature; full one in outcomes
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts, attempt_id, shot_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per opportunity (attempt).
CREATE TABLE IF NOT EXISTS {db}.outcomes
(
    ts              DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    attempt_id      UInt64 CODEC(Delta, ZSTD(1)),
    slot            UInt64 CODEC(DoubleDelta, ZSTD(1)),
    leader          LowCardinality(String),
    strategy        LowCardinality(String),
    landed          UInt8 CODEC(T64, ZSTD(1)),
    landed_slot     UInt64 CODEC(Delta, ZSTD(1)),
    credited_route  LowCardinality(String),
    shots           UInt8 CODEC(T64, ZSTD(1)),
    tip_lamports    UInt64 CODEC(T64, ZSTD(1)),           -- paid only when landed
    ev_lamports     Float32 CODEC(ZSTD(1)),               -- expected value the strategy claimed
    realized_lamports Float32 CODEC(ZSTD(1)),             -- what landing actually returned
    signature       String CODEC(ZSTD(1))                 -- base58: random bytes, nothing to gain
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts, attempt_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per bandit update (each shot's route, credited or not), with the posterior after it.
CREATE TABLE IF NOT EXISTS {db}.bandit_arm_events
(
    ts      DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    route   LowCardinality(String),
    leader  LowCardinality(String),
    landed  UInt8 CODEC(T64, ZSTD(1)),
    alpha   Float32 CODEC(Gorilla, ZSTD(1)),              -- slowly moving posterior
    beta    Float32 CODEC(Gorilla, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (route, ts)
SETTINGS non_replicated_deduplication_window = 10000;

-- Slot clock and per-leader phase estimates.
CREATE TABLE IF NOT EXISTS {db}.slot_timings
(
    ts          DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    slot        UInt64 CODEC(DoubleDelta, ZSTD(1)),
    leader      LowCardinality(String),
    slot_ms     Float32 CODEC(Gorilla, ZSTD(1)),
    phase_ms    Float32 CODEC(Gorilla, ZSTD(1)),
    phase_std_ms Float32 CODEC(Gorilla, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts, slot)
SETTINGS non_replicated_deduplication_window = 10000;

-- Pool account updates from the Geyser feed.
CREATE TABLE IF NOT EXISTS {db}.pool_deltas
(
    ts            DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    slot          UInt64 CODEC(DoubleDelta, ZSTD(1)),
    pubkey        LowCardinality(String),                 -- the pools one watches: few, repeating
    owner         LowCardinality(String),
    lamports      UInt64 CODEC(T64, ZSTD(1)),
    write_version UInt64 CODEC(Delta, ZSTD(1)),
    data          String CODEC(ZSTD(3))                   -- pool state: successive updates share most bytes
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (pubkey, slot, write_version)
SETTINGS non_replicated_deduplication_window = 10000;
