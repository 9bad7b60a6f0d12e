"""`python -m mevlib.sim [--port N] [--seed S] [--slot-ms MS]`: serve the simulator until Ctrl-C."""
import argparse
import dataclasses
import threading

from mevlib.sim import ClusterConfig, Simulator


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m mevlib.sim", description=__doc__)
    p.add_argument("--port", type=int, default=8899)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--slot-ms", type=float, default=400.0)
    args = p.parse_args(argv)
    config = dataclasses.replace(ClusterConfig(), seed=args.seed, slot_ms=args.slot_ms)
    with Simulator(config, port=args.port) as sim:
        for route in sim.cluster.routes.values():
            print(f"{route.kind:>4} route {route.name:<10} {sim.url(route.name)}")
        try:
            threading.Event().wait()  # until Ctrl-C
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
