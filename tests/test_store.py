"""The outcome store on chDB (or the server in CLICKHOUSE_URL): idempotent DDL, rollups that
agree with the raw rows, batch-id deduplication, and a writer that loses and duplicates nothing
when its backend fails (fault injection around the real backend)."""
import os
import random
import time

import numpy as np
import pytest

import mevlib
from mevlib import store
from mevlib.store import TABLES, Writer

ROUTES = ["rpc", "jito-ny", "jito-ams", "sender"]
LEADERS = [f"Leader{i}" for i in range(5)]
T0 = 1_790_000_000.0  # unix seconds


def attempt_rows(n, seed=1, start=T0):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        landed = rng.random() < 0.3
        rows.append({
            "ts": start + i * 0.4 + rng.random() * 0.01, "attempt_id": i // 3, "shot_id": i, "slot": 300_000_000 + i // 3,
            "leader": LEADERS[(i // 12) % len(LEADERS)], "route": rng.choice(ROUTES), "shot_index": i % 3,
            "offset_us": rng.randint(0, 400_000), "status": rng.choice(["ok", "ok", "rate_limited"]),
            "late_us": rng.randint(-5, 90), "rtt_us": rng.randint(100, 5000), "tip_lamports": rng.randint(1000, 10**6),
            "fee_lamports": 5000, "p_raw": rng.random(), "p_land": rng.random(), "landed": int(landed),
            "landed_slot": 300_000_000 + i // 3 if landed else 0})
    return rows


def records(table, rows):
    return np.concatenate([TABLES[table].record(r) for r in rows])


def count(db, table):
    return db.rows(f"SELECT count() FROM {db.database}.{table}")[0][0]


def test_ddl_applies_twice_and_sets_codecs(store_db):
    assert store.migrate(store_db) == store.migrate(store_db)
    tables = {r[0] for r in store_db.rows(f"SELECT name FROM system.tables WHERE database = '{store_db.database}'")}
    assert {"attempts", "outcomes", "bandit_arm_events", "slot_timings", "pool_deltas", "attempts_rollup",
            "bandit_arm_rollup"} <= tables
    codecs = dict(store_db.rows(f"SELECT name, compression_codec FROM system.columns "
                                f"WHERE database = '{store_db.database}' AND table = 'attempts'"))
    assert "T64" in codecs["ts"] and "ZSTD(3)" in codecs["tip_lamports"] and "ZSTD" in codecs["offset_us"]


def test_attempts_rollup_equals_raw_aggregates(store_db):
    rows = attempt_rows(6000)
    arr = records("attempts", rows)
    for k, part in enumerate(np.array_split(arr, 7)):  # several blocks fold into one bucket's state
        store_db.insert(TABLES["attempts"], part, f"batch-{k}")
    db = store_db.database
    rollup = store_db.rows(f"""
        SELECT bucket, route, leader, countMerge(shots), sumMerge(accepted), sumMerge(landed),
               sumMerge(tips_paid), quantilesMerge(0.5, 0.99)(rtt_us)
        FROM {db}.attempts_rollup GROUP BY bucket, route, leader ORDER BY bucket, route, leader""")
    raw = store_db.rows(f"""
        SELECT toStartOfFiveMinutes(ts) AS b, route, leader, count(), countIf(status = 'ok'), sum(landed),
               sumIf(tip_lamports, landed = 1), quantiles(0.5, 0.99)(rtt_us)
        FROM {db}.attempts GROUP BY b, route, leader ORDER BY b, route, leader""")
    assert len(rollup) > 20 and rollup == raw  # < 8,192 values per bucket: quantiles are exact both ways
    assert sum(r[3] for r in rollup) == 6000 and sum(r[5] for r in rollup) == sum(r["landed"] for r in rows)


def test_bandit_arm_rollup_equals_raw(store_db):
    rng = random.Random(3)
    rows = [{"ts": T0 + i * 0.2, "route": rng.choice(ROUTES), "leader": rng.choice(LEADERS),
             "landed": rng.random() < 0.4, "alpha": 1 + i * 0.01, "beta": 2 + i * 0.02} for i in range(4000)]
    for k, part in enumerate(np.array_split(records("bandit_arm_events", rows), 3)):
        store_db.insert(TABLES["bandit_arm_events"], part, f"arm-{k}")
    db = store_db.database
    rollup = store_db.rows(f"""SELECT bucket, route, countMerge(pulls), sumMerge(wins), argMaxMerge(alpha)
        FROM {db}.bandit_arm_rollup GROUP BY bucket, route ORDER BY bucket, route""")
    raw = store_db.rows(f"""SELECT toStartOfFiveMinutes(ts) AS b, route, count(), sum(landed), argMax(alpha, ts)
        FROM {db}.bandit_arm_events GROUP BY b, route ORDER BY b, route""")
    assert rollup == raw and len(rollup) >= 8


def test_same_batch_id_is_stored_once(store_db):
    arr = records("attempts", attempt_rows(500))
    for _ in range(3):
        store_db.insert(TABLES["attempts"], arr, "the-same-batch")
    store_db.insert(TABLES["attempts"], arr, "another-batch")
    assert count(store_db, "attempts") == 1000
    rolled = store_db.rows(f"SELECT countMerge(shots) FROM {store_db.database}.attempts_rollup")[0][0]
    assert rolled == 1000  # the views deduplicate with their source


def test_binary_data_round_trips(store_db):
    data = bytes([0, 1, 0, 255]) + bytes(700) + b"\x07"
    store_db.insert(TABLES["pool_deltas"], records("pool_deltas", [
        {"ts": T0, "slot": 9, "pubkey": "Pool1", "owner": "Prog", "lamports": 1, "write_version": 3, "data": data}]), "p")
    assert store_db.rows(f"SELECT hex(data), write_version FROM {store_db.database}.pool_deltas") == [(data.hex().upper(), 3)]


@pytest.mark.parametrize("row, field", [
    ({"ts": T0, "tip_lamports": -1}, "attempts.tip_lamports"),
    ({"ts": T0, "tip_lamports": 2**64}, "attempts.tip_lamports"),
    ({"ts": T0, "p_raw": float("nan")}, "attempts.p_raw"),
    ({"ts": T0, "p_raw": 1e39}, "attempts.p_raw"),
    ({"ts": T0, "offset_us": "12"}, "attempts.offset_us"),
    ({"ts": T0, "offset_us": 2**31}, "attempts.offset_us"),
    ({"ts": T0, "route": "x" * 65}, "attempts.route"),
    ({"ts": T0, "route": "a\0b"}, "attempts.route"),
    ({"ts": T0, "route": 7}, "attempts.route"),
    ({"ts": T0, "shot_index": 256}, "attempts.shot_index"),
    ({"ts": -5}, "attempts.ts"),
    ({"ts": "now"}, "attempts.ts"),
    ({"slot": 1}, "attempts.ts"),
    ({"ts": T0, "routee": "rpc"}, "attempts.routee"),
])
def test_invalid_rows_name_the_field(tmp_path, row, field):
    with pytest.raises(mevlib.InvalidRowError, match=field.replace(".", r"\.")) as e:
        TABLES["attempts"].record(row)
    assert isinstance(e.value, ValueError)


POISON = 2**40  # a shot_id the Faulty backend refuses as bad data, as a server would a poison row


class Faulty:
    """The real backend behind a switch: 'down' refuses inserts before they reach it, 'ack_lost'
    lets the insert land and then fails as a dropped connection would, 'stall' is slow."""

    def __init__(self, backend):
        self.backend, self.mode, self.calls = backend, "up", 0
        self.database = backend.database

    def ping(self):
        if self.mode in ("down", "crash"):
            raise mevlib.StoreUnavailableError("injected: connection refused")
        self.backend.ping()

    def insert(self, table, batch, token):
        self.calls += 1
        if self.mode == "down":
            raise mevlib.StoreUnavailableError("injected: connection refused")
        if self.mode == "crash":  # not one of ours: a driver's own exception
            raise ConnectionResetError("injected: the driver gave up mid-insert")
        if POISON in batch["shot_id"]:  # the server refuses this batch's data, every time
            raise RuntimeError("injected: Code: 27. Cannot parse input")
        if self.mode == "stall":
            time.sleep(1)
        self.backend.insert(table, batch, token)
        if self.mode == "ack_lost":
            raise mevlib.StoreUnavailableError("injected: connection reset after the insert")


def test_writer_inserts_everything_on_close(store_db, tmp_path):
    rows = attempt_rows(3000)
    with Writer(store_db, str(tmp_path / "spill"), batch_rows=1000, flush_seconds=0.05) as w:
        for r in rows:
            w.write("attempts", **r)
        w.write("outcomes", ts=T0, attempt_id=1, landed=1, credited_route="rpc", signature="5" * 88)
    assert count(store_db, "attempts") == 3000 and count(store_db, "outcomes") == 1
    assert w.stats.rows_written == 3001 and w.stats.batches_spilled == 0


def test_writer_survives_backend_loss_exactly(store_db, tmp_path):
    spill = str(tmp_path / "spill")
    faulty = Faulty(store_db)
    rows = attempt_rows(4000)
    w = Writer(faulty, spill, batch_rows=250, flush_seconds=0.02)
    for k, mode in enumerate(["up", "down", "ack_lost", "down", "up"]):
        faulty.mode = mode
        for r in rows[k * 800:(k + 1) * 800]:
            w.write("attempts", **r)
        w.flush()
    assert w.stats.batches_spilled > 0 and w.stats.batches_replayed > 0
    faulty.mode = "down"
    w.write("attempts", ts=T0 + 10_000, shot_id=10**6)  # left on disk at close
    w.close()
    assert w.stats.spilled_pending >= 1 and os.listdir(spill)
    faulty.mode = "up"
    with Writer(faulty, spill, flush_seconds=0.02) as again:  # replays what the last one left
        again.flush()
    assert again.stats.spilled_pending == 0 and not [f for f in os.listdir(spill) if f.endswith(".npy")]
    assert count(store_db, "attempts") == 4001  # nothing lost, the ack-lost batches not doubled
    assert store_db.rows(f"SELECT uniqExact(shot_id) FROM {store_db.database}.attempts")[0][0] == 4001
    rolled = store_db.rows(f"SELECT countMerge(shots) FROM {store_db.database}.attempts_rollup")[0][0]
    assert rolled == 4001


def test_writer_sets_aside_a_damaged_spill_file(store_db, tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    (spill / "000000000000-attempts-deadbeef.npy").write_bytes(b"not numpy")
    with Writer(store_db, str(spill), flush_seconds=0.02) as w:
        w.write("attempts", ts=T0)
        w.flush()
    assert count(store_db, "attempts") == 1
    assert (spill / "000000000000-attempts-deadbeef.npy.rejected").exists()


def test_writer_refuses_unknown_tables_and_backpressures(store_db, tmp_path):
    faulty = Faulty(store_db)
    with Writer(faulty, str(tmp_path / "spill"), ring_rows=1024, batch_rows=1024, flush_seconds=0.01) as w:
        with pytest.raises(mevlib.InvalidRowError, match="no table"):
            w.write("attempt", ts=T0)
        faulty.mode = "stall"  # each insert takes a second: the ring fills behind it
        arr = np.repeat(records("attempts", attempt_rows(1)), 512)
        with pytest.raises(mevlib.WouldBlockError, match="behind"):
            for _ in range(100):
                w.write_array("attempts", arr, block=0.01)
        faulty.mode = "up"


def test_connect_dispatches_on_the_url(store_url):
    kind = (store.ServerBackend if store_url.startswith("clickhouse") else
            store.HttpBackend if store_url.startswith("http") else store.ChdbBackend)
    assert isinstance(store.connect(store_url), kind)
    http = store.connect("https://reader:p%40ss@ch.example:9443/analytics")
    assert isinstance(http, store.HttpBackend) and http.database == "analytics"
    assert (http._host, http._port, http._user, http._password, http._secure) == (
        "ch.example", 9443, "reader", "p@ss", True)
    assert store.connect("http://localhost")._port == 8123 and store.connect("https://h")._port == 8443
    with pytest.raises(mevlib.InvalidArgumentError, match="clickhouse://"):
        store.connect("postgres://u:secret@host/db")
    with pytest.raises(mevlib.InvalidArgumentError, match="one path per process"):
        store.ChdbBackend("/tmp/some-other-chdb-path")


@pytest.mark.parametrize("scheme", ["clickhouse", "http"])
def test_unreachable_server_spills_and_says_so(tmp_path, scheme):
    """A real connection attempt to a loopback port nobody listens on, over the native protocol
    and over HTTP."""
    from conftest import _free_port

    backend = store.connect(f"{scheme}://default:secret@127.0.0.1:{_free_port()}/mevlib")
    with pytest.raises(mevlib.StoreUnavailableError) as e:
        store.migrate(backend)
    assert isinstance(e.value, ConnectionError) and "secret" not in str(e.value)
    with Writer(backend, str(tmp_path / "spill"), flush_seconds=0.02) as w:
        w.write("attempts", ts=T0)
        w.flush()
        assert w.stats.batches_spilled == 1 and w.stats.rows_written == 0 and "127.0.0.1" in w.stats.last_error
    assert len(os.listdir(tmp_path / "spill")) == 1


def test_recorder_never_raises_into_the_sender(store_db, tmp_path):
    from mevlib.store import SenderRecorder

    with Writer(store_db, str(tmp_path / "spill"), flush_seconds=0.02) as w:
        rec = SenderRecorder(w)
        rec({"kind": "arm", "route": "r" * 80, "leader": "00" * 32, "landed": True, "alpha": 2.0, "beta": 1.0})
        rec({"kind": "arm", "route": "rpc", "leader": "00" * 32, "landed": True, "alpha": 2.0, "beta": 1.0})
        w.flush()
    assert rec.dropped == 1  # the 80-byte route name does not fit; the sender never saw an error
    assert count(store_db, "bandit_arm_events") == 1


def test_writes_racing_close_are_stored_or_refused(store_db, tmp_path):
    """Four threads write while the writer closes: each row is either stored or refused with
    StoreUnavailableError; none disappears in between."""
    import threading

    w = Writer(store_db, str(tmp_path / "spill"), flush_seconds=0.01)
    accepted = [0] * 4

    def writer(k):
        for i in range(100_000):
            try:
                w.write("attempts", ts=T0 + i, shot_id=k * 10**6 + i)
            except mevlib.StoreUnavailableError:
                return
            accepted[k] += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    w.close()
    for t in threads:
        t.join()
    assert 0 < sum(accepted) < 400_000
    assert count(store_db, "attempts") == sum(accepted)


def test_time_outside_datetime64_is_refused_at_write(tmp_path):
    """DateTime64(6) holds 1900-01-01 .. 2299-12-31 (ClickHouse docs, DateTime64): a later time
    would poison its whole batch at insert, so write() refuses it and names the field."""
    for ts in (4e12, 10_413_792_000.0, 2**62 * 1000 - 1):
        with pytest.raises(mevlib.InvalidRowError, match=r"attempts\.ts"):
            TABLES["attempts"].record({"ts": ts})
    TABLES["attempts"].record({"ts": 10_413_791_999.0})  # the last second of 2299


def test_a_permanently_failing_batch_is_quarantined_and_later_ones_go_in(store_db, tmp_path):
    spill = tmp_path / "spill"
    faulty = Faulty(store_db)
    rows = attempt_rows(600)
    poison = dict(rows[0], shot_id=POISON)
    w = Writer(faulty, str(spill), batch_rows=100, flush_seconds=0.02)
    for r in rows[:200]:
        w.write("attempts", **r)
    w.flush()
    w.write("attempts", **poison)  # refused on the first try: spilled, then quarantined
    w.flush()
    faulty.mode = "down"  # and once more while the backend is down, behind good batches
    for r in rows[200:400]:
        w.write("attempts", **r)
    w.flush()
    w.write("attempts", **poison)
    for r in rows[400:500]:
        w.write("attempts", **r)
    w.flush()
    faulty.mode = "up"
    for r in rows[500:]:
        w.write("attempts", **r)
    w.flush()
    w.flush()
    w.close()
    assert count(store_db, "attempts") == 600  # every good row, once
    assert w.stats.batches_quarantined == 2 and w.stats.spilled_pending == 0
    quarantined = sorted((spill / "quarantine").iterdir())
    batches = [f for f in quarantined if f.suffix == ".npy"]
    assert len(batches) == 2 and all(POISON in np.load(f)["shot_id"] for f in batches)
    assert all("Cannot parse" in f.with_suffix(".error").read_text() for f in batches)


def test_close_with_the_backend_down_spills_everything(store_db, tmp_path):
    spill = str(tmp_path / "spill")
    faulty = Faulty(store_db)
    rows = attempt_rows(700)
    faulty.mode = "crash"  # every insert meets an exception that is not ours, close()'s too
    w = Writer(faulty, spill, batch_rows=100, flush_seconds=60)
    for r in rows:
        w.write("attempts", **r)
    w.close()
    assert count(store_db, "attempts") == 0
    assert sum(len(np.load(os.path.join(spill, f))) for f in os.listdir(spill)) == 700
    faulty.mode = "up"
    with Writer(faulty, spill, flush_seconds=0.02) as again:
        again.flush()
    assert count(store_db, "attempts") == 700

