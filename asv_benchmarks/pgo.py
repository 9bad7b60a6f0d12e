"""`make pgo`: a profile-guided build of the C core and the wrappers, and whether it wins.

Builds three copies of the package under build/pgo/ (the same compiler and flags as `make build`
otherwise): `off`, the usual build; `gen`, instrumented (-fprofile-generate), which runs the asv
suite once to record a profile; `on`, built with that profile (-fprofile-use). Then times the
suite on `off` and `on`, interleaved, and prints the change per benchmark. The PGO extensions
replace the in-place ones only if the median benchmark is at least 2% faster with them."""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PGO = ROOT / "build" / "pgo"
PROFILE = PGO / "profile"
ROUNDS = 3


def build(variant: str, cflags: str, ldflags: str = "") -> pathlib.Path:
    out = PGO / variant
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ROOT / "mevlib", out / "mevlib",
                    ignore=shutil.ignore_patterns("*.so", "_*.c", ".built", "__pycache__"))
    env = dict(os.environ, MEVLIB_EXTRA_CFLAGS=cflags, MEVLIB_EXTRA_LDFLAGS=ldflags)
    # one build-temp for every variant: the profile is keyed by object file path
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--force", "--build-lib", str(out),
                    "--build-temp", str(PGO / "temp")], cwd=ROOT, env=env, check=True)
    return out


def suite(tree: pathlib.Path, repeat: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, str(ROOT / "asv_benchmarks" / "run_suite.py"), str(repeat)],
                         cwd=PGO, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    shutil.rmtree(PGO, ignore_errors=True)
    PROFILE.mkdir(parents=True)
    off = build("off", "")
    gen = build("gen", f"-fprofile-generate -fprofile-update=atomic -fprofile-dir={PROFILE}",
                "-fprofile-generate")
    suite(gen, 1)  # the training run: the profile is written as the process exits
    on = build("on", f"-fprofile-use -fprofile-correction -Wno-missing-profile -fprofile-dir={PROFILE}")
    times = {"off": [], "on": []}
    for _ in range(ROUNDS):  # interleaved: the machine's drift hits both alike
        times["off"].append(suite(off, 5))
        times["on"].append(suite(on, 5))
    names = sorted(times["off"][0])
    ratios = []
    print(f"\nProfile-guided build (gcc -fprofile-use, trained on the asv suite), medians of {ROUNDS} "
          "interleaved rounds; speed-up > 1 means PGO is faster")
    print(f"  {'benchmark':<58} {'usual':>10} {'PGO':>10} {'speed-up':>9}")
    for name in names:
        a = statistics.median(r[name] for r in times["off"])
        b = statistics.median(r[name] for r in times["on"])
        ratios.append(a / b)
        print(f"  {name:<58} {a * 1e6:>8.3f}µs {b * 1e6:>8.3f}µs {a / b:>8.2f}×")
    median = statistics.median(ratios)
    keep = median >= 1.02
    print(f"  median speed-up {median:.3f}× over {len(ratios)} benchmarks "
          f"(range {min(ratios):.2f}–{max(ratios):.2f}×): "
          + ("installing the PGO extensions in mevlib/ (make build puts the usual ones back)" if keep
             else "below 2%: keeping the usual build"))
    if keep:
        for so in (on / "mevlib").glob("*.so"):
            shutil.copy2(so, ROOT / "mevlib" / so.name)


if __name__ == "__main__":
    main()
