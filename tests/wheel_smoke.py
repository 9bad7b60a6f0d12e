"""Run inside a fresh venv that has only the built wheel and its core dependencies (see
tests/test_wheel.py): signing, a ring between two processes, the C sender against a loopback
server, and the system libraries coming from the wheel itself."""
import http.server
import json
import os
import threading

import mevlib
from mevlib import _sender
from solders.keypair import Keypair
from solders.signature import Signature

assert "site-packages" in mevlib.__file__, mevlib.__file__

kp = Keypair()
with mevlib.Signer(kp) as signer:
    sig = signer.sign(b"smoke")
assert Signature.from_bytes(sig).verify(kp.pubkey(), b"smoke")

ring = mevlib.Ring(1 << 16)
pid = os.fork()
if pid == 0:
    for i in range(1000):
        ring.push_wait(i.to_bytes(4, "little"), timeout=5)
    os._exit(0)
got = [int.from_bytes(ring.pop_wait(timeout=5), "little") for _ in range(1000)]
os.waitpid(pid, 0)
assert got == list(range(1000))

# every subpackage is in the wheel: the runner's config checks and the DEX decoders work from it
import tempfile  # noqa: E402

from mevlib import dex  # noqa: E402
from mevlib.run.config import load  # noqa: E402

with tempfile.NamedTemporaryFile("w", suffix=".toml") as cfg:
    cfg.write("mystery = 1\n")
    cfg.flush()
    try:
        load(cfg.name)
        raise AssertionError("an unknown key was accepted")
    except mevlib.ConfigError as e:
        assert "unknown key mystery" in str(e)
assert dex.TransferFee(0, 500, 100).fee_of(10_001) == 101


class Answer(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"jsonrpc": "2.0", "result": "ok", "id": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
threading.Thread(target=server.serve_forever, daemon=True).start()
with _sender.CurlSender() as sender:
    sender.add_route(f"http://127.0.0.1:{server.server_address[1]}")
    sender.start()
    sender.submit(1, 0, _sender.WARM, [])
    results = sender.results(timeout=5)
assert results and results[0][4] == 200, results
server.shutdown()

maps = open("/proc/self/maps").read()
for lib in ("libsodium", "libcurl"):
    assert f"mevlib.libs/{lib}" in maps, f"{lib} is not the wheel's own"
print("wheel smoke ok")
