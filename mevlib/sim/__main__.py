"""`python -m mevlib.sim [--port N] [--seed S] [--slot-ms MS] [--always-land]`: serve the simulator
until Ctrl-C, printing one line per route (`<kind> route <name> <url>`), then the PubSub websocket and the
Yellowstone gRPC endpoint."""
import argparse
import dataclasses
import threading

from mevlib.sim import ClusterConfig, Simulator
from mevlib.sim.cluster import always_land


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m mevlib.sim", description=__doc__)
    p.add_argument("--port", type=int, default=8899, help="0: any free port")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--slot-ms", type=float, default=400.0)
    p.add_argument("--x-token", default=None, help="the x-token the Yellowstone endpoint requires (default: none)")
    p.add_argument("--always-land", action="store_true",
                   help="no drops, no rivals, no timing window: every valid transaction lands in the slot it "
                        "reaches (for developing and testing clients rather than strategies)")
    args = p.parse_args(argv)
    config = dataclasses.replace(ClusterConfig(), seed=args.seed, slot_ms=args.slot_ms)
    if args.always_land:
        config = always_land(config)
    with Simulator(config, port=args.port, pubsub=True, yellowstone=True, yellowstone_token=args.x_token) as sim:
        for route in sim.cluster.routes.values():
            print(f"{route.kind:>4} route {route.name:<10} {sim.url(route.name)}", flush=True)
        print(f"{'ws':>4} route {'pubsub':<10} {sim.ws_url}", flush=True)
        print(f"{'grpc':>4} route {'yellowstone':<10} {sim.yellowstone_url}", flush=True)
        try:
            threading.Event().wait()  # until Ctrl-C
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
