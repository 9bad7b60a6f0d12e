"""`make demo`: the whole loop on this machine, nothing to install. It is `mevlib run --config
examples/demo.toml --cluster sim`: a bot config run against a local cluster, as it would run
against mainnet (mevlib.run).

A local cluster (mevlib.sim: LiteSVM behind Solana RPC and Jito block-engine endpoints) runs a
small market of Raydium AMM v4, Raydium CPMM and Pump.fun AMM pools in their programs' own account
layouts (mevlib.sim.market; the cluster applies those programs' swaps: mevlib.sim.dex). The bot's
arbitrage finder reads the pools at start and the engine keeps it current from the feed. A stand-in
validator publishes every pool and vault change at write time through the Geyser plugin's C core into a `ring://`
sink (or, with --source yellowstone or pubsub, the bot subscribes to the cluster's Yellowstone gRPC
endpoint or PubSub websocket, as a searcher without a validator does); the bot reads it with
mevlib.feed, runs the config's strategies (the examples) as engine hooks, signs their intents,
and sends them over the config's routes (each served by the simulator's stand-in). With the
config's [sim] baseline, the opportunities alternate between two policies on the same market:
  hedged   - a W of 3 shots over the routes the bandit picks, timed by the per-leader Kalman
             filter, one tip per shot from the strategy's ladder (the variants share a durable
             nonce, leased per attempt from a pool, so at most one can execute);
  baseline - one shot on the RPC route at the start of the slot, a fixed tip.
Every shot and outcome goes to the chDB store; halfway through, the calibration tables are refit
from it and loaded. At the end: a summary table and a PNG report. With KAFKA=host:port the plugin
publishes to Kafka instead, and with CLICKHOUSE_URL the store is that server.
"""
from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import shutil
import sys
import tempfile
import threading
import time

from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

import mevlib
from mevlib import nonce, store
from mevlib._extras import require
from mevlib.engine import Engine
from mevlib.feed import (FIRST_SHRED_RECEIVED, PROCESSED, Feed, KafkaSource, PubSubSource, RingSource,
                         YellowstoneSource)
from mevlib.presend import RpcSimulation
from mevlib.routes import JsonRpcClient, RpcRoute
from mevlib.run import bot
from mevlib.run.config import Config, StrategyConfig
from mevlib.run.config import load as load_config
from mevlib.nonce import NoncePool
from mevlib.sender import HedgedSender, SlotClock
from mevlib.sim import ClusterConfig, Simulator
from mevlib.dex import TOKEN_PROGRAM_ID
from mevlib.dex.arb import Finder
from mevlib.sim.dex import PROGRAMS as DEX_PROGRAMS
from mevlib.sim.market import WSOL, Market, write_lookup_table
from mevlib.sim.plugin import PluginCore

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "examples" / "demo.toml"
DEMO_KEYPAIR = ROOT / "build" / "demo-keypair.json"
BASELINE_TIP = 25_000


class Demo:
    """A config (mevlib.run.config) run on the local cluster: `mevlib run --cluster sim`."""

    def __init__(self, config: Config, seconds: float | None, out_dir: str, *, kafka: str | None = None,
                 store_url: str | None = None, short: bool = False, quiet: bool = False,
                 monitor_port: int | None = None, monitor_token: str | None = None, source: str | None = None,
                 shadow: bool = False):
        source = source or config.feed.source
        if source not in ("ring", "kafka", "pubsub", "yellowstone") or (source == "kafka") != bool(kafka):
            raise mevlib.InvalidArgumentError("source is ring, pubsub, yellowstone, or kafka with KAFKA=host:port")
        self.seconds, self.out_dir, self.quiet, self.shadow = seconds, out_dir, quiet, shadow
        os.makedirs(out_dir, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="mevlib-demo-")
        cluster = ClusterConfig(seed=config.sim.seed, slot_ms=config.sim.slot_ms, competitive_share=0.5)
        self.sim = Simulator(cluster, pubsub=source == "pubsub", yellowstone=source == "yellowstone").start()
        self.rpc = JsonRpcClient(self.sim.url("rpc"))
        routes = bot.make_routes(config, sim=self.sim)
        bot.check_endpoints(config, self.sim.url("rpc"), routes)
        self.clock = SlotClock(self.rpc, poll_s=0.02).start()
        if not self.clock.wait_ready():
            raise RuntimeError("the local cluster's slot clock did not start")
        self.payer = bot.load_keypair(config)
        self.sim.cluster.airdrop(self.payer.pubkey(), 10**14)  # 100,000 SOL: the faucet has a limit
        accounts = self._create_nonce_accounts(config.nonces.count) + [Pubkey.from_string(a) for a in config.nonces.accounts]
        self.nonces = NoncePool(self.rpc, accounts) if accounts else None
        self._baseline_leases = {}  # attempt id -> nonce account
        # the market, the bot's token accounts in it, and its finder over the market's pools
        self.market = Market(self.sim.cluster, seed=config.sim.seed, depth=2_000 * 10**9, shock_share=0.02,
                                shock_size=0.03)
        for mint in self.market.mints.values():
            self.market.token_account(self.payer.pubkey(), mint, 10**16)
        self.finder = Finder.load(self.rpc, list(self.market.pools), [WSOL], commitment="processed",
                                  clock=self.sim.unix_time)  # quotes timed as the cluster times its swaps
        table = Keypair().pubkey()  # every pool account the swaps name, so a cycle fits in one packet
        write_lookup_table(self.sim.cluster, table, self.payer.pubkey(), self.finder.table_accounts())
        self.lookup_tables = [AddressLookupTableAccount(table, self.finder.table_accounts())]
        self.stop_market = threading.Event()
        programs = [str(p) for p in (*DEX_PROGRAMS, TOKEN_PROGRAM_ID)] + list(config.feed.programs)

        # the validator's side: plugin core -> ring:// (or Kafka) -> the bot's feed; or the RPC node's
        # PubSub websocket -> the bot's feed
        self.ring = self.plugin = None
        if source == "pubsub":
            feed_source = PubSubSource(self.sim.ws_url, programs=programs, encoding="base64+zstd",
                                       slots=False, slots_updates=True)
        elif source == "yellowstone":
            feed_source = YellowstoneSource(self.sim.yellowstone_url, accounts={"pools": {"owner": programs}})
        elif kafka:
            admin_api = require("confluent_kafka.admin", "feed", "the demo's Kafka sink")
            AdminClient, NewTopic = admin_api.AdminClient, admin_api.NewTopic

            topic = f"mevlib-demo-{os.getpid()}"
            admin = AdminClient({"bootstrap.servers": kafka})  # kept alive until the topic exists
            for f in admin.create_topics([NewTopic(topic, 1, 1)]).values():
                f.result(30)
            self.plugin = PluginCore({"sink": "kafka", "kafka": {"bootstrap.servers": kafka}, "topic": topic,
                                      "filters": [{"owners": programs}]})
            feed_source = KafkaSource(kafka, partitions=[(topic, 0, 0)], group=f"mevlib-demo-{os.getpid()}")
        else:
            name = f"mevlib-demo-{os.getpid()}"
            self.ring = mevlib.Ring(8 << 20, name=name)
            self.plugin = PluginCore({"sink": f"ring://{name}", "filters": [{"owners": programs}]})
            feed_source = RingSource(name)
        if self.plugin is not None:  # the plugin sees every account write as it happens, as in a validator
            self.sim.cluster.on_write(lambda key, acct, slot, wv, sig: self.plugin.update_account(
                bytes(key), bytes(acct.owner), acct.lamports, bytes(acct.data), slot, wv))

        # the store
        self.own_chdb = store_url is None
        self.backend = store.connect(store_url or f"chdb://{self.work}/chdb", database="mevlib_demo")
        self.backend.execute(f"DROP DATABASE IF EXISTS {self.backend.database}")
        store.migrate(self.backend)
        self.writer = store.Writer(self.backend, os.path.join(self.work, "spill"), flush_seconds=0.5)

        # the policies: the config's, and with [sim] baseline one RPC shot with a fixed tip
        names = [r.name for r in routes]
        monitor_port = monitor_port if monitor_port is not None else (config.dashboard.port or None)
        # the dashboard: events into a ring, served from this process
        self.events, self.monitor, self.monitor_closers = None, None, []
        if monitor_port is not None:
            from mevlib.monitor.server import serve_bot

            self.events, self.monitor, url, self.monitor_closers = serve_bot(monitor_port, monitor_token)
            print(f"dashboard: {url}  metrics: {url.split('#')[0]}metrics (Authorization: Bearer <the token>)",
                  flush=True)
        recorder = store.SenderRecorder(self.writer)
        on_record = recorder if self.events is None else (lambda rec: (recorder(rec), self.events.record(rec)))
        # tuned as in the landing experiment (docs/simulator.md), to the slot length the clock measured
        slot_ms = self.clock.slot_ms
        kalman = mevlib.PhaseKalman(measurement_noise=slot_ms * 0.05, initial_std=slot_ms / 4,
                                    initial_phase=slot_ms / 2)
        self.hedged = HedgedSender(routes, self.clock, self.rpc, kalman=kalman, on_record=on_record,
                                   bandit=mevlib.RouteBandit(names, discount=0.999, seed=config.sim.seed),
                                   shots=config.sender.shots, give_up_slots=config.sender.give_up_slots, shadow=shadow)
        self.baseline = None
        if config.sim.baseline and not shadow:
            self.baseline = HedgedSender([RpcRoute("rpc", self.sim.url("rpc"))], self.clock, self.rpc, shots=1,
                                         default_phase_ms=0.0, on_record=on_record)
        self.engine = Engine(sender=self.hedged, rpc=self.rpc, feed=Feed(feed_source), writer=self.writer,
                             backend=self.backend, lut_dir=os.path.join(out_dir, "luts"),
                             calibrate_every=seconds / 2 if seconds else 300.0, min_rows=30 if short else 200,
                             events=self.events, nonces=self.nonces, limits=bot.limits(config),
                             presend=RpcSimulation(self.rpc), finder=self.finder)
        context = bot.StrategyContext(self.payer, self.rpc, market=self.market, finder=self.finder,
                                      lookup_tables=self.lookup_tables)
        self.strategies = bot.make_strategies(config, context)
        self._turn = 0
        for s in self.strategies:
            self.engine.on_pool_delta(accounts=self.finder.accounts())(self._alternating(s))
        self.baseline_decided = []

    def _create_nonce_accounts(self, count: int) -> list:
        """The bot's durable nonce accounts (authority: the payer), made at the cluster's genesis."""
        rent = self.rpc.call("getMinimumBalanceForRentExemption", [nonce.NONCE_ACCOUNT_LENGTH])
        blockhash = self.sim.cluster.latest_blockhash(self.sim.now_ms())
        accounts = [Keypair() for _ in range(count)]
        for kp in accounts:
            ixs = nonce.create_instructions(self.payer.pubkey(), kp.pubkey(), self.payer.pubkey(), rent)
            msg = MessageV0.try_compile(self.payer.pubkey(), ixs, [], blockhash)
            self.sim.cluster.genesis(VersionedTransaction(msg, [self.payer, kp]))
        return [kp.pubkey() for kp in accounts]

    def _alternating(self, strategy):
        """The strategy's hook, with every other opportunity given to the baseline policy."""
        def hook(update, ctx):
            intent = strategy.on_delta(update, ctx)
            if intent is None:
                return None
            self._turn += 1
            if self.baseline is None or self._turn % 2:
                intent.label = f"{strategy.name}/hedged"
                return intent
            lease = self.nonces.lease()
            if lease is None:
                return None  # every nonce account is in flight: the baseline skips this turn
            try:
                wire = intent.template.sign(blockhash=lease.nonce, nonce_account=lease.account, tip=BASELINE_TIP,
                                            **intent.patches)
                attempt = self.baseline.send(wire, ctx.slot + 1, value=intent.value, tips=[BASELINE_TIP],
                                             label=f"{strategy.name}/baseline")
            except Exception:
                self.nonces.release(lease.account)
                raise
            self._baseline_leases[attempt.attempt_id] = lease.account
            return None
        hook.__qualname__ = f"{strategy.name}.on_delta"
        return hook

    def _poll_baseline(self, timeout: float = 0.0):
        for attempt in self.baseline.poll(timeout=timeout) if self.baseline is not None else ():
            self.nonces.release(self._baseline_leases.pop(attempt.attempt_id))
            self.baseline_decided.append(attempt)

    def _tick(self, engine):
        self._poll_baseline()
        if self.events is not None:
            s = engine.stats
            self.events.stats(len(self.ring) if self.ring is not None else 0, s.coalesced, self.events.dropped)
        if self.quiet:
            return
        s = engine.stats
        landed_b = sum(a.landed for a in self.baseline_decided)
        print(f"\r  {time.monotonic() - self.started:5.1f}s  slot {self.clock.current_slot():>5}  "
              f"deltas {s.deltas:>6}  intents {s.intents:>4}  hedged {s.landed:>3}/{s.decided:<4} "
              f"baseline {landed_b:>3}/{len(self.baseline_decided):<4} coalesced {s.coalesced:>5}  "
              f"hook errors {s.hook_errors}  recalibrations {s.recalibrations}  tables {s.lut_reloads}",
              end="", flush=True)

    def _publish_slots(self):
        """The stand-in validator's slot statuses, from the cluster's own clock: a slot's first
        shred as it starts (the bot's slot clock takes slot starts from these), the previous
        slot processed."""
        last = self.sim.cluster.slot_at(self.sim.now_ms())  # a start it did not witness is not announced
        while self.plugin is not None and not self.stop_market.is_set():
            slot = self.sim.cluster.slot_at(self.sim.now_ms())
            if slot != last:
                self.plugin.update_slot(slot, FIRST_SHRED_RECEIVED, parent=last)
                self.plugin.update_slot(last, PROCESSED, parent=last - 1)
                last = slot
            self.stop_market.wait(0.001)

    def run(self) -> dict:
        threads = [threading.Thread(target=self.market.run, args=(self.stop_market, self.sim.now_ms, 100.0),
                                    daemon=True),
                   threading.Thread(target=self._publish_slots, daemon=True)]
        for t in threads:
            t.start()
        self.started = time.monotonic()
        if not self.quiet:
            print(f"local cluster at {self.sim.url('')} ({self.clock.slot_ms:.0f} ms slots), "
                  f"{len(self.strategies)} strategies, " + (f"{self.seconds:.0f} s:" if self.seconds else "until Ctrl-C:"))
        self.engine.start()
        try:
            self.engine.run(self.seconds, on_tick=self._tick)
        except KeyboardInterrupt:  # make run: Ctrl-C ends the run and still prints the summary
            pass
        self.stop_market.set()
        for t in threads:
            t.join()
        deadline = time.monotonic() + 10  # let what was sent be decided
        while (self.hedged.pending or (self.baseline and self.baseline.pending)) and time.monotonic() < deadline:
            self.engine.step(timeout=0.05)
            self._poll_baseline(timeout=0.05)
        self._tick(self.engine)
        if not self.quiet:
            print()
        self.engine.close()
        self.writer.close()
        return self.summary()

    def summary(self) -> dict:
        db = self.backend.database
        policies = self.backend.rows(f"""
            SELECT splitByChar('/', strategy)[2] AS policy, count(), sum(landed), sum(tip_lamports)
            FROM {db}.outcomes GROUP BY policy ORDER BY policy""")
        routes = self.backend.rows(f"""
            SELECT route, countMerge(shots), sumMerge(landed), sumMerge(tips_paid)
            FROM {db}.attempts_rollup GROUP BY route ORDER BY route""")
        result = {"policies": {p: {"attempts": n, "landed": landed, "tips": tips} for p, n, landed, tips in policies},
                  "routes": {r: {"shots": n, "landed": landed} for r, n, landed, _ in routes},
                  "stats": self.engine.stats, "hooks": self.engine.hook_report(),
                  "plugin": self.plugin.metrics() if self.plugin is not None else None,
                  "feed": dataclasses.asdict(self.engine.feed.source.stats) if self.plugin is None else None,
                  "market": {"swaps": self.market.swaps, "shocks": self.market.shocks}}
        (n, ok), = self.backend.rows(f"SELECT count(), sum(sim_ok) FROM {db}.shadow_sends")
        result["shadow"] = {"shots": n, "simulated_ok": ok or 0}
        if self.shadow and not self.quiet:
            print(f"\nshadow: nothing was sent; {n} shots would have gone, {ok or 0} of them simulated ok "
                  f"(rows in {db}.shadow_sends)")
        if not self.quiet:
            print("\npolicy      attempts  landed  landing rate  tip per landed (lamports)")
            for p, v in result["policies"].items():
                rate = v["landed"] / v["attempts"] if v["attempts"] else 0.0
                per = v["tips"] / v["landed"] if v["landed"] else float("nan")
                print(f"{p:<10} {v['attempts']:>9} {v['landed']:>7} {rate:>13.1%} {per:>26,.0f}")
            print("\nroute       shots  landed  landing rate   (every shot, from attempts_rollup)")
            for r, v in result["routes"].items():
                print(f"{r:<10} {v['shots']:>6} {v['landed']:>7} {v['landed'] / v['shots'] if v['shots'] else 0:>13.1%}")
            for h in result["hooks"]:
                print(f"hook {h['hook']}: {h['calls']} calls, mean {h['mean_ms']:.3f} ms, {h['slow']} slow, "
                      f"{h['errors']} errors")
            if self.plugin is not None:
                print(f"plugin: {result['plugin']['sent']} pool updates published, {result['plugin']['dropped']} "
                      f"dropped; feed coalesced {self.engine.stats.coalesced}")
            else:
                f = result["feed"]
                print(f"{type(self.engine.feed.source).__name__}: {f}; feed coalesced {self.engine.stats.coalesced}")
        if self.monitor is not None:
            enc = self.monitor.encoder
            result["dashboard"] = {"events": enc.encoded, "wire_bytes": enc.wire_bytes, "raw_bytes": enc.raw_bytes}
            if not self.quiet and enc.encoded:
                print(f"dashboard stream: {enc.encoded} events, {enc.wire_bytes / enc.encoded:.1f} bytes each "
                      f"delta-encoded, {enc.raw_bytes / enc.encoded:.1f} as fixed records "
                      f"({enc.raw_bytes / enc.wire_bytes:.1f}x smaller)")
        result["report"] = self.report()
        if not self.quiet:
            print(f"report: {result['report']}")
        return result

    def report(self) -> str:
        """A PNG: landing rate per route over time, landed per policy over time, tips per landed
        transaction per policy, and the learned leader phases against the cluster's hidden ones."""
        require("matplotlib", "report", "the demo report").use("Agg")
        import matplotlib.pyplot as plt

        db = self.backend.database
        fig, ax = plt.subplots(2, 2, figsize=(12, 8))
        per_route = self.backend.rows(f"""
            SELECT route, toUnixTimestamp(toStartOfInterval(ts, INTERVAL 5 SECOND)) AS b, avg(landed)
            FROM {db}.attempts GROUP BY route, b ORDER BY route, b""")
        t0 = min((b for _, b, _ in per_route), default=0)
        for route in sorted({r for r, _, _ in per_route}):
            pts = [(b - t0, v) for r, b, v in per_route if r == route]
            ax[0, 0].plot(*zip(*pts), marker=".", label=route)
        ax[0, 0].set(title="landing rate per route (5 s buckets)", xlabel="s", ylabel="landed / shots")
        ax[0, 0].legend(fontsize=8)
        by_policy = self.backend.rows(f"""
            SELECT splitByChar('/', strategy)[2] AS policy, toUnixTimestamp(ts) AS t, landed, tip_lamports
            FROM {db}.outcomes ORDER BY t""")
        for policy in sorted({p for p, *_ in by_policy}):
            rows = [(t - t0, landed) for p, t, landed, _ in by_policy if p == policy]
            cum, total = [], 0
            for t, landed in rows:
                total += landed
                cum.append((t, total))
            if cum:
                ax[0, 1].step(*zip(*cum), where="post", label=policy)
        ax[0, 1].set(title="landed transactions over time", xlabel="s", ylabel="landed")
        ax[0, 1].legend(fontsize=8)
        pol = {p: (sum(tip for q, _, _, tip in by_policy if q == p), sum(l for q, _, l, _ in by_policy if q == p))
               for p in sorted({p for p, *_ in by_policy})}
        ax[1, 0].bar(list(pol), [tips / landed if landed else 0 for tips, landed in pol.values()])
        ax[1, 0].set(title="tip per landed transaction (lamports)")
        cluster = self.sim.cluster
        leaders = list(cluster.phase)
        truth = [cluster.phase[k] for k in leaders]
        learned = [self.hedged.kalman.predict(bytes(k))[0] for k in leaders]
        ax[1, 1].scatter(truth, learned)
        lim = [0, cluster.config.slot_ms]
        ax[1, 1].plot(lim, lim, color="grey", linestyle=":")
        ax[1, 1].set(title="per leader: learned send offset vs hidden auction moment (ms)",
                     xlabel="the leader's hidden moment", ylabel="Kalman: best send offset", xlim=lim, ylim=lim)
        ax[1, 1].text(0.02 * lim[1], 0.9 * lim[1], "shots must leave before the moment\nby the route's latency",
                      fontsize=8)
        fig.tight_layout()
        path = os.path.join(self.out_dir, "demo-report.png")
        fig.savefig(path, dpi=80)
        plt.close(fig)
        return path

    def close(self):
        closers = [self.hedged.close, self.clock.stop, self.engine.feed.close, self.sim.stop]
        if self.baseline is not None:
            closers.append(self.baseline.close)
        if self.plugin is not None:
            closers.append(self.plugin.close)
        if self.own_chdb:  # the demo's chDB lives in its work directory: closed before that goes
            closers.append(store.backends.ChdbBackend.shutdown)
        closers += self.monitor_closers
        for closer in closers:
            try:
                closer()
            except Exception:  # one failing shutdown step must not leave the others undone
                pass
        if self.ring is not None:
            self.ring.close()
            self.ring.unlink()
        shutil.rmtree(self.work, ignore_errors=True)


def ensure_demo_keypair(path: pathlib.Path = DEMO_KEYPAIR) -> pathlib.Path:
    """The demo's throwaway payer: a solana-keygen file made once (mode 0600), funded only on the
    local cluster."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(list(bytes(Keypair()))))
    return path


def run(seconds: float | None = 60.0, strategies=None, out_dir: str = "demo-report", config_path=DEMO_CONFIG,
        **kw) -> dict:
    """`mevlib run --config examples/demo.toml --cluster sim` as a function; `strategies`: files
    to run instead of the config's (each file's `make`)."""
    ensure_demo_keypair()
    config = load_config(str(config_path))
    if strategies:
        config.strategies = [StrategyConfig(f"{pathlib.Path(s).resolve()}:make") for s in strategies]
    demo = Demo(config, seconds, out_dir, **kw)
    try:
        return demo.run()
    finally:
        demo.close()


def main(argv=None) -> int:
    """`python -m mevlib.demo [options]`: `mevlib run --config examples/demo.toml --cluster sim`;
    `--strategy FILE` (repeatable) runs those strategies instead of the config's."""
    from mevlib.run import cli

    argv = list(sys.argv[1:] if argv is None else argv)
    ensure_demo_keypair()
    return cli.main(["--config", str(DEMO_CONFIG), "--cluster", "sim", *argv])


if __name__ == "__main__":
    sys.exit(main())
