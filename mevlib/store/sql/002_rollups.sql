-- 5-minute rollups: materialized views fold each inserted block into AggregatingMergeTree states;
-- read them back with the -Merge combinators (see mevlib.store.queries). Dashboards read these,
-- never the raw tables.

CREATE TABLE IF NOT EXISTS {db}.attempts_rollup
(
    bucket     DateTime('UTC'),
    route      LowCardinality(String),
    leader     LowCardinality(String),
    shots      AggregateFunction(count),
    accepted   AggregateFunction(sum, UInt8),
    landed     AggregateFunction(sum, UInt8),
    tips_paid  AggregateFunction(sum, UInt64),               -- tip of the shots that landed
    late_us    AggregateFunction(quantiles(0.5, 0.99), Int32),
    rtt_us     AggregateFunction(quantiles(0.5, 0.99), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (bucket, route, leader)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.attempts_rollup_mv TO {db}.attempts_rollup AS
SELECT  -- a.x: the source column, not the same-named aggregate being defined
    toStartOfFiveMinutes(a.ts) AS bucket,
    a.route AS route,
    a.leader AS leader,
    countState() AS shots,
    sumState(toUInt8(a.status = 'ok')) AS accepted,
    sumState(a.landed) AS landed,
    sumState(if(a.landed = 1, a.tip_lamports, toUInt64(0))) AS tips_paid,
    quantilesState(0.5, 0.99)(a.late_us) AS late_us,
    quantilesState(0.5, 0.99)(a.rtt_us) AS rtt_us
FROM {db}.attempts AS a
GROUP BY bucket, route, leader;

CREATE TABLE IF NOT EXISTS {db}.bandit_arm_rollup
(
    bucket  DateTime('UTC'),
    route   LowCardinality(String),
    leader  LowCardinality(String),
    pulls   AggregateFunction(count),
    wins    AggregateFunction(sum, UInt8),
    alpha   AggregateFunction(argMax, Float32, DateTime64(6, 'UTC')),  -- posterior at the bucket's end
    beta    AggregateFunction(argMax, Float32, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (bucket, route, leader)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.bandit_arm_rollup_mv TO {db}.bandit_arm_rollup AS
SELECT
    toStartOfFiveMinutes(e.ts) AS bucket,
    e.route AS route,
    e.leader AS leader,
    countState() AS pulls,
    sumState(e.landed) AS wins,
    argMaxState(e.alpha, e.ts) AS alpha,
    argMaxState(e.beta, e.ts) AS beta
FROM {db}.bandit_arm_events AS e
GROUP BY bucket, route, leader;
