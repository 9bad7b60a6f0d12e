"""Which codec for each column of `attempts`: every candidate on the same synthetic rows
(benchmarks.common.attempts_sql), sorted by the table's key, compressed sizes side by side.
The DDL's choices (mevlib/store/sql/001_tables.sql) come from this table. Then, as a yardstick
for what any codec could reach, xz at its strongest setting on each column's raw and delta-coded
values in the same order (slow: 6 minutes at the default 2 M rows, 30 at 10 M). Run:
    .venv/bin/python asv_benchmarks/codec_sweep.py [rows]"""
import lzma
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchmarks.common import attempts_sql  # noqa: E402

from mevlib import store  # noqa: E402

INTS = ["LZ4", "ZSTD(1)", "ZSTD(3)", "Delta, ZSTD(1)", "DoubleDelta, ZSTD(1)", "T64, ZSTD(1)", "Delta, T64, ZSTD(1)"]
FLOATS = ["LZ4", "ZSTD(1)", "ZSTD(3)", "Gorilla, ZSTD(1)", "FPC, ZSTD(1)", "Gorilla", "FPC"]
STRINGS = ["LZ4", "ZSTD(1)", "ZSTD(3)"]


def main(rows: int) -> None:
    backend = store.connect(f"chdb://{tempfile.mkdtemp(prefix='mevlib-sweep-')}", database="sweep")
    store.migrate(backend)
    cols = store.TABLES["attempts"].columns
    defs, selects, names = [], [], {}
    for c in cols:
        base = c.sql_type
        variants = FLOATS if base == "Float32" else STRINGS if "String" in base else INTS
        types = [base] + (["String"] if base.startswith("LowCardinality") else [])
        for t in types:
            for i, codec in enumerate(variants):
                name = f"{c.name}__{'lc' if t != 'String' and 'String' in t else 'plain'}{i}"
                defs.append(f"{name} {t} CODEC({codec})")
                selects.append(f"{c.name} AS {name}")
                names[name] = (c.name, t, codec)
    backend.execute(f"CREATE TABLE sweep.codecs ({', '.join(defs)}) ENGINE = MergeTree ORDER BY (route__lc0, ts__plain0)")
    backend.execute(f"INSERT INTO sweep.codecs SELECT {', '.join(selects)} FROM ({attempts_sql(rows)})")
    backend.execute("OPTIMIZE TABLE sweep.codecs FINAL")
    sizes = dict(backend.rows("SELECT name, data_compressed_bytes FROM system.columns WHERE database = 'sweep' AND table = 'codecs'"))
    print(f"{rows:,} rows, ORDER BY (route, ts); bytes per row")
    for c in cols:
        cands = sorted(((sizes[n] / rows, t, codec) for n, (col, t, codec) in names.items() if col == c.name))
        print(f"  {c.name:<13} " + "  ".join(f"{codec}{'' if t == c.sql_type else ' [' + t + ']'}: {b:.2f}" for b, t, codec in cands[:4])
              + f"   (LZ4: {sizes[next(n for n, v in names.items() if v[0] == c.name and v[2] == 'LZ4' and v[1] == c.sql_type)] / rows:.2f})")
    backend.execute(f"INSERT INTO sweep.attempts SELECT * FROM ({attempts_sql(rows)})")
    backend.execute("OPTIMIZE TABLE sweep.attempts FINAL")
    ours = dict(backend.rows("SELECT name, data_compressed_bytes FROM system.columns "
                             "WHERE database = 'sweep' AND table = 'attempts'"))
    values = backend.columns("SELECT * REPLACE (toUnixTimestamp64Micro(ts) AS ts) FROM sweep.attempts "
                             "ORDER BY route, ts, shot_id")
    print("\nxz -9e on each column in the table's order, best of raw and delta-coded values; bytes per row")
    print(f"  {'column':<13} {'xz -9e':>7} {'our codec':>10}")
    total_xz = 0.0
    for c in cols:
        v = values[c.name]
        if v.dtype == object:  # names: as a dictionary's indices, which is what LowCardinality stores
            v = np.unique(v, return_inverse=True)[1].astype(np.uint16)
        v = np.ascontiguousarray(v)
        coded = [v, np.diff(v.astype(np.int64), prepend=0).astype(v.dtype)] if v.dtype.kind in "iu" else [v]
        xz = min(len(lzma.compress(x.tobytes(), preset=9 | lzma.PRESET_EXTREME)) for x in coded) / rows
        total_xz += xz
        print(f"  {c.name:<13} {xz:>7.2f} {ours[c.name] / rows:>10.2f}")
    print(f"  {'total':<13} {total_xz:>7.2f} {sum(ours.values()) / rows:>10.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000)
