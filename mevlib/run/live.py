"""`mevlib run` on the cluster the config names: the bot's loop with nothing simulated."""
from __future__ import annotations

import os
import time

from solders.pubkey import Pubkey

import mevlib
from mevlib import store
from mevlib.engine import Engine
from mevlib.feed import Feed
from mevlib.jito import TipAccounts
from mevlib.nonce import NoncePool
from mevlib.presend import RpcSimulation
from mevlib.routes import JitoRoute, JsonRpcClient
from mevlib.run import bot
from mevlib.run.config import Config, ConfigError
from mevlib.sender import HedgedSender, SlotClock


def feed_source(config: Config, source: str, accounts=()):
    """The config's feed; `accounts` (the finder's pools and vaults) are subscribed to as well."""
    f, c = config.feed, config.cluster
    programs, accounts = list(f.programs), [str(a) for a in accounts]
    if source == "yellowstone":
        if not c.grpc:
            raise ConfigError(f"{config.path}: feed.source = \"yellowstone\" needs cluster.grpc")
        from mevlib.feed import YellowstoneSource
        filters = {"bot": {"owner": programs}, **({"dex": {"account": accounts}} if accounts else {})}
        return YellowstoneSource(c.grpc, token=config.credential(c.grpc_token_env, "cluster.grpc_token_env"),
                                 accounts=filters)
    if source == "pubsub":
        if not c.ws:
            raise ConfigError(f"{config.path}: feed.source = \"pubsub\" needs cluster.ws")
        from mevlib.feed import PubSubSource
        return PubSubSource(c.ws, programs=programs, accounts=accounts, slots=False, slots_updates=True)
    if source == "kafka":
        if not f.kafka_bootstrap or not f.kafka_topic:
            raise ConfigError(f"{config.path}: feed.source = \"kafka\" needs feed.kafka_bootstrap and feed.kafka_topic")
        from mevlib.feed import KafkaSource
        return KafkaSource(f.kafka_bootstrap, topics=[f.kafka_topic])
    if not f.ring:
        raise ConfigError(f"{config.path}: feed.source = \"ring\" needs feed.ring (the plugin's ring name)")
    from mevlib.feed import RingSource
    try:
        return RingSource(f.ring)
    except mevlib.MevError as e:
        raise ConfigError(f"{config.path}: feed.ring {f.ring!r}: {e}") from None


def run_live(config: Config, *, seconds: float | None, shadow: bool, monitor_port: int | None = None,
             monitor_token: str | None = None, source: str | None = None, quiet: bool = False) -> dict:
    """Everything is checked and connected first; then the loop runs until `seconds` pass or Ctrl-C."""
    if not config.cluster.rpc:
        raise ConfigError(f"{config.path}: cluster.rpc is required (or run with --cluster sim)")
    payer = bot.load_keypair(config)
    routes = bot.make_routes(config)
    bot.check_endpoints(config, config.cluster.rpc, routes)
    rpc = JsonRpcClient(config.cluster.rpc)
    finder = None
    if config.dex.pools:  # the arbitrage finder over them: read now, then kept up to date by the feed
        from mevlib.dex.arb import Finder

        try:
            finder = Finder.load(rpc, config.dex.pools, [Pubkey.from_string(m) for m in config.dex.profit_mints])
        except (mevlib.MevError, ValueError) as e:
            raise ConfigError(f"{config.path}: [dex] pools: {e}") from None
    feed = Feed(feed_source(config, source or config.feed.source, finder.accounts() if finder else ()))
    closers = [feed.close]
    try:
        clock = SlotClock(rpc).start()
        closers.append(clock.stop)
        if not clock.wait_ready():
            raise ConfigError(f"{config.path}: cluster.rpc {config.cluster.rpc} did not give 4 slots in 10 s")
        here = os.path.dirname(os.path.abspath(config.path))
        backend = store.connect(config.store.url or f"chdb://{os.path.join(here, '.mevlib-store')}",
                                database=config.store.database)
        store.migrate(backend)
        writer = store.Writer(backend, os.path.join(here, config.store.spill))
        closers.insert(0, writer.close)
        recorder, events = store.SenderRecorder(writer), None
        port = monitor_port if monitor_port is not None else config.dashboard.port
        if port:
            from mevlib.monitor.server import serve_bot

            events, _, url, stops = serve_bot(port, monitor_token)
            closers += stops
            print(f"dashboard: {url}", flush=True)
        on_record = recorder if events is None else (lambda rec: (recorder(rec), events.record(rec)))
        sender = HedgedSender(routes, clock, rpc, kalman=mevlib.PhaseKalman(), shots=config.sender.shots,
                              give_up_slots=config.sender.give_up_slots, on_record=on_record, shadow=shadow)
        closers.insert(0, sender.close)
        jito = next((r for r in routes if isinstance(r, JitoRoute)), None)
        tips = TipAccounts(JsonRpcClient(jito.url, jito.headers) if jito else None)
        nonces = NoncePool(rpc, [Pubkey.from_string(a) for a in config.nonces.accounts]) \
            if config.nonces.accounts else None
        engine = Engine(sender=sender, rpc=rpc, feed=feed, writer=writer, events=events, limits=bot.limits(config),
                        presend=RpcSimulation(rpc), nonces=nonces, tip_accounts=tips, finder=finder)
        for strategy in bot.make_strategies(config, bot.StrategyContext(payer, rpc, finder=finder)):
            strategy.register(engine)
        started = time.monotonic()
        if not quiet:
            print(f"{'shadow: nothing is sent; ' if shadow else ''}{len(config.strategies)} strategies, "
                  f"{len(routes)} routes, {'%.0f s' % seconds if seconds else 'until Ctrl-C'}", flush=True)
        engine.start()
        try:
            engine.run(seconds, on_tick=None if quiet else lambda e: print(
                f"\r  {time.monotonic() - started:5.1f}s  slot {clock.current_slot()}  deltas {e.stats.deltas}  "
                f"intents {e.stats.intents}  sent {e.stats.attempts}  landed {e.stats.landed}/{e.stats.decided}  "
                f"refused {e.stats.refused_limits + e.stats.refused_simulation}", end="", flush=True))
        except KeyboardInterrupt:
            pass
        engine.close()
        return {"stats": engine.stats, "shadow": shadow}
    finally:
        for close in closers:
            try:
                close()
            except Exception:  # one failing shutdown step must not leave the others undone
                pass
