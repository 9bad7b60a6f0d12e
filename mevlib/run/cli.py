"""`mevlib run --config bot.toml [--cluster sim] [--shadow] [--seconds N]`

Checks the config (keys, keypair file, credentials, every endpoint answering) before anything is
signed, then runs the config's strategies: on the cluster the config names, or with
``--cluster sim`` on the local simulator (a market of pools, every endpoint served locally: what
`make demo` runs). ``--shadow`` does everything but send: intents are signed, shots planned,
each simulated, and every would-be shot recorded in the store (shadow_sends) and on the dashboard.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from mevlib.run.config import ConfigError
from mevlib.run.config import load as load_config


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="mevlib run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="the bot's TOML config (see mevlib/run/config.py)")
    ap.add_argument("--cluster", choices=("config", "sim"), default="config",
                    help="config: the endpoints the file names; sim: the local simulator")
    ap.add_argument("--shadow", action="store_true", help="sign, plan, simulate and record; send nothing")
    ap.add_argument("--probe", action="store_true",
                    help="rank the config's routes by round-trip time from this machine, then exit")
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("MEVLIB_DEMO_SECONDS", 60)),
                    help="how long to run; 0 runs until Ctrl-C")
    ap.add_argument("--monitor", type=int, default=None, metavar="PORT", help="serve the dashboard (overrides the config)")
    ap.add_argument("--token", default=os.environ.get("MEVLIB_MONITOR_TOKEN"), help="dashboard token")
    ap.add_argument("--out", default="demo-report", help="where the report goes")
    ap.add_argument("--short", action="store_true", help="CI mode: calibrate from fewer rows")
    ap.add_argument("--strategy", action="append", help="a strategy file (its make) instead of the config's")
    ap.add_argument("--source", choices=("ring", "kafka", "pubsub", "yellowstone"), default=os.environ.get("SOURCE") or None,
                    help="the feed source instead of the config's")
    args = ap.parse_args(argv)
    # warnings start on their own line: the progress line is redrawn in place with \r
    logging.basicConfig(level=logging.WARNING, format="\n%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
        if args.strategy:
            from mevlib.run.config import StrategyConfig
            config.strategies = [StrategyConfig(f"{os.path.abspath(s)}:make") for s in args.strategy]
        if args.probe:
            from mevlib import endpoints
            from mevlib.run import bot

            print(f"{'route':<24} {'round trip (median of 5)':>26}")
            for name, ms in endpoints.probe(bot.make_routes(config)):
                print(f"{name:<24} {'no answer' if ms is None else f'{ms:.1f} ms':>26}")
            return 0
        if args.cluster == "sim":
            result = _run_sim(config, args)
            landed = sum(p["landed"] for p in result["policies"].values())
            return 0 if landed > 0 or args.shadow else 1
        from mevlib.run.live import run_live

        run_live(config, seconds=args.seconds or None, shadow=args.shadow, monitor_port=args.monitor,
                 monitor_token=args.token, source=args.source)
        return 0
    except ConfigError as e:
        print(f"mevlib run: {e}", file=sys.stderr)
        return 2


def _run_sim(config, args) -> dict:
    from mevlib.demo import Demo

    source = args.source or config.feed.source
    kafka, broker = os.environ.get("KAFKA") or None, None
    if source == "kafka" and kafka is None:  # a Kafka-protocol broker of our own, on loopback
        from mevlib.launch import free_port, start_tansu
        port = free_port()
        broker, kafka = start_tansu(port), f"127.0.0.1:{port}"
    try:
        demo = Demo(config, args.seconds or None, args.out, short=args.short, kafka=kafka,
                    store_url=os.environ.get("CLICKHOUSE_URL") or config.store.url or None,
                    monitor_port=args.monitor, monitor_token=args.token, source=source, shadow=args.shadow)
        try:
            return demo.run()
        finally:
            demo.close()
    finally:
        if broker is not None:
            broker.kill()
            broker.wait()


if __name__ == "__main__":
    sys.exit(main())
