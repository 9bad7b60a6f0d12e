"""The Rust shim built offline and loaded the way Agave's plugin manager loads it (the harness
opens the .so, boxes `_create_plugin`'s trait object, drives on_load / update_account /
update_slot_status / on_unload); what it sends through a ring:// sink reaches mevlib.feed."""
import json
import pathlib
import subprocess

import mevlib
from mevlib.feed import CONFIRMED, DEAD, AccountUpdate, Feed, RingSource, SlotUpdate

ROOT = pathlib.Path(__file__).resolve().parent.parent
HARNESS, PLUGIN = ROOT / "build/gk/mevgk-harness", ROOT / "build/gk/libmevgk_plugin.so"


def build():
    if not (HARNESS.exists() and PLUGIN.exists()):  # `make test` builds them first
        subprocess.run(["make", "-C", str(ROOT), "-s", "build/gk/libmevgk_plugin.so"], check=True)


def test_plugin_loaded_like_a_validator_feeds_the_bot(tmp_path, ring_name):
    build()
    name = ring_name
    ring = mevlib.Ring(1 << 22, name=name)
    try:
        cfg = tmp_path / "kafka-delta.json"
        cfg.write_text(json.dumps({"libpath": str(PLUGIN), "sink": f"ring://{name}",
                                   "filters": [{"owners": ["US517G5965aydkZ46HS38QLi7UQiSojurfbQfKCELFx"]}]}))
        # owner [7u8; 32] in base58 is the string above: the harness's accounts all match
        run = subprocess.run([str(HARNESS), str(PLUGIN), str(cfg), "1000"], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert "snapshot wanted: false" in run.stdout
        got = []
        f = Feed(RingSource(name), commitment="confirmed")
        while True:
            batch = f.poll(max_n=5000, timeout=0.2)
            if not batch:
                break
            got += batch
        f.close()
        accounts = [e for e in got if isinstance(e, AccountUpdate)]
        slots = [e for e in got if isinstance(e, SlotUpdate)]
        assert len(accounts) == 1000 and f.stats.undecodable == 0
        assert [int.from_bytes(a.pubkey[:8], "little") for a in accounts] == list(range(1000))
        assert all(a.write_version == (1 << 40) + i for i, a in enumerate(accounts))
        assert [a.txn_signature for a in accounts[:11:10]] == [bytes([9]) * 64] * 2
        assert accounts[1].txn_signature is None
        assert [s.status for s in slots].count(CONFIRMED) == 10 and slots[-1].status == DEAD
        assert slots[-1].dead_error == "fork"
    finally:
        ring.close()


def test_bad_config_fails_on_load(tmp_path):
    build()
    cfg = tmp_path / "bad.json"
    cfg.write_text(json.dumps({"sink": "ring://x", "filters": [{"ownerz": []}]}))
    run = subprocess.run([str(HARNESS), str(PLUGIN), str(cfg), "1"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and 'unknown key "ownerz"' in run.stderr
