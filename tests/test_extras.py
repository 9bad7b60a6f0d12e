"""A bot installed with the core alone (numpy and solders): `import mevlib` and the core work, and
each optional feature says which extra to install instead of failing deep inside."""
import subprocess
import sys

import pytest

OPTIONAL = ("chdb", "clickhouse_driver", "clickhouse_connect", "sklearn", "matplotlib", "aiohttp",
            "confluent_kafka", "cffi", "pyarrow", "scipy", "pandas", "grpc", "websockets")

PRELUDE = f"""
import sys
for name in {OPTIONAL!r}:
    sys.modules[name] = None  # as if not installed: importing it raises ModuleNotFoundError
import mevlib
"""


def run(body):
    return subprocess.run([sys.executable, "-c", PRELUDE + body], capture_output=True, text=True, timeout=120)


def test_the_core_needs_no_extra():
    r = run("""
from solders.keypair import Keypair
import numpy as np
s = mevlib.Signer(Keypair())
assert len(s.sign(b"m")) == 64
r = mevlib.Ring(1024); r.push(b"x"); assert r.pop() == b"x"
from mevlib import routes, sender, feed, landing
mevlib.RouteBandit(["a", "b"])
print("core ok")
""")
    assert r.returncode == 0 and "core ok" in r.stdout, r.stderr


@pytest.mark.parametrize("feature, extra", [
    ("from mevlib.store import connect; connect()", "store"),
    ("from mevlib.store import connect; connect('clickhouse://localhost:9000/x')", "store"),
    ("from mevlib.store import connect; connect('http://localhost:8123/x')", "store"),
    ("from mevlib.calibrate import fit_isotonic; fit_isotonic([0.1, 0.2], [0, 1])", "calibrate"),
    ("from mevlib.calibrate import reliability_png; reliability_png('/tmp/x.png', [])", "report"),
    ("from mevlib.monitor.server import Monitor, start_in_thread\n"
     "from mevlib.ring import RecordRing\nfrom mevlib.monitor import EVENT_DTYPE\n"
     "start_in_thread(Monitor(RecordRing(EVENT_DTYPE, 64)))", "monitor"),
    ("from mevlib.feed import KafkaSource; KafkaSource('127.0.0.1:9', topics=['t'])", "feed"),
    ("import mevlib.sim.plugin", "sim"),
    ("from mevlib.feed import PubSubSource; PubSubSource('ws://127.0.0.1:1/')", "feed"),
    ("from mevlib.feed import YellowstoneSource; YellowstoneSource('http://127.0.0.1:1')", "feed"),
    ("from mevlib.sim import Simulator; Simulator(pubsub=True)", "sim"),
    ("from mevlib.sim import Simulator; Simulator(yellowstone=True)", "sim"),
])
def test_a_missing_extra_is_named(feature, extra):
    r = run(f"""
try:
{chr(10).join('    ' + line for line in feature.splitlines())}
except mevlib.MissingExtraError as e:
    assert isinstance(e, ImportError)
    print("missing:", e)
""")
    assert r.returncode == 0, r.stderr
    assert f"pip install 'mevlib[{extra}]'" in r.stdout, r.stdout + r.stderr
