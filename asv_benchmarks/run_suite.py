"""Runs the asv suite's `time_*` benchmarks (asv_benchmarks/benchmarks/) without asv, in this
process, and prints {benchmark: seconds per call} as JSON (the median of `repeat` timeit runs).
`asv_benchmarks/pgo.py` uses it to train a profile-guided build and to compare builds."""
import importlib
import inspect
import itertools
import json
import pathlib
import statistics
import sys
import timeit

HERE = pathlib.Path(__file__).resolve().parent
SKIP = ("sklearn",)  # peers, not ours: they would only add noise to a comparison of our builds


def cases():
    sys.path.insert(0, str(HERE))
    for path in sorted((HERE / "benchmarks").glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            params = getattr(cls, "params", None)
            grid = [()] if params is None else (
                list(itertools.product(*params)) if params and isinstance(params[0], list) else [(p,) for p in params])
            for method in [m for m in dir(cls) if m.startswith("time_") and not any(s in m for s in SKIP)]:
                for p in grid:
                    yield f"{path.stem}.{cls_name}.{method}" + (f"({', '.join(map(str, p))})" if p else ""), cls, method, p


def main(repeat: int = 5) -> None:
    results = {}
    for name, cls, method, p in cases():
        bench = cls()
        if hasattr(bench, "setup"):
            bench.setup(*p)
        fn = getattr(bench, method)
        timer = timeit.Timer(lambda: fn(*p))
        number, _ = timer.autorange()
        results[name] = statistics.median(t / number for t in timer.repeat(repeat, number))
        if hasattr(bench, "teardown"):
            bench.teardown(*p)
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
