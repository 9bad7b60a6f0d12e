"""`mevlib monitor`: serves the dashboard on 127.0.0.1.

One task drains the bot's event ring every 16 ms and sends each connected page one binary
WebSocket frame of at most 2048 events, each a delta against the previous event of its kind
(mevlib/monitor/wire.py); what does not fit waits in the ring for the next frame, so a burst is
spread out, never dropped here. The same events feed the Prometheus counters at /metrics.

The page is cross-origin isolated (COOP same-origin, COEP require-corp on every file it loads),
so its worker can hand events over through a SharedArrayBuffer; `isolate=False` leaves the
headers off and the page falls back to transferring ArrayBuffers.

Not an open door, even on loopback (any local process, and any web page the user opens, can
reach 127.0.0.1): a random token is made unless one is given, and /ws and /metrics need it, as
``Authorization: Bearer`` or the HttpOnly cookie that POST /session sets for the page. The URL to
open carries it in the #fragment, which browsers never send, so it reaches no access log (the
query string is never read for it). Every request's Host must be one we serve on (DNS
rebinding), and /ws refuses an Origin other than the page's own.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import hmac
import logging
import mimetypes
import os
import pathlib
import secrets
import sys
import time

import numpy as np

from mevlib._extras import require
from mevlib.monitor.events import EVENT_DTYPE, Kind
from mevlib.monitor.metrics import Metrics
from mevlib.monitor.wire import DeltaEncoder
from mevlib.ring import RecordRing

FRAME_S = 0.016
FRAME_MAX = 2048
ISOLATION = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp",
             "Cross-Origin-Resource-Policy": "same-origin"}
STATIC = pathlib.Path(__file__).parent / "static"
COOKIE = "mevlib_session"
# the page (also at the design note's /monitoring) and the exchange that lets it in; /static/ too
PUBLIC = ("/", "/monitoring", "/monitoring/", "/session")
log = logging.getLogger("mevlib.monitor")


def _web():
    return require("aiohttp.web", "monitor", "the dashboard")


class Assets:
    """The page's files (static/), read and compressed once when the server starts: each served
    Brotli- or gzip-encoded as the request's Accept-Encoding allows (Brotli first), or as it is;
    with an ETag, so a reload that changed nothing costs a 304."""

    def __init__(self, root: pathlib.Path = STATIC):
        brotli = require("brotli", "monitor", "the dashboard's compressed assets")
        self.files = {}
        for path in sorted(p for p in root.iterdir() if p.is_file()):
            raw = path.read_bytes()
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.files[path.name] = {"identity": raw, "br": brotli.compress(raw, quality=11),
                                     "gzip": gzip.compress(raw, 9, mtime=0), "type": kind,
                                     "etag": '"' + hashlib.sha256(raw).hexdigest()[:16] + '"'}

    @staticmethod
    def encoding(accept: str) -> str:
        """br, gzip or identity: the first of br and gzip the header accepts with q > 0."""
        accepted = {}
        for part in accept.split(","):
            token, _, params = part.strip().partition(";")
            q = 1.0
            for param in params.split(";"):
                name, _, value = param.strip().partition("=")
                if name == "q":
                    try:
                        q = float(value)
                    except ValueError:
                        q = 0.0
            accepted[token.strip().lower()] = q
        for name in ("br", "gzip"):
            if accepted.get(name, accepted.get("*", 0.0)) > 0:
                return name
        return "identity"

    def response(self, request, name: str, headers: dict | None = None):
        web = _web()
        asset = self.files.get(name)
        if asset is None:
            raise web.HTTPNotFound()
        common = {"ETag": asset["etag"], "Cache-Control": "no-cache", "Vary": "Accept-Encoding", **(headers or {})}
        if request.headers.get("If-None-Match") == asset["etag"]:
            return web.Response(status=304, headers=common)
        encoding = self.encoding(request.headers.get("Accept-Encoding", ""))
        if encoding != "identity":
            common["Content-Encoding"] = encoding
        return web.Response(body=asset[encoding], content_type=asset["type"], headers=common)


class Monitor:
    def __init__(self, ring: str | RecordRing, *, token: str | None = None, frame_s: float = FRAME_S,
                 frame_max: int = FRAME_MAX, isolate: bool = True):
        self.ring = ring if isinstance(ring, RecordRing) else RecordRing.attach(ring, EVENT_DTYPE, role="consumer")
        self.token = token or secrets.token_urlsafe(32)
        self.frame_s, self.frame_max = frame_s, frame_max
        self.isolate = isolate
        self.encoder = DeltaEncoder()
        self.hosts: set[str] = set()  # Host header values we answer to, set when bound
        self.metrics = Metrics()
        self.clients: set = set()
        self.names: dict[tuple[int, int], str] = {}
        self.frames = self.events = 0
        self._seq = 0

    # --- HTTP ------------------------------------------------------------------------------------
    def url(self, host: str, port: int) -> str:
        """What to open: the token rides in the fragment, which the browser keeps to itself."""
        return f"http://{host}:{port}/#token={self.token}"

    def serve_on(self, host: str, port: int) -> None:
        """The Host headers to accept: the bound address, and localhost's names on loopback."""
        names = {host}
        if host in ("127.0.0.1", "::1", "localhost"):
            names |= {"127.0.0.1", "localhost", "[::1]"}
        self.hosts = {f"{n}:{port}" for n in names} | ({f"[{host}]:{port}"} if ":" in host else set())

    def _authorised(self, request) -> bool:
        given = (request.headers.get("Authorization", "").removeprefix("Bearer ")
                 or request.cookies.get(COOKIE, ""))
        return hmac.compare_digest(given.encode(), self.token.encode())

    def app(self):
        web = _web()

        @web.middleware
        async def guard(request, handler):
            if request.host not in self.hosts:
                raise web.HTTPMisdirectedRequest(text="not served under that name")
            # the page's code is public; the events and metrics are not
            public = request.path in PUBLIC or request.path.startswith("/static/")
            if not public and not self._authorised(request):
                raise web.HTTPUnauthorized(text="token required")
            return await handler(request)

        assets = Assets()

        isolation = ISOLATION if self.isolate else {}

        async def index(request):
            return assets.response(request, "index.html", {"Referrer-Policy": "no-referrer", **isolation})

        async def static(request):
            return assets.response(request, request.match_info["name"], isolation)

        async def monitoring_slash(request):  # the page's relative URLs resolve from /monitoring
            raise web.HTTPPermanentRedirect("/monitoring")

        async def session(request):
            if not self._authorised(request):
                raise web.HTTPUnauthorized(text="token required")
            response = web.HTTPNoContent()
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict", path="/")
            return response

        app = web.Application(middlewares=[guard])
        app.router.add_get("/", index)
        app.router.add_get("/monitoring", index)
        app.router.add_get("/monitoring/", monitoring_slash)
        app.router.add_post("/session", session)
        app.router.add_get("/ws", self._ws)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/static/{name}", static)
        app.on_startup.append(self._start_pump)
        app.on_cleanup.append(self._stop_pump)
        return app

    async def _metrics(self, request):
        web = _web()

        return web.Response(text=self.metrics.exposition(), content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})

    async def _ws(self, request):
        web = _web()

        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="cross-origin WebSocket refused")
        ws = web.WebSocketResponse(heartbeat=10, max_msg_size=1 << 16)
        await ws.prepare(request)
        self.clients.add(ws)
        self.encoder.key_frame()  # the next frame starts every kind afresh: this page can decode it
        try:
            await ws.send_json({"names": [[space, i, n] for (space, i), n in self.names.items()],
                                "frame_ms": self.frame_s * 1e3, "frame_max": self.frame_max})
            async for _ in ws:  # the page sends nothing; this waits for it to go away
                pass
        finally:
            self.clients.discard(ws)
        return ws

    # --- the pump ---------------------------------------------------------------------------------
    async def _start_pump(self, app):
        self._pump = asyncio.create_task(self.pump())

    async def _stop_pump(self, app):
        self._pump.cancel()
        for ws in list(self.clients):
            await ws.close()

    def take_frame(self) -> np.ndarray:
        """Up to frame_max events from the ring, folded into the metrics."""
        batch = self.ring.pop_array(self.frame_max)
        if len(batch):
            self.events += len(batch)
            for e in batch[batch["kind"] == Kind.NAME]:  # names first: the same frame may use them
                self.names[(int(e["flag"]), int(e["route"]))] = e.tobytes()[16:32].rstrip(b"\0").decode(errors="replace")
            self.metrics.observe(batch, self.names)
        return batch

    async def pump(self):
        next_at = time.monotonic()
        while True:
            next_at += self.frame_s
            batch = self.take_frame()
            if len(batch):  # encoded with no page open too: the state and byte counts stay current
                self._seq += 1
                frame = self.encoder.encode(batch, self._seq)
                self.frames += 1
                for ws in list(self.clients):
                    if ws.closed:
                        self.clients.discard(ws)
                        continue
                    try:
                        await ws.send_bytes(frame)
                    except ConnectionError:
                        self.clients.discard(ws)
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() - next_at > 0.25:  # fell far behind (suspended): restart the cadence
                next_at = time.monotonic()


def serve_bot(port: int, token: str | None = None):
    """The dashboard of a bot in this process: an EventPublisher for its records and the page on
    127.0.0.1:`port` (0: any). Returns (publisher, monitor, page URL with its token, [closers])."""
    import os

    from mevlib.monitor.events import EventPublisher

    events = EventPublisher(f"mevlib-events-{os.getpid()}")
    monitor = Monitor(events.name, token=token)
    bound, stop = start_in_thread(monitor, port)
    return events, monitor, monitor.url("127.0.0.1", bound), [stop, events.close]


def start_in_thread(monitor: Monitor, port: int = 0, host: str = "127.0.0.1"):
    """Serves from a background thread (the bot's own process, or a test); returns (port, stop)."""
    import threading

    web = _web()

    loop = asyncio.new_event_loop()
    runner = web.AppRunner(monitor.app())
    ready = threading.Event()
    bound = {}

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, host, port)
        loop.run_until_complete(site.start())
        bound["port"] = site._server.sockets[0].getsockname()[1]
        monitor.serve_on(host, bound["port"])
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="mevlib-monitor", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the monitor did not start")

    def stop():
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return bound["port"], stop


def serve(monitor: Monitor, port: int = 8765, host: str = "127.0.0.1") -> None:
    web = _web()

    monitor.serve_on(host, port)
    web.run_app(monitor.app(), host=host, port=port, print=lambda *a: None)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="mevlib monitor", description="the live dashboard")
    ap.add_argument("--ring", required=True, help="the bot's event ring (EventPublisher name)")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--token", default=os.environ.get("MEVLIB_MONITOR_TOKEN"),
                    help="the token /ws and /metrics need (default: $MEVLIB_MONITOR_TOKEN, else random)")
    ap.add_argument("--no-isolation", action="store_true",
                    help="leave out the COOP/COEP headers (for a proxy in front that cannot pass them): "
                         "the page then gets its events by message instead of through shared memory")
    args = ap.parse_args(argv)
    monitor = Monitor(args.ring, token=args.token, isolate=not args.no_isolation)
    print(f"dashboard on {monitor.url(args.host, args.port)}  (metrics: Authorization: Bearer <token>)",
          flush=True)
    serve(monitor, args.port, args.host)
    return 0


if __name__ == "__main__":
    sys.exit(main())
