"""Which codec for each column of `attempts`: every candidate on the same synthetic rows
(benchmarks.common.attempts_sql), sorted by the table's key, compressed sizes side by side.
The DDL's choices (mevlib/store/sql/001_tables.sql) come from this table. Run:
    .venv/bin/python asv_benchmarks/codec_sweep.py [rows]"""
import os
import sys
import tempfile

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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000)
