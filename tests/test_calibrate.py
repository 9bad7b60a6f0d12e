"""Calibration tables: the C lookup equals scikit-learn's IsotonicRegression.predict; damaged and
truncated files are refused while the table in use stays; calibrating from the store fixes
deliberately miscalibrated scores; the bandit's cost-aware choice goes through the tables."""
import random
import zlib

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

import mevlib
from mevlib import calibrate
from mevlib.store import TABLES


def fitted(seed=0, n=5000):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, n).astype(np.float32).astype(np.float64)
    y = (rng.uniform(0, 1, n) < x ** 2).astype(float)
    return IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(x, y)


def test_lookup_equals_sklearn_predict(tmp_path):
    model = fitted()
    path = tmp_path / "p.lut"
    calibrate.write_lut(str(path), *calibrate.knots(model), "p_land", "p_land/rpc")
    lut = mevlib.Lut(path)
    xs = np.random.default_rng(1).uniform(-0.5, 1.5, 100_000)  # out of range on both sides too
    xs[:len(model.X_thresholds_)] = model.X_thresholds_       # and exactly on every knot
    assert np.max(np.abs(lut.predict(xs) - model.predict(xs))) < 1e-6
    assert abs(lut(0.42) - model.predict([0.42])[0]) < 1e-6
    assert lut.predict(xs.reshape(100, 1000)).shape == (100, 1000)
    assert np.isnan(lut(float("nan")))
    info = lut.info
    assert info["kind"] == "p_land" and info["domain"] == "p_land/rpc" and info["count"] == len(model.X_thresholds_)


def test_single_knot_and_ev_kind(tmp_path):
    path = tmp_path / "ev.lut"
    calibrate.write_lut(str(path), [5.0], [3.5], "ev", "ev")
    lut = mevlib.Lut(path)
    assert lut(-1e9) == lut(5.0) == lut(1e12) == 3.5 and lut.info["kind"] == "ev"


def test_damaged_and_truncated_files_are_refused(tmp_path):
    good = tmp_path / "good.lut"
    calibrate.write_lut(str(good), *calibrate.knots(fitted()), "p_land", "p_land/rpc")
    data = good.read_bytes()
    lut = mevlib.Lut(good)
    before = lut.predict(np.linspace(0, 1, 50))
    bad = tmp_path / "bad.lut"
    rng = random.Random(5)
    cases = [data[:n] for n in (0, 10, 95, 100, len(data) - 1)] + [data + b"\0"]
    for _ in range(30):
        b = bytearray(data)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        cases.append(bytes(b))
    for blob in cases:
        bad.write_bytes(blob)
        with pytest.raises(mevlib.CorruptDataError) as e:
            mevlib.Lut(bad)
        assert isinstance(e.value, ValueError)
        with pytest.raises(mevlib.CorruptDataError):
            lut.reload(bad)
    assert np.array_equal(lut.predict(np.linspace(0, 1, 50)), before) and lut.info["generation"] == 1
    with pytest.raises(FileNotFoundError):
        mevlib.Lut(tmp_path / "missing.lut")


def test_reload_swaps_the_table(tmp_path):
    path = tmp_path / "p.lut"
    calibrate.write_lut(str(path), [0.0, 1.0], [0.0, 1.0], "p_land", "v1")
    lut = mevlib.Lut(path)
    assert lut(0.25) == 0.25
    calibrate.write_lut(str(path), [0.0, 1.0], [0.5, 0.5], "p_land", "v2")  # atomically replaced
    lut.reload()
    assert lut(0.25) == 0.5 and lut.info["generation"] == 2 and lut.info["domain"] == "v2"


def test_writer_refuses_bad_knots(tmp_path):
    for x, y in (([0.2, 0.1], [0, 1]), ([0.1, 0.1], [0, 1]), ([0.1, np.nan], [0, 1]), ([], [])):
        with pytest.raises(mevlib.InvalidArgumentError):
            calibrate.write_lut(str(tmp_path / "x.lut"), x, y, "p_land", "x")


def test_scores():
    y = np.array([1, 0, 1, 0])
    assert calibrate.brier([1, 0, 1, 0], y) == 0 and calibrate.ece([1, 0, 1, 0], y) == 0
    assert calibrate.ece([0.5] * 4, y) == 0 and calibrate.brier([0.5] * 4, y) == 0.25
    assert calibrate.ece([0.9] * 4, y) == pytest.approx(0.4)


def miscalibrated_rows(route, n, rng, shape):
    """A sender whose raw scores are badly off: the true landing probability is `shape(score)`."""
    rows = []
    for i in range(n):
        score = rng.random()
        rows.append({"ts": 1_790_000_000 + i * 0.05, "shot_id": i, "route": route, "p_raw": score,
                     "landed": int(rng.random() < shape(score))})
    return rows


def test_calibration_from_the_store_improves_ece(store_db, tmp_path):
    rng = random.Random(11)
    rows = (miscalibrated_rows("jito-ny", 6000, rng, lambda s: s ** 3)            # overconfident
            + miscalibrated_rows("rpc", 6000, rng, lambda s: 0.2 + 0.6 * s ** 0.5)  # compressed
            + miscalibrated_rows("sparse", 50, rng, lambda s: s))                  # too little data
    store_db.insert(TABLES["attempts"], np.concatenate([TABLES["attempts"].record(r) for r in rows]), "b1")
    outcomes = [{"ts": 1_790_000_000 + i, "attempt_id": i, "ev_lamports": ev, "realized_lamports": 0.4 * ev + rng.gauss(0, 50)}
                for i, ev in enumerate(rng.uniform(0, 10_000) for _ in range(3000))]
    store_db.insert(TABLES["outcomes"], np.concatenate([TABLES["outcomes"].record(r) for r in outcomes]), "b2")
    out = tmp_path / "luts"
    fits = {f.domain: f for f in calibrate.calibrate(store_db, str(out), min_rows=500)}
    for route in ("jito-ny", "rpc"):
        f = fits[f"p_land/{route}"]
        assert f.before["ece"] > 0.08 and f.after["ece"] < f.before["ece"] / 3, f
        assert f.after["brier"] < f.before["brier"]
        lut = mevlib.Lut(f.path)
        assert abs(lut(0.5) - (0.125 if route == "jito-ny" else 0.2 + 0.6 * 0.5 ** 0.5)) < 0.08
    assert fits["p_land/sparse"].path is None and "too little data" in fits["p_land/sparse"].skipped
    assert not (out / "p_land-sparse.lut").exists()
    assert fits["ev"].after["mae"] < fits["ev"].before["mae"] / 3 and mevlib.Lut(fits["ev"].path).info["kind"] == "ev"
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (out / "report.json").exists()
    assert "too little data" in calibrate.describe(list(fits.values()))


def test_cli_runs_once(store_db, store_url, tmp_path, capsys):
    rows = miscalibrated_rows("rpc", 800, random.Random(2), lambda s: s * s)
    store_db.insert(TABLES["attempts"], np.concatenate([TABLES["attempts"].record(r) for r in rows]), "b")
    from mevlib.__main__ import main

    assert main(["calibrate", "--url", store_url, "--database", store_db.database, "--out", str(tmp_path),
                 "--min-rows", "300"]) == 0
    assert "p_land/rpc" in capsys.readouterr().out and (tmp_path / "p_land-rpc.lut").exists()
    assert calibrate.parse_every("1h") == 3600 and calibrate.parse_every("90s") == 90
    with pytest.raises(mevlib.InvalidArgumentError):
        calibrate.parse_every("hourly")


def test_bandit_cost_aware_choice_uses_the_tables(tmp_path):
    never = tmp_path / "never.lut"
    calibrate.write_lut(str(never), [0.0, 1.0], [0.0, 0.0], "p_land", "p_land/a")  # a never lands
    bandit = mevlib.RouteBandit(["a", "b"], seed=3, costs={"a": 1.0, "b": 1.0})
    for _ in range(50):
        bandit.update("a", None, True)   # a looks far better on its raw posterior
        bandit.update("b", None, False)
    picks = [bandit.choose(1, value=100.0)[0] for _ in range(200)]
    assert picks.count("a") > 190
    bandit.set_calibration("a", mevlib.Lut(never))
    picks = [bandit.choose(1, value=100.0)[0] for _ in range(200)]
    assert picks.count("a") == 0                  # calibrated: a's 0 * value - cost loses
    assert bandit.choose(1)[0] == "a"             # ranking by raw p alone is unchanged
    bandit.set_calibration("a", None)
    assert bandit.choose(1, value=100.0)[0] == "a"
    with pytest.raises(mevlib.InvalidTypeError):
        bandit.set_calibration("a", "never.lut")


def test_probability_tables_hold_probabilities(tmp_path):
    """A p_land table whose values leave [0, 1] is refused: an EV computed from p = 1.3 would tip
    for a 130% chance of landing. Written raw, past write_lut's own checks, as a damaged or
    foreign file would be."""
    path = tmp_path / "p.lut"
    for y in ([0.0, 1.5], [-0.01, 0.5]):
        raw = bytearray(calibrate.lut_bytes([0.0, 1.0], y, "ev", "x"))
        raw[12:16] = (1).to_bytes(4, "little")  # kind: p_land
        raw[-4:] = zlib.crc32(bytes(raw[:-4])).to_bytes(4, "little")
        path.write_bytes(bytes(raw))
        with pytest.raises(mevlib.CorruptDataError, match="calibration table"):
            mevlib.Lut(path)
    calibrate.write_lut(str(path), [0.0, 1.0], [1.5, 2.0], "ev", "ev")  # any value for an EV table
    assert mevlib.Lut(path)(0.0) == 1.5


def test_errors_name_the_calibration_table(tmp_path):
    bad = tmp_path / "bad.lut"
    bad.write_bytes(b"MEVLUT\0\0" + bytes(200))
    with pytest.raises(mevlib.CorruptDataError) as e:
        mevlib.Lut(bad)
    assert "calibration table" in str(e.value) and "ring" not in str(e.value)


def test_a_fifo_or_device_is_refused_at_once(tmp_path):
    """open() of a FIFO blocks until a writer comes, with the GIL held: it must never be tried."""
    import os

    from forking import in_child

    fifo = tmp_path / "p.lut"
    os.mkfifo(fifo)

    def body():
        for path in (fifo, "/dev/zero", tmp_path):
            try:
                mevlib.Lut(path)
                return 1
            except mevlib.InvalidArgumentError as e:
                if "regular file" not in str(e):
                    return 2
        return 0

    assert in_child(body, timeout=10) == 0
