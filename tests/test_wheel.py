"""The wheel `make wheel` repairs (auditwheel: manylinux, with libsodium, libcurl and what they pull
inside) installs into a fresh venv with only the core's dependencies and works there."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_wheel_works_in_a_fresh_venv(tmp_path):
    wheels = sorted((ROOT / "dist").glob("mevlib-*-manylinux_*.whl"))
    if not wheels:
        pytest.fail("no repaired wheel in dist/: `make test` builds it with `make wheel`")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = str(venv / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-c", str(ROOT / "constraints.txt"), str(wheels[-1])], check=True, timeout=600)
    installed = subprocess.run([py, "-m", "pip", "list", "--format=freeze"], capture_output=True,
                               text=True, check=True).stdout
    names = {line.split("==")[0].lower() for line in installed.split()}
    assert {"mevlib", "numpy", "solders"} <= names  # the core, and none of the extras
    assert not names & {"chdb", "scikit-learn", "matplotlib", "aiohttp", "confluent-kafka", "pyarrow", "cffi"}
    # from outside the source tree, so the installed package is the one imported
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([py, str(ROOT / "tests" / "wheel_smoke.py")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "wheel smoke ok" in out.stdout, out.stdout + out.stderr
