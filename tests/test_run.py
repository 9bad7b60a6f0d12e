"""`mevlib run`: every kind of config error is named before anything is signed or sent, and a
shadow run against a cluster sends nothing and records every would-be shot."""
import json
import os
import re
import textwrap

import pytest
from solders.keypair import Keypair

import mevlib
from mevlib.run import cli
from mevlib.run.config import load
from mevlib.sim import Simulator

DATA = os.path.join(os.path.dirname(__file__), "data")


def keypair_file(tmp_path, mode=0o600) -> tuple[str, Keypair]:
    kp = Keypair()
    path = tmp_path / "bot.json"
    path.write_text(json.dumps(list(bytes(kp))))
    path.chmod(mode)
    return str(path), kp


def write_config(tmp_path, body: str, **fmt) -> str:
    path = tmp_path / "bot.toml"
    path.write_text(textwrap.dedent(body).format(**fmt))
    return str(path)


BASE = """
    keypair = "bot.json"
    [cluster]
    rpc = "{rpc}"
    ws = "{ws}"
    [feed]
    source = "pubsub"
    [[routes]]
    name = "jito-ny"
    url = "{jito}"
    kind = "jito"
    rate_limit = 50.0
    [[routes]]
    name = "plain"
    url = "{rpc}"
    kind = "rpc"
    [[strategies]]
    entry = "{data}/shadow_strategy.py:make"
    to = "{to}"
    [store]
    url = "{store}"
    database = "{db}"
    {extra}
"""


def fill(sim, store_url, db="mevlib_run_test", extra="", to=None):
    return dict(rpc=sim.url("rpc"), ws=sim.ws_url, jito=sim.url("jito-ny"), data=DATA, store=store_url, db=db,
                extra=extra, to=to or str(Keypair().pubkey()))


@pytest.mark.parametrize("change, message", [
    (lambda s: "mystery = 1\n" + s, "unknown key mystery"),
    (lambda s: s.replace("[store]", "[limits]\nmax_tipp = 5\n[store]"), "unknown key limits.max_tipp"),
    (lambda s: s.replace('rate_limit = 50.0', 'rate_limit = "fast"'), "routes[0].rate_limit must be int or float"),
    (lambda s: s.replace('keypair = "bot.json"', 'keypair = "missing.json"'), "keypair file missing.json does not exist"),
    (lambda s: s.replace('kind = "jito"', 'kind = "carrier-pigeon"'), "routes[0].kind must be one of"),
    (lambda s: s.replace('entry = "', 'entry = "nowhere.py:make" #'), "no file nowhere.py"),
    (lambda s: s, None),  # the base itself is valid: each error above is the change's
])
def test_config_errors_name_the_key(tmp_path, change, message):
    keypair_file(tmp_path)
    body = change(textwrap.dedent(BASE).format(rpc="http://127.0.0.1:9/rpc", ws="ws://127.0.0.1:9", jito="http://127.0.0.1:9/j",
                                                data=DATA, store="chdb://x", db="d", extra="", to=str(Keypair().pubkey())))
    path = tmp_path / "bot.toml"
    path.write_text(body)
    if message is None:
        assert load(str(path)).routes[0].name == "jito-ny"
        return
    with pytest.raises(mevlib.ConfigError, match=re.escape(message)):
        config = load(str(path))
        from mevlib.run import bot
        bot.make_strategies(config, bot.StrategyContext(Keypair(), None))


def test_credentials_and_reachability_are_checked_before_anything_runs(tmp_path, capsys, monkeypatch):
    keypair_file(tmp_path, mode=0o644)
    with Simulator(pubsub=True) as sim:
        config = write_config(tmp_path, BASE, **fill(sim, "chdb://unused"))
        assert cli.main(["--config", config, "--shadow", "--seconds", "1"]) == 2
        assert "readable by others: chmod 600" in capsys.readouterr().err
        keypair_file(tmp_path)
        bloxroute = '[[routes]]\nname = "bx"\nendpoint = "bloxroute/ny"\n'
        config = write_config(tmp_path, BASE.replace("[[strategies]]", bloxroute + "[[strategies]]"), **fill(sim, "chdb://u"))
        assert cli.main(["--config", config, "--seconds", "1"]) == 2
        assert "routes[2] (bx): route 'bloxroute/ny': bloxroute requires a credential" in capsys.readouterr().err
        with_env = BASE.replace("[[strategies]]", bloxroute + 'auth_env = "MEVLIB_TEST_BX"\n[[strategies]]')
        config = write_config(tmp_path, with_env, **fill(sim, "chdb://u"))
        monkeypatch.delenv("MEVLIB_TEST_BX", raising=False)
        assert cli.main(["--config", config, "--seconds", "1"]) == 2
        assert "routes[2].auth_env names the environment variable MEVLIB_TEST_BX, which is not set" in capsys.readouterr().err
        before = len(sim.calls)
        down = fill(sim, "chdb://u")
        down["jito"] = "http://127.0.0.1:9/jito"  # nothing listens there
        config = write_config(tmp_path, BASE, **down)
        assert cli.main(["--config", config, "--seconds", "1"]) == 2
        assert "route jito-ny (http://127.0.0.1:9/jito) is unreachable" in capsys.readouterr().err
        assert {m for _, m in sim.calls[before:]} == {"getSlot"}  # the RPC was asked its slot, nothing else
        down = fill(sim, "chdb://u")
        down["rpc"] = "http://127.0.0.1:9/rpc"
        config = write_config(tmp_path, BASE, **down)
        assert cli.main(["--config", config, "--seconds", "1"]) == 2
        assert "cluster.rpc http://127.0.0.1:9/rpc is unreachable" in capsys.readouterr().err
        assert not sim.sent


def test_shadow_run_sends_nothing_and_records_everything(tmp_path, store_url):
    from mevlib import store
    from mevlib.run.live import run_live

    path, kp = keypair_file(tmp_path)
    with Simulator(pubsub=True) as sim:
        to = Keypair().pubkey()
        sim.cluster.airdrop(kp.pubkey(), 10**10)
        sim.cluster.airdrop(to, 10**9)
        config = load(write_config(tmp_path, BASE, **fill(sim, store_url, db="mevlib_shadow_run", to=str(to))))
        before = len(sim.calls)
        result = run_live(config, seconds=4.0, shadow=True, quiet=True)
        methods = {m for _, m in sim.calls[before:]}
    stats = result["stats"]
    assert stats.attempts >= 5 and stats.simulations == stats.attempts and stats.bad_intents == 0
    assert not sim.sent and not methods & {"sendTransaction", "sendBundle", "POST api/v2/submit"}
    assert "simulateTransaction" in methods
    backend = store.connect(store_url, database="mevlib_shadow_run")
    (n, ok, routes), = backend.rows("SELECT count(), sum(sim_ok), groupUniqArray(route) FROM mevlib_shadow_run.shadow_sends")
    assert n == 3 * stats.attempts and ok == n and set(routes) == {"jito-ny"}  # variants: block engines only
    backend.execute("DROP DATABASE mevlib_shadow_run")


def test_probe_ranks_the_configs_routes(tmp_path, capsys):
    keypair_file(tmp_path)
    with Simulator(pubsub=True) as sim:
        config = write_config(tmp_path, BASE, **fill(sim, "chdb://unused"))
        assert cli.main(["--config", config, "--probe"]) == 0
        assert not sim.sent
    lines = capsys.readouterr().out.splitlines()
    assert {line.split()[0] for line in lines[1:]} == {"jito-ny", "plain"} and all(" ms" in line for line in lines[1:])
