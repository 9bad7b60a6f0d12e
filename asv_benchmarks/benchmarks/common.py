"""Seeded, cached data builders shared by the asv suite and `make bench` (asv_benchmarks/peers.py)."""
import functools

from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.system_program import TransferParams, transfer


class Benchmark:
    """Base class of every asv benchmark here (numpy's convention)."""


@functools.lru_cache(maxsize=None)
def signing_case(seed: int = 7):
    """A v0 transfer-with-tip message (compute budget, transfer, tip) and its payer.

    Returns (keypair, MessageV0, message bytes as signed, blockhash).
    """
    payer = Keypair.from_seed(bytes([seed]) * 32)
    recipient = Keypair.from_seed(bytes([seed + 1]) * 32).pubkey()
    tip_account = Keypair.from_seed(bytes([seed + 2]) * 32).pubkey()
    blockhash = Hash(bytes([seed + 3]) * 32)
    ixs = [
        set_compute_unit_limit(10_000),
        set_compute_unit_price(1_000),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=1_000_000)),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=tip_account, lamports=10_000)),
    ]
    msg = MessageV0.try_compile(payer.pubkey(), ixs, [], blockhash)
    return payer, msg, to_bytes_versioned(msg), blockhash


TIP_PATCHES = {"tip": (3, 4, "u64"), "cu_price": (1, 1, "u64")}


@functools.lru_cache(maxsize=None)
def leader_keys(n: int, seed: int = 11):
    """n distinct 32-byte leader identities, the same on every run."""
    return tuple(Keypair.from_seed(bytes([seed]) * 24 + i.to_bytes(8, "little")).pubkey().__bytes__()
                 for i in range(n))


ROUTES = ["rpc", "jito-ny", "jito-ams", "jito-fra", "sender"]


def attempts_sql(n: int, day_start: int = 1_790_035_200) -> str:
    """A SELECT producing n realistic rows of the store's `attempts` table over one day, in
    ClickHouse SQL: ~15 attempts per 400 ms slot, 3 shots each; leaders rotating every 4 slots
    among 2,000; shots planned around a per-leader phase; lognormal round-trip times and tips;
    priority fees fixed per route for an hour; each route's score drifting slowly with
    update-sized noise; 8% of shots credited. ClickHouse's rand() takes no seed, so every run
    (and every INSERT of it) draws new rows; compressed sizes repeat within 0.05 B/row."""
    routes = "[" + ", ".join(f"'{r}'" for r in ROUTES) + "]"
    return f"""
SELECT
    toDateTime64({day_start} + number * (86400 / {n}) + rand(1) % 1000 / 1e6, 6, 'UTC') AS ts,
    intDiv(number, 3) AS attempt_id,
    number AS shot_id,
    300000000 + intDiv(number * 216000, {n}) AS slot,
    base58Encode(unhex(hex(SHA256(toString(cityHash64(intDiv(slot, 4)) % 2000))))) AS leader,
    {routes}[1 + rand(2) % 5] AS route,
    toUInt8(number % 3) AS shot_index,
    toInt32(100000 + cityHash64(leader) % 200000 + (number % 3 - 1) * 20000 + randNormal(0, 15000)) AS offset_us,
    multiIf(rand(3) % 100 < 95, 'ok', rand(3) % 100 < 98, 'rate_limited', rand(3) % 100 < 99, 'timeout', 'http_error') AS status,
    toInt32(abs(randNormal(30, 15))) AS late_us,
    toUInt32(randLogNormal(log(800), 0.5)) AS rtt_us,
    toUInt64(round(randLogNormal(log(100000), 1), -3)) AS tip_lamports,
    toUInt64(5000 + cityHash64(route, intDiv(toUnixTimestamp(ts), 3600)) % 5 * 2500) AS fee_lamports,
    toFloat32(0.3 + 0.1 * sin(number / {n / 50} + indexOf({routes}, route)) + (rand(5) % 100) / 20000) AS p_raw,
    toFloat32(p_raw * 0.8) AS p_land,
    toUInt8(rand(7) % 100 < 8) AS landed,
    if(landed = 1, slot + rand(8) % 2, 0) AS landed_slot
FROM numbers({n})"""
