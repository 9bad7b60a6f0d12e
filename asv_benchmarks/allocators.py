"""The engine and feed benchmarks (peers.py) under glibc's malloc, mimalloc and jemalloc
(Debian's libmimalloc2.0 and libjemalloc2 through LD_PRELOAD), interleaved round by round in one
run; prints each allocator's median against glibc's. `make bench` runs it."""
import os
import pathlib
import re
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
LIBDIR = "/usr/lib/x86_64-linux-gnu"
ALLOCATORS = {"glibc": None, "mimalloc": f"{LIBDIR}/libmimalloc.so.2", "jemalloc": f"{LIBDIR}/libjemalloc.so.2"}
# (table, row label, column: 0 = first number on the row, "lower" or "higher" is better)
METRICS = [
    ("engine", "inline feed, busy-polling ring, one transaction", "p50 µs", "lower"),
    ("engine", "feed thread (default), one transaction", "p50 µs", "lower"),
    ("engine", "inline feed, busy-polling ring, 3 tip variants", "p50 µs", "lower"),
    ("feed", "ring:// (consumer busy-polls its core)", "p50 µs", "lower"),
    ("feed", "ring:// (consumer sleeps after 50 µs)", "p50 µs", "lower"),
    ("feed", "mevlib plugin core (C, librdkafka)", "updates/s", "higher"),  # noisy: see performance.md
]


def run(table: str, preload: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if preload:
        env["LD_PRELOAD"] = preload
    out = subprocess.run([sys.executable, str(HERE / "peers.py"), table], env=env, capture_output=True,
                         text=True, timeout=900).stdout
    found = {}
    for line in out.splitlines():
        for t, label, _, _ in METRICS:
            if t == table and line.strip().startswith(label):
                number = re.search(r"([\d,]+(?:\.\d+)?)", line.strip()[len(label):])
                if number:
                    found[label] = float(number.group(1).replace(",", ""))
    return found


def main(rounds: int = 2) -> None:
    available = {name: lib for name, lib in ALLOCATORS.items() if lib is None or os.path.exists(lib)}
    results = {name: {label: [] for _, label, _, _ in METRICS} for name in available}
    for _ in range(rounds):
        for table in ("engine", "feed"):
            for name, lib in available.items():  # interleaved: the machine's drift hits all alike
                for label, value in run(table, lib).items():
                    results[name][label].append(value)
    print(f"\nAllocators (LD_PRELOAD), medians of {rounds} interleaved rounds; ratio against glibc "
          "(> 1: better than glibc)")
    names = list(available)
    print(f"  {'benchmark':<54} " + " ".join(f"{n:>16}" for n in names))
    for _, label, unit, better in METRICS:
        base = results["glibc"][label]
        if not base:
            continue
        row = []
        for n in names:
            vals = results[n][label]
            if not vals:
                row.append(f"{'-':>16}")
                continue
            med, ref = statistics.median(vals), statistics.median(base)
            ratio = ref / med if better == "lower" else med / ref
            row.append(f"{med:>9,.1f} {ratio:>5.2f}×")
        print(f"  {label + ' (' + unit + ')':<54} " + " ".join(row))
    missing = [n for n, lib in ALLOCATORS.items() if n not in available]
    if missing:
        print(f"  not installed here: {', '.join(missing)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
