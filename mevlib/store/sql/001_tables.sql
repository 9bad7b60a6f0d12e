-- Raw tables. The attempts table's codecs were measured column by column (below); the other
-- tables' columns of the same kind follow them. Delta/T64 only reshape data, so ZSTD always
-- follows; ZSTD(1) unless a higher level measurably paid.
-- non_replicated_deduplication_window: a batch re-sent with the same insert_deduplication_token
-- (the writer's batch id) after a lost acknowledgement is dropped, not stored twice.

CREATE DATABASE IF NOT EXISTS {db};

-- One row per shot, written once the attempt is decided (landed or given up). Codecs: the best
-- of asv_benchmarks/codec_sweep.py on 2 M synthetic rows, bytes per row (ClickHouse default LZ4
-- in brackets). Sorted by route: each route's rows form runs, so its scores, fees and slots
-- change little from row to row.
CREATE TABLE IF NOT EXISTS {db}.attempts
(
    ts            DateTime64(6, 'UTC') CODEC(Delta, T64, ZSTD(1)), -- 2.65 [5.95]: rising, irregular gaps
    attempt_id    UInt64 CODEC(Delta, T64, ZSTD(1)),      -- 0.44 [3.39]: a counter
    shot_id       UInt64 CODEC(Delta, T64, ZSTD(1)),      -- 0.52 [4.02]
    slot          UInt64 CODEC(Delta, ZSTD(1)),           -- 0.32 [2.60]: climbs by 0 or 1
    leader        LowCardinality(String) CODEC(ZSTD(1)),  -- 0.32 [3.76 as String]: 2,000 validators, runs of 4 slots
    route         LowCardinality(String) CODEC(ZSTD(1)),  -- 0.00: the sort key
    shot_index    UInt8 CODEC(T64, ZSTD(1)),              -- 0.23 [0.63]
    offset_us     Int32 CODEC(T64, ZSTD(1)),              -- 2.38 [4.01]: planned offset in the slot; µs ints pack tighter than Float32
    status        LowCardinality(String) CODEC(ZSTD(1)),  -- 0.09 [0.22 as String]: ok, rate_limited, http_error, rpc_error, timeout, ...
    late_us       Int32 CODEC(T64, ZSTD(1)),              -- 0.81 [2.82]: small ints, T64 drops the empty high bits
    rtt_us        UInt32 CODEC(T64, ZSTD(1)),             -- 1.48 [2.82]
    tip_lamports  UInt64 CODEC(ZSTD(3)),                  -- 1.98 [3.20]: the one column where level 3 pays (11%)
    fee_lamports  UInt64 CODEC(ZSTD(1)),                  -- 0.01 [0.04]: paid by a committed signature (once, on its first shot)
    p_raw         Float32 CODEC(FPC, ZSTD(1)),            -- 2.84 [4.02]: the score the sender used (calibrator's x); FPC beat Gorilla (2.97)
    p_land        Float32 CODEC(FPC, ZSTD(1)),            -- 2.82 [4.02]: the calibrated probability at send time
    landed        UInt8 CODEC(T64, ZSTD(1)),              -- 0.06 [0.27]: this shot was credited with the landing
    landed_slot   UInt64 CODEC(ZSTD(1))                   -- 0.31 [0.53]: 0 when not landed; the signature is in outcomes
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (route, ts, shot_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per opportunity (attempt).
CREATE TABLE IF NOT EXISTS {db}.outcomes
(
    ts                DateTime64(6, 'UTC') CODEC(Delta, T64, ZSTD(1)),
    attempt_id        UInt64 CODEC(Delta, T64, ZSTD(1)),
    slot              UInt64 CODEC(Delta, ZSTD(1)),
    leader            LowCardinality(String) CODEC(ZSTD(1)),
    strategy          LowCardinality(String) CODEC(ZSTD(1)),
    landed            UInt8 CODEC(T64, ZSTD(1)),
    landed_slot       UInt64 CODEC(ZSTD(1)),
    credited_route    LowCardinality(String) CODEC(ZSTD(1)),
    shots             UInt8 CODEC(T64, ZSTD(1)),
    tip_lamports      UInt64 CODEC(ZSTD(3)),               -- paid only when landed
    ev_lamports       Float32 CODEC(FPC, ZSTD(1)),         -- expected value the strategy claimed
    realized_lamports Float32 CODEC(FPC, ZSTD(1)),         -- value if landed, less the tip and every fee paid
    signature         String CODEC(ZSTD(1))                -- base58 of random bytes: nothing to gain
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts, attempt_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per shot that shadow mode (mevlib run --shadow) planned, signed and simulated but never
-- sent: what the bot would have done, to judge a strategy against a live cluster at no risk.
CREATE TABLE IF NOT EXISTS {db}.shadow_sends
(
    ts            DateTime64(6, 'UTC') CODEC(Delta, T64, ZSTD(1)),
    attempt_id    UInt64 CODEC(Delta, T64, ZSTD(1)),
    shot_id       UInt64 CODEC(Delta, T64, ZSTD(1)),
    slot          UInt64 CODEC(Delta, ZSTD(1)),
    leader        LowCardinality(String) CODEC(ZSTD(1)),
    strategy      LowCardinality(String) CODEC(ZSTD(1)),
    route         LowCardinality(String) CODEC(ZSTD(1)),
    shot_index    UInt8 CODEC(T64, ZSTD(1)),
    offset_us     Int32 CODEC(T64, ZSTD(1)),
    tip_lamports  UInt64 CODEC(ZSTD(3)),
    fee_lamports  UInt64 CODEC(ZSTD(1)),                  -- what the transaction would pay if committed
    p_land        Float32 CODEC(FPC, ZSTD(1)),
    ev_lamports   Float32 CODEC(FPC, ZSTD(1)),
    simulated     UInt8 CODEC(T64, ZSTD(1)),              -- 0: no pre-send simulation ran
    sim_ok        UInt8 CODEC(T64, ZSTD(1)),
    sim_error     String CODEC(ZSTD(1)),                  -- the TransactionError's JSON, empty when it succeeded
    units         UInt32 CODEC(T64, ZSTD(1)),             -- compute units the simulation consumed
    signature     String CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts, shot_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per bandit update (each shot's route, credited or not), with the posterior after it.
CREATE TABLE IF NOT EXISTS {db}.bandit_arm_events
(
    ts      DateTime64(6, 'UTC') CODEC(Delta, T64, ZSTD(1)),
    route   LowCardinality(String) CODEC(ZSTD(1)),
    leader  LowCardinality(String) CODEC(ZSTD(1)),
    landed  UInt8 CODEC(T64, ZSTD(1)),
    alpha   Float32 CODEC(FPC, ZSTD(1)),                   -- slowly moving posterior
    beta    Float32 CODEC(FPC, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (route, ts)
SETTINGS non_replicated_deduplication_window = 10000;

-- Slot clock and per-leader phase estimates, one row per planned attempt.
CREATE TABLE IF NOT EXISTS {db}.slot_timings
(
    ts           DateTime64(6, 'UTC') CODEC(Delta, T64, ZSTD(1)),
    slot         UInt64 CODEC(Delta, ZSTD(1)),
    leader       LowCardinality(String) CODEC(ZSTD(1)),
    slot_ms      Float32 CODEC(FPC, ZSTD(1)),
    phase_ms     Float32 CODEC(FPC, ZSTD(1)),
    phase_std_ms Float32 CODEC(FPC, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts, slot)
SETTINGS non_replicated_deduplication_window = 10000;

-- Pool account updates from the Geyser feed.
CREATE TABLE IF NOT EXISTS {db}.pool_deltas
(
    ts            DateTime64(6, 'UTC') CODEC(Delta, T64, ZSTD(1)),
    slot          UInt64 CODEC(Delta, ZSTD(1)),
    pubkey        LowCardinality(String) CODEC(ZSTD(1)),  -- the pools one watches: few, repeating
    owner         LowCardinality(String) CODEC(ZSTD(1)),
    lamports      UInt64 CODEC(T64, ZSTD(1)),
    write_version UInt64 CODEC(Delta, ZSTD(1)),
    data          String CODEC(ZSTD(3))                   -- pool state: successive updates share most bytes
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (pubkey, slot, write_version)
SETTINGS non_replicated_deduplication_window = 10000;
