"""Calibration: from what the store recorded to the tables the C core reads.

For each route, an isotonic regression maps the raw score the sender used (``attempts.p_raw``)
to how often such shots actually landed; one more maps the value strategies claimed
(``outcomes.ev_lamports``) to what landing returned. Each fit is judged on a held-out part of
the data (the latest 30% in time), before and after: Brier score and expected calibration error
(10 equal-width bins) for p_land, mean absolute error for EV, and a reliability plot. A route
with too little data is not fitted: its previous table stays, and the report says so.
Tables are written atomically (temp file + rename), so a running bot reloads whole files only.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import struct
import sys
import tempfile
import time
import zlib

import numpy as np

from mevlib._extras import require
from mevlib.errors import InvalidArgumentError

LUT_MAGIC = b"MEVLUT\0\0"
LUT_VERSION = 1
LUT_KINDS = {"p_land": 1, "ev": 2}
HOLDOUT = 0.3


# --- the file format (docs/formats.md) -----------------------------------------------------------
def lut_bytes(x, y, kind: str, domain: str, created_at_ns: int | None = None) -> bytes:
    x = np.asarray(x, dtype="<f4")
    y = np.asarray(y, dtype="<f4")
    if x.ndim != 1 or x.shape != y.shape or len(x) == 0:
        raise InvalidArgumentError("knots: two 1-d arrays of the same non-zero length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y)) and np.all(np.diff(x) > 0)):
        raise InvalidArgumentError("knots must be finite, with x strictly increasing")
    if kind == "p_land" and not np.all((y >= 0) & (y <= 1)):
        raise InvalidArgumentError("a p_land table's values are probabilities, in [0, 1]")
    name = domain.encode()
    if len(name) > 64 or kind not in LUT_KINDS:
        raise InvalidArgumentError(f"domain up to 64 bytes, kind one of {sorted(LUT_KINDS)}")
    created = time.time_ns() if created_at_ns is None else created_at_ns
    body = (LUT_MAGIC + struct.pack("<IIqII", LUT_VERSION, LUT_KINDS[kind], created, len(x), 0)
            + name.ljust(64, b"\0") + x.tobytes() + y.tobytes())
    return body + struct.pack("<I", zlib.crc32(body))


def write_lut(path: str, x, y, kind: str, domain: str) -> None:
    """Writes a table atomically: readers see the old file or the new one, never a mix."""
    data = lut_bytes(x, y, kind, domain)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lut-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def knots(model) -> tuple[np.ndarray, np.ndarray]:
    """A fitted IsotonicRegression's knots, as the table stores them."""
    return model.X_thresholds_.astype(np.float32), model.y_thresholds_.astype(np.float32)


# --- fitting and scoring ---------------------------------------------------------------------------
def fit_isotonic(x, y, *, y_min=None, y_max=None):
    IsotonicRegression = require("sklearn.isotonic", "calibrate", "calibration").IsotonicRegression

    # x as float32 first: the knots are then exactly what the table stores
    return IsotonicRegression(out_of_bounds="clip", y_min=y_min, y_max=y_max).fit(
        np.asarray(x, dtype=np.float32).astype(np.float64), np.asarray(y, dtype=np.float64))


def brier(p, y) -> float:
    p, y = np.asarray(p, float), np.asarray(y, float)
    return float(np.mean((p - y) ** 2))


def ece(p, y, bins: int = 10) -> float:
    """Expected calibration error: the bin-weighted gap between mean prediction and frequency."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.mean() * abs(p[m].mean() - y[m].mean())
    return float(total)


@dataclasses.dataclass
class Fit:
    domain: str                  # "p_land/<route>" or "ev"
    rows: int
    path: str | None = None      # the table written; None when not fitted
    skipped: str = ""            # why it was not fitted
    before: dict = dataclasses.field(default_factory=dict)  # held-out scores, raw
    after: dict = dataclasses.field(default_factory=dict)   # held-out scores, calibrated
    curve: tuple | None = dataclasses.field(default=None, repr=False)  # (p_raw, p_cal, y) held out


def _split(n: int) -> int:
    return int(n * (1 - HOLDOUT))


def calibrate_p_land(route: str, score, landed, out_dir: str, min_rows: int) -> Fit:
    score, landed = np.asarray(score, float), np.asarray(landed, float)
    fit = Fit(f"p_land/{route}", len(score))
    if len(score) < min_rows or landed.min(initial=0) == landed.max(initial=0):
        fit.skipped = (f"too little data: {len(score)} rows (need {min_rows}) with both outcomes; "
                       "the previous table (if any) stays")
        return fit
    cut = _split(len(score))
    model = fit_isotonic(score[:cut], landed[:cut], y_min=0.0, y_max=1.0)
    held_p, held_y = score[cut:], landed[cut:]
    cal = model.predict(held_p.astype(np.float32))
    fit.before = {"brier": brier(held_p, held_y), "ece": ece(held_p, held_y)}
    fit.after = {"brier": brier(cal, held_y), "ece": ece(cal, held_y)}
    fit.curve = (held_p, cal, held_y)
    fit.path = os.path.join(out_dir, f"p_land-{_safe(route)}.lut")
    write_lut(fit.path, *knots(model), "p_land", fit.domain)
    return fit


def calibrate_ev(claimed, realised, out_dir: str, min_rows: int) -> Fit:
    claimed, realised = np.asarray(claimed, float), np.asarray(realised, float)
    fit = Fit("ev", len(claimed))
    if len(claimed) < min_rows:
        fit.skipped = f"too little data: {len(claimed)} outcomes (need {min_rows}); the previous table stays"
        return fit
    cut = _split(len(claimed))
    model = fit_isotonic(claimed[:cut], realised[:cut])
    pred = model.predict(claimed[cut:].astype(np.float32))
    fit.before = {"mae": float(np.mean(np.abs(claimed[cut:] - realised[cut:])))}
    fit.after = {"mae": float(np.mean(np.abs(pred - realised[cut:])))}
    fit.path = os.path.join(out_dir, "ev.lut")
    write_lut(fit.path, *knots(model), "ev", "ev")
    return fit


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def reliability_png(path: str, fits: list[Fit]) -> None:
    """Observed landing frequency against predicted probability, raw and calibrated, per route."""
    require("matplotlib", "report", "the reliability plot").use("Agg")
    import matplotlib.pyplot as plt

    shown = [f for f in fits if f.curve is not None]
    fig, axes = plt.subplots(1, max(1, len(shown)), figsize=(4.2 * max(1, len(shown)), 4), squeeze=False)
    for ax, f in zip(axes[0], shown):
        raw, cal, y = f.curve
        for p, label in ((raw, f"raw (ECE {f.before['ece']:.3f})"), (cal, f"calibrated (ECE {f.after['ece']:.3f})")):
            which = np.minimum((p * 10).astype(int), 9)
            xs = [p[which == b].mean() for b in range(10) if (which == b).any()]
            ys = [y[which == b].mean() for b in range(10) if (which == b).any()]
            ax.plot(xs, ys, marker="o", label=label)
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
        ax.set(title=f.domain, xlabel="predicted p_land", ylabel="landed (held-out)", xlim=(0, 1), ylim=(0, 1))
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# --- from the store ------------------------------------------------------------------------------
def calibrate(backend, out_dir: str, *, min_rows: int = 500, since_hours: float | None = None,
              report: bool = True) -> list[Fit]:
    """Fits every route's p_land table and the EV table from the store; writes the tables, a
    reliability plot (report.png) and the numbers (report.json) into out_dir."""
    db = backend.database
    where = f"WHERE ts >= now64(6) - toIntervalSecond({int(since_hours * 3600)})" if since_hours else ""
    shots = backend.columns(f"SELECT route, p_raw, landed FROM {db}.attempts {where} ORDER BY ts")
    routes = shots["route"].astype(str)
    fits = []
    for route in sorted(set(routes.tolist())):
        mine = routes == route
        fits.append(calibrate_p_land(route, shots["p_raw"][mine].astype(float), shots["landed"][mine].astype(float),
                                     out_dir, min_rows))
    ev = backend.columns(f"SELECT ev_lamports, realized_lamports FROM {db}.outcomes {where} ORDER BY ts")
    fits.append(calibrate_ev(ev["ev_lamports"].astype(float), ev["realized_lamports"].astype(float), out_dir, min_rows))
    if report:
        os.makedirs(out_dir, exist_ok=True)
        reliability_png(os.path.join(out_dir, "report.png"), fits)
        with open(os.path.join(out_dir, "report.json"), "w") as f:
            json.dump([{k: v for k, v in dataclasses.asdict(x).items() if k != "curve"} for x in fits], f, indent=1)
    return fits


def describe(fits: list[Fit]) -> str:
    lines = []
    for f in fits:
        if f.skipped:
            lines.append(f"  {f.domain:<24} {f.rows:>8} rows  not fitted: {f.skipped}")
        else:
            scores = ", ".join(f"{k} {f.before[k]:.4f} -> {f.after[k]:.4f}" for k in f.before)
            lines.append(f"  {f.domain:<24} {f.rows:>8} rows  {scores}  -> {f.path}")
    return "\n".join(lines)


def parse_every(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if not m:
        raise InvalidArgumentError(f"--every takes a number and s, m, h or d (e.g. 1h), not {text!r}")
    return float(m[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m[2]]


def main(argv=None) -> int:
    from mevlib import store

    ap = argparse.ArgumentParser(prog="mevlib calibrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=None, help="clickhouse://..., http(s)://... or chdb://PATH (default: CLICKHOUSE_URL, else chDB)")
    ap.add_argument("--database", default="mevlib")
    ap.add_argument("--out", default="luts", help="directory for the tables and the report")
    ap.add_argument("--min-rows", type=int, default=500)
    ap.add_argument("--since-hours", type=float, default=None, help="only the latest N hours")
    ap.add_argument("--every", default=None, help="recalibrate on a schedule, e.g. 1h")
    args = ap.parse_args(argv)
    every = parse_every(args.every) if args.every else None
    backend = store.connect(args.url, database=args.database)
    while True:
        started = time.monotonic()
        fits = calibrate(backend, args.out, min_rows=args.min_rows, since_hours=args.since_hours)
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} calibrated from {backend.url.split('@')[-1]}:")
        print(describe(fits), flush=True)
        if every is None:
            return 0
        time.sleep(max(0.0, every - (time.monotonic() - started)))


if __name__ == "__main__":
    sys.exit(main())
