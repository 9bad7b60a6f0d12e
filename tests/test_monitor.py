"""The dashboard: frames of at most 256 events every 16 ms with nothing lost, the token, the
Prometheus exposition, and the page itself in headless Chromium at 10,000 events/s: the worker
must post at least 10x fewer batches than events, the virtual table must hold 100,000 rows, and
Ctrl+Shift+P must show the performance overlay; every chart has titled axes with values, and
leaders show as short pubkeys. A screenshot goes to test-artifacts/."""
import asyncio
import json
import logging
import pathlib
import re
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from mevlib.monitor import EVENT_DTYPE, EventPublisher, Kind
from mevlib.monitor.events import key_name, name_fields, paced_load, synthetic
from mevlib.monitor.server import Monitor, start_in_thread
from mevlib.monitor.wire import DeltaDecoder, DeltaEncoder, quantised

ARTIFACTS = pathlib.Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def events(ring_name):
    pub = EventPublisher(ring_name, capacity=1 << 17)
    yield pub
    pub.close()


@pytest.fixture
def dashboard(ring_name):
    """Serves the dashboard on the test's ring and starts headless Chromium: dashboard(**Monitor
    options) -> (monitor, port, browser), both stopped after the test."""
    from cdp import CHROMIUM, Browser

    if CHROMIUM is None:
        pytest.skip("chromium is not installed: `make test` installs it")
    closers = []

    def serve(**options):
        monitor = Monitor(ring_name, **options)
        port, stop = start_in_thread(monitor)
        closers.append(stop)
        browser = Browser()
        closers.append(browser.close)
        return monitor, port, browser

    yield serve
    for close in reversed(closers):
        close()


def fetch(url, headers=None, method="GET"):
    """(status, body, headers) of one request."""
    import urllib.error
    import urllib.request

    try:
        req = urllib.request.Request(url, headers=headers or {}, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, "", e.headers


def test_frames_are_capped_and_nothing_is_lost(events, ring_name):
    monitor = Monitor(ring_name, frame_max=256)
    sent = synthetic(1000, np.random.default_rng(1))
    assert events.push_many(sent) == 1000
    frames = []
    while len(batch := monitor.take_frame()):
        frames.append(batch)
    assert [len(f) for f in frames] == [256, 256, 256, 232]
    assert np.array_equal(np.concatenate(frames), sent)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Kind)), st.integers(0, 255), st.integers(0, 1),
                          st.integers(0, 2**32 - 1), st.floats(0, 4e12),
                          st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**40, 2**40)),
                          st.one_of(st.floats(-1e13, 1e13), st.sampled_from([165.0, 752.0, 0.0])),
                          st.integers(0, 2**32 - 1)), min_size=1, max_size=300),
       st.integers(1, 5))
def test_delta_frames_decode_to_the_events(rows, frames):
    """Any events, cut into frames: the reference decoder gets back each one at the wire's
    resolution (times to the µs, a and b to the thousandth unless they travel as f64, NAME text
    and NaN payloads bit for bit), whatever each kind's previous event was."""
    events = np.zeros(len(rows), EVENT_DTYPE)
    for i, (kind, route, flag, slot, t, a, b, id_) in enumerate(rows):
        events[i] = (kind, route, flag, 0, slot, t, a, b, id_, 0)
    encoder, decoder, late = DeltaEncoder(), DeltaDecoder(), DeltaDecoder()
    got, got_late = [], []
    for seq, part in enumerate(np.array_split(events, frames)):
        if seq == 2:
            encoder.key_frame()  # a page joined: every kind starts afresh, and `late` can start here
        frame = encoder.encode(part, seq)
        decoded_seq, decoded = decoder.decode(frame)
        assert decoded_seq == seq
        got.append(decoded)
        if seq:  # a page that joined after the first (key) frame
            got_late.append(late.decode(frame)[1])
    expected = quantised(events)
    assert np.concatenate(got).tobytes() == expected.tobytes()
    tail = np.concatenate(np.array_split(expected, frames)[2:] or [expected[:0]])
    assert np.concatenate(got_late or [expected[:0]]).tobytes() == tail.tobytes()  # nothing before a key frame
    assert encoder.wire_bytes < encoder.raw_bytes + 10 * len(events)


def test_a_damaged_frame_is_refused():
    """Every byte of a frame is checked: each shorter prefix of a good frame, a byte too many, an
    overlong varint, all raise InvalidArgumentError (the worker's decoder checks the same, tested
    in Chromium below)."""
    from mevlib.errors import InvalidArgumentError

    frame = DeltaEncoder().encode(synthetic(50, np.random.default_rng(9)), 1)
    for cut in range(len(frame)):
        with pytest.raises(InvalidArgumentError):
            DeltaDecoder().decode(frame[:cut])
    with pytest.raises(InvalidArgumentError):
        DeltaDecoder().decode(frame + b"\0")
    overlong = bytes([1, 0, 0, 0, 1, 0, 0, 0, 1, Kind.STATS, 4]) + b"\xff" * 10 + b"\0"  # slot: 11 varint bytes
    with pytest.raises(InvalidArgumentError):
        DeltaDecoder().decode(overlong)
    with pytest.raises(InvalidArgumentError):  # four billion events claimed: refused before allocating
        DeltaDecoder().decode(b"\xff\xff\xff\xff" + frame[4:])


def test_names_and_metrics(events, ring_name):
    monitor = Monitor(ring_name)
    events.record({"kind": "shot_result", "attempt": 1, "shot": 2, "route": "jito-ny", "status": "ok",
                   "late_ns": 42_000, "sent_ns": 1_000_000, "done_ns": 1_800_000})
    events.record({"kind": "outcome", "attempt": 1, "route": "jito-ny", "landed": True, "target_slot": 9,
                   "tip_paid": 25_000})
    events.record({"kind": "outcome", "attempt": 3, "route": None, "landed": False, "target_slot": 9})
    events.stats(ring_depth=12, coalesced=5, dropped=0)
    leader = "Dpwa7pQd2tVN1bRBA3hUvt4SwgXy6K8rRxDVh5tQ8Ccz"
    events.record({"kind": "plan", "slot": 9, "phase_ms": 120.0, "phase_std_ms": 8.0, "leader": leader})
    monitor.take_frame()
    assert monitor.names[(0, 0)] == "jito-ny"
    assert monitor.names[(1, 0)] == leader[:8] + leader[-8:]  # the page shows "Dpwa…8Ccz"
    text = monitor.metrics.exposition()
    assert 'mevlib_shots_total{route="jito-ny",accepted="true"} 1' in text
    assert 'mevlib_attempts_total{route="jito-ny",landed="true"} 1' in text
    assert 'mevlib_tips_paid_lamports_total{route="jito-ny"} 25000' in text
    assert 'mevlib_shot_late_us_bucket{route="jito-ny",le="50"} 1' in text
    assert 'mevlib_shot_rtt_us_bucket{route="jito-ny",le="500"} 0' in text
    assert 'mevlib_shot_rtt_us_bucket{route="jito-ny",le="1000"} 1' in text
    assert "mevlib_ring_depth 12" in text
    for line in text.splitlines():  # every sample line is "name{labels} number"
        if not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_pools_cycles_and_opportunities_become_events(events, ring_name):
    """A real finder's pool update, a cycle it finds and an attempt's value and outcome, as the
    engine publishes them: POOL with the finder's marginal rates (exact on the wire), the pool and
    mint names; CYCLE with its pools; ATTEMPT with the value; OUTCOME with tip and fee."""
    import random

    from test_arb import WSOL, add

    from mevlib.dex import arb
    from mevlib.monitor.events import Space, pool_name

    rng = random.Random(4)
    finder = arb.Finder([WSOL])
    token = Pubkey.from_bytes(rng.randbytes(32))
    cheap = add(finder, rng, "amm_v4", token, WSOL, 10**12, 10**14)[0]
    add(finder, rng, "cpmm", token, WSOL, 10**12, 102 * 10**12)  # the dear side of the cycle
    monitor = Monitor(ring_name)
    events.pool(finder, cheap, slot=77)
    finder.on_cycle = lambda cycle: events.cycle(finder, cycle, 78)
    cycle = finder.best_cycle(cheap, max_in=10**12)
    events.record({"kind": "shot", "attempt": 5, "shot": 6, "route": "jito-ny", "target_slot": 79, "index": 0,
                   "tip": 20_000, "value": float(cycle.profit)})
    events.record({"kind": "shot", "attempt": 5, "shot": 7, "route": "rpc", "target_slot": 79, "index": 1,
                   "tip": 30_000, "value": float(cycle.profit)})  # one ATTEMPT per attempt
    events.record({"kind": "outcome", "attempt": 5, "route": "jito-ny", "landed": True, "target_slot": 79,
                   "tip_paid": 20_000, "fee_paid": 10_000})
    frame = monitor.take_frame()
    seq, got = DeltaDecoder().decode(DeltaEncoder().encode(frame, 1))
    by_kind = {Kind(k): got[got["kind"] == k] for k in set(got["kind"]) if k != Kind.NAME}
    names = monitor.names
    (p,) = by_kind[Kind.POOL]
    assert (p["a"], p["b"]) == finder.marginal_rates(cheap) and p["slot"] == 77
    assert names[(Space.POOL, int(p["route"]))] == pool_name("amm_v4", cheap)
    assert names[(Space.MINT, int(p["id"]) & 0xFFFF)] == key_name(token)[:16]
    assert names[(Space.MINT, int(p["id"]) >> 16)] == key_name(WSOL)
    (c,) = by_kind[Kind.CYCLE]
    assert c["route"] == len(cycle.hops) == 2 and c["a"] == cycle.profit and c["b"] == cycle.amount_in
    hop_pools = [names[(Space.POOL, int(c["id"]) >> (8 * h) & 0xFF)] for h in range(2)]
    assert hop_pools == [pool_name(finder.describe(h.pool)[0], h.pool) for h in cycle.hops]
    (attempt,) = by_kind[Kind.ATTEMPT]
    assert attempt["id"] == 5 and attempt["a"] == cycle.profit and attempt["slot"] == 79
    (outcome,) = by_kind[Kind.OUTCOME]
    assert (outcome["a"], outcome["b"]) == (20_000, 10_000)


def test_websocket_frames_and_token(events, ring_name, caplog):
    import aiohttp

    caplog.set_level(logging.INFO, logger="aiohttp.access")
    monitor = Monitor(ring_name, token="s3cret")
    port, stop = start_in_thread(monitor)
    try:
        base = f"http://127.0.0.1:{port}"
        bearer = {"Authorization": "Bearer s3cret"}
        assert fetch(base + "/")[0] == 200  # the page's code is public; what it shows is not
        # the design note's monitoring URL serves the same page (a trailing slash redirects, so
        # its relative URLs resolve)
        assert fetch(base + "/monitoring")[:2] == fetch(base + "/")[:2]
        assert fetch(base + "/monitoring/")[:2] == fetch(base + "/")[:2]
        assert fetch(base + "/static/protoCoalesce.worker.js")[0] == 200
        assert fetch(base + "/metrics?token=s3cret")[0] == 401  # never in a URL: URLs get logged
        assert fetch(base + "/metrics")[0] == 401
        assert fetch(base + "/metrics", {"Authorization": "Bearer wrong"})[0] == 401
        assert fetch(base + "/metrics", bearer)[0] == 200
        # the page trades the token (from the URL's #fragment, never sent) for an HttpOnly cookie
        status, _, headers = fetch(base + "/session", bearer, method="POST")
        cookie = headers["Set-Cookie"]
        assert status == 204 and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert fetch(base + "/session", method="POST")[0] == 401
        assert fetch(base + "/metrics", {"Cookie": cookie.split(";")[0]})[0] == 200
        # DNS rebinding: a name that resolves here but is not where we serve
        assert fetch(base + "/", {"Host": f"evil.example:{port}"})[0] == 421
        assert fetch(base + "/metrics", {**bearer, "Host": f"evil.example:{port}"})[0] == 421

        async def refused(url, **kw):
            async with aiohttp.ClientSession() as s:
                with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                    await s.ws_connect(url, **kw)
                return e.value.status

        ws_url = f"ws://127.0.0.1:{port}/ws"
        assert asyncio.run(refused(ws_url)) == 401
        assert asyncio.run(refused(ws_url, headers={**bearer, "Origin": "http://evil.example"})) == 403
        assert asyncio.run(refused(ws_url, headers={**bearer, "Origin": f"http://localhost:{port + 1}"})) == 403

        async def listen():
            async with aiohttp.ClientSession() as s:
                async with s.ws_connect(ws_url, headers={**bearer, "Origin": base}) as ws:
                    meta = json.loads((await ws.receive()).data)
                    assert meta["frame_max"] == 2048
                    decoder = DeltaDecoder()
                    sent = synthetic(3000, np.random.default_rng(2))
                    for part in np.array_split(sent, 6):
                        events.push_many(part)
                    got, seqs = [], []
                    while sum(len(g) for g in got) < len(sent):
                        msg = await asyncio.wait_for(ws.receive(), 10)
                        seq, events_ = decoder.decode(msg.data)
                        assert 0 < len(events_) <= 2048 and len(msg.data) < 8 + 40 * len(events_)
                        seqs.append(seq)
                        got.append(events_)
                    assert np.array_equal(np.concatenate(got), quantised(sent))
                    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        asyncio.run(listen())
    finally:
        stop()
    # every request was logged; the token only in the one that put it in its URL on purpose
    logged = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(logged) >= 10
    assert [line for line in logged if "s3cret" in line] == [line for line in logged if "?token=s3cret" in line]
    assert len([line for line in logged if "?token=s3cret" in line]) <= 1


def test_a_token_by_default():
    from mevlib.ring import RecordRing

    a, b = (Monitor(RecordRing(EVENT_DTYPE, 1024)) for _ in range(2))
    assert len(a.token) >= 32 and a.token != b.token


def wait_for(browser, condition, timeout=20):
    """Polls a JavaScript condition in the page until it holds."""
    deadline = time.monotonic() + timeout
    while not browser.eval(condition):
        assert time.monotonic() < deadline, f"never true: {condition}"
        time.sleep(0.05)


def next_frames(browser, frames=2):
    """Returns once the page has drawn `frames` more animation frames (what it changed is on it)."""
    browser.eval(f"new Promise((done) => {{ let n = {frames}; const step = () => --n ? requestAnimationFrame(step) "
                 f": done(); requestAnimationFrame(step); }})")


def open_live(browser, monitor, port, path="/"):
    """Opens the dashboard with its token and waits until the page's websocket is live."""
    browser.goto(f"http://127.0.0.1:{port}{path}#token={monitor.token}")
    wait_for(browser, "document.getElementById('status')?.textContent === 'live'")


def test_dashboard_in_headless_chromium(events, dashboard):
    monitor, port, browser = dashboard()
    pump = threading.Event()
    pushed = [0]

    leaders = [str(Keypair().pubkey()) for _ in range(8)]

    def load():  # 10,000 events/s in batches of 100, as a busy bot would publish them
        named = [(0, route, name) for route, name in enumerate(["rpc", "jito-ny", "jito-ams", "sender"])]
        named += [(1, i, key_name(key)) for i, key in enumerate(leaders)]
        named += [(2, i, name) for i, name in enumerate(["amm_v4 58oQCh", "whirlpool Czfq", "cpmm 7JuwJu",
                                                         "dlmm 5rCf1D", "clmm 3ucNos", "pump 9Mhcqz"])]
        named += [(3, i, key_name(mint)) for i, mint in enumerate(
            ["So11111111111111111111111111111111111111112", "TokAa1111111111111111111111111111111111111",
             "TokBb1111111111111111111111111111111111111"])]
        for space, index, name in named:
            events.push_many(name_events(space, {index: name}))
        pushed[0] = paced_load(events, 10_000, pump, seed=3)

    try:
        open_live(browser, monitor, port)
        # the first load: the page and its files as the browser fetched them (Performance API)
        first = browser.eval("(() => { const nav = performance.getEntriesByType('navigation')[0];"
                             " const all = [nav, ...performance.getEntriesByType('resource')];"
                             " const sum = (k) => all.reduce((s, e) => s + e[k], 0);"
                             " return {files: all.length, encoded: sum('encodedBodySize'),"
                             " decoded: sum('decodedBodySize'), ms: nav.loadEventEnd - nav.startTime,"
                             " at: Object.fromEntries(all.map((e) => [e.name.split('/').pop(), [e.startTime, e.responseEnd]]))};"
                             " })()")
        loader = threading.Thread(target=load)
        minutes = [time.time() // 60]
        loader.start()
        time.sleep(12)  # past 100,000 rows: the table's ring wraps
        browser.key("P", "KeyP", 2 | 8)  # Ctrl+Shift+P
        time.sleep(1.2)
        pump.set()
        loader.join()
        minutes.append(time.time() // 60)
        page = browser.eval("({fps: window.__mevlib.fps, posts: window.__mevlib.postsReceived, "
                            "events: window.__mevlib.eventsReceived, rows: window.__mevlib.rows, "
                            "worker: window.__mevlib.worker, overlay: document.getElementById('perf').hidden, "
                            "handoff: window.__mevlib.handoff, isolated: self.crossOriginIsolated, "
                            "sheds: window.__mevlib.memory.sheds.length, analytics: window.__mevlib.analytics, "
                            "perf: document.getElementById('perf').textContent, axes: window.__mevlib.axes})")
        browser.eval("window.__mevlib.scrollTo(99950)")
        next_frames(browser)
        last_rows = browser.eval("[...document.querySelectorAll('.rows .row')].filter(r => r.style.display !== 'none')"
                                 ".map(r => r.firstChild.children[1].textContent)")
        ARTIFACTS.mkdir(exist_ok=True)
        browser.eval("window.__mevlib.scrollTo(0)")
        next_frames(browser)
        browser.screenshot(str(ARTIFACTS / "monitor.png"))
    finally:
        pump.set()
    print(f"\nfirst load: {first['files']} files, {first['encoded']:,} bytes over the wire for "
          f"{first['decoded']:,} ({first['decoded'] / first['encoded']:.1f}x compressed), {first['ms']:.0f} ms to load")
    assert first["files"] >= 7 and first["encoded"] * 2 < first["decoded"]
    # every module app.js imports has a preload hint in the page, and the browser acts on them:
    # modules are requested before app.js has even arrived (without hints, only once it is parsed;
    # how many at once depends on the browser's connections per host)
    from mevlib.monitor.server import STATIC

    imported = re.findall(r'^import .* from "\./(\w+\.js)";', (STATIC / "app.js").read_text(), re.M)
    hinted = re.findall(r'<link rel="modulepreload" href="static/(\w+\.js)">', (STATIC / "index.html").read_text())
    assert len(imported) >= 3 and set(imported) <= set(hinted)
    at = first["at"]
    assert any(at[name][0] < at["app.js"][1] for name in imported), list(at.items())
    fps = page["fps"][2:]  # the first seconds include loading
    worker = page["worker"]
    print(f"\ndashboard at 10,000 events/s: FPS median {np.median(fps):.1f} (min {min(fps):.1f}), "
          f"{page['events']:,} events in {page['posts']:,} worker posts, {pushed[0]:,} pushed; "
          f"{worker['bytes'] / worker['events']:.1f} bytes/event on the wire (40 as fixed records)")
    assert np.median(fps) >= 58 and page["sheds"] == 0
    # the worker's analytics kept up: opportunities decided, spreads and triangles over the six pools
    analytics = page["analytics"]
    assert analytics["totals"]["opportunities"] > 1000 and analytics["cycles"]["pools"] == 6
    assert analytics["cycles"]["spreads"] and analytics["cycles"]["triangles"]
    pivots = analytics["chart"]["pivots"]  # a minute's pivots once the load has crossed into the next minute
    assert pivots is None if minutes[0] == minutes[1] else pivots["s1"] <= pivots["p"] <= pivots["r1"]
    assert page["isolated"] is True and page["handoff"] == worker["handoff"] == "shared"
    assert worker["bytes"] / worker["events"] <= 20  # delta-encoded: at most half the fixed 40 bytes
    assert page["events"] >= 0.9 * pushed[0] and worker["lost"] == worker["bad"] == 0
    assert page["posts"] * 10 <= page["events"], "the worker must coalesce: at least 10x fewer posts than events"
    assert page["rows"] == 100_000  # the table holds the last 100,000
    assert page["overlay"] is False and "FPS" in page["perf"]
    assert last_rows and all(k in {"shot", "outcome", "delta", "slot", "stats", "attempt", "pool", "cycle"}
                             for k in last_rows)
    assert (ARTIFACTS / "monitor.png").stat().st_size > 10_000
    # every chart: both axes titled, the value axis with its values, the x axis with its ticks
    axes = page["axes"]
    assert sorted(axes) == ["feed", "landing", "phase", "price", "tips"]
    for chart in axes.values():
        assert chart["yTitle"] and chart["xTitle"] and len(chart["y"]) == 3 and chart["x"]
        assert all(re.fullmatch(r"-?[0-9.]+[kMG%]?", v) for v in chart["y"]), chart
    assert axes["landing"]["y"] == ["0%", "50%", "100%"] and axes["phase"]["y"] == ["0", "200", "400"]
    assert axes["tips"]["x"] == ["rpc", "jito-ny", "jito-ams", "sender"]
    # leaders as short pubkeys: the first and last four characters
    assert axes["phase"]["x"] == [f"{key[:4]}…{key[-4:]}" for key in leaders]


def test_shadow_sends_on_the_page(events, dashboard):
    """Shadow mode's would-be shots reach the page (opened at the design note's /monitoring): a row
    each, and the header says so. Served without the isolation headers, so the worker hands
    batches over the fallback way, transferring their buffers."""
    monitor, port, browser = dashboard(isolate=False)
    open_live(browser, monitor, port, "/monitoring")
    for i in range(6):
        events.record({"kind": "shadow", "attempt": 40 + i // 3, "route": "jito-ny", "target_slot": 1000 + i,
                       "tip": 20_000 + i, "units": 450, "sim_ok": i != 5})
    wait_for(browser, "document.getElementById('totals').textContent.includes('6 shots not sent')")
    page = browser.eval("({shadow: window.__mevlib.shadow, totals: document.getElementById('totals').textContent, "
                        "handoff: window.__mevlib.handoff, isolated: self.crossOriginIsolated, "
                        "rows: [...document.querySelectorAll('.rows .row')].filter(r => r.style.display !== 'none')"
                        ".map(r => [...r.firstChild.children].map(c => c.textContent))})")
    assert page["isolated"] is False and page["handoff"] == "transfer"
    assert page["shadow"] == {"shots": 6, "ok": 5}
    assert "SHADOW MODE: 6 shots not sent, 5 simulated ok" in page["totals"]
    shadow_rows = [r for r in page["rows"] if r[1] == "shadow"]
    assert len(shadow_rows) == 6 and shadow_rows[0][2] == "jito-ny"
    assert shadow_rows[0][4] == "would tip 20005" and "simulation failed, 450 CU #41" in shadow_rows[0][5]


def test_the_worker_refuses_a_damaged_frame(events, dashboard):
    """A frame cut short on the WebSocket: the worker counts it bad, stops decoding (nothing after
    it can be trusted until a key frame) and closes the socket; the page says disconnected and the
    events before it are all there."""
    monitor, port, browser = dashboard()
    open_live(browser, monitor, port)
    events.push_many(synthetic(500, np.random.default_rng(2)))
    wait_for(browser, "window.__mevlib.eventsReceived === 500")
    good = monitor.encoder.encode
    monitor.encoder.encode = lambda batch, seq: good(batch, seq)[:-3]
    events.push_many(synthetic(10, np.random.default_rng(3)))
    wait_for(browser, "document.getElementById('status').textContent === 'disconnected'")
    wait_for(browser, "window.__mevlib.worker?.bad > 0")  # its counters, posted four times a second
    page = browser.eval("({worker: window.__mevlib.worker, events: window.__mevlib.eventsReceived})")
    assert page["worker"]["bad"] == 1 and page["events"] == 500


def test_assets_are_served_compressed_as_the_request_accepts(events, ring_name):
    """The page's files go out Brotli- or gzip-encoded as Accept-Encoding allows (Brotli first,
    q=0 refuses), as they are otherwise, with Vary and an ETag that makes a reload a 304; a name
    that is not one of them is a 404."""
    import gzip
    import urllib.error
    import urllib.request

    import brotli

    from mevlib.monitor.server import STATIC

    def get(path, **headers):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, b"", e.headers

    port, stop = start_in_thread(Monitor(ring_name))
    try:
        raw_total = br_total = 0
        pages = {"/": "index.html", "/monitoring": "index.html"}
        for path, name in [*pages.items(), *((f"/static/{p.name}", p.name) for p in STATIC.iterdir())]:
            raw = (STATIC / name).read_bytes()
            status, body, headers = get(path, **{"Accept-Encoding": "gzip, deflate, br"})
            assert status == 200 and headers["Content-Encoding"] == "br" and brotli.decompress(body) == raw
            assert "Accept-Encoding" in headers["Vary"]
            # every file of the page keeps it cross-origin isolated (the worker's shared ring needs it)
            assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
            if path != "/monitoring":  # the same page as /
                raw_total, br_total = raw_total + len(raw), br_total + len(body)
            status, body, headers = get(path, **{"Accept-Encoding": "br;q=0, gzip;q=0.5"})
            assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == raw
            status, body, headers = get(path)
            assert "Content-Encoding" not in headers and body == raw
            assert get(path, **{"If-None-Match": headers["ETag"]})[0] == 304
        assert get("/static/nothing.js")[0] == 404 and get("/static/..%2Fserver.py")[0] == 404
        print(f"\ndashboard assets: {raw_total:,} bytes, {br_total:,} with Brotli ({raw_total / br_total:.1f}x)")
        assert br_total * 2 < raw_total
    finally:
        stop()


def test_table_rows_of_mixed_heights_scroll_and_stay_anchored(events, dashboard):
    """100,000 rows, every seventh expanded to its details (attempts of a few events, so heights
    differ): scrolled through at 2,000 px a frame they hold >= 55 FPS, and each expanded
    row's estimated height is replaced by the measured one as it is drawn. Away from the top, the
    row at the top of the view keeps its place while 2,000 events arrive above it and while a row
    above it expands; at the top, the newest row shows. A click expands a row."""
    rng = np.random.default_rng(7)
    last_id = [0]

    def attempts(n):  # attempts of about three events (shots, then the outcome), each under its own id
        out = synthetic(n, rng)
        ids = last_id[0] + 1 + np.cumsum(rng.random(n) < 0.35)
        last_id[0] = int(ids[-1])
        out["id"] = ids
        out["kind"] = np.where(np.append(ids[1:] != ids[:-1], True), Kind.OUTCOME, Kind.SHOT)
        return out

    monitor, port, browser = dashboard()
    open_live(browser, monitor, port)
    for _ in range(5):
        events.push_many(attempts(20_000))
    wait_for(browser, "window.__mevlib.rows === 100000 && window.__mevlib.worker?.waiting === 0")
    scroll = browser.eval("""(async () => {
        const t = window.__mevlib.table;
        for (let p = 0; p < 100000; p += 7) t.expandPosition(p);
        const vp = t.viewport, frames = [];
        await new Promise((done) => {
          const step = (now) => {
            frames.push(now);
            vp.scrollTop += 2000;
            if (vp.scrollTop + vp.clientHeight < vp.scrollHeight - 1 && frames.length < 600) requestAnimationFrame(step);
            else done();
          };
          requestAnimationFrame(step);
        });
        const measured = t.measured.reduce((s, v) => s + (v > 0), 0);
        // the cache against the page: every open row in view as tall as its cached height
        const rows = [...document.querySelectorAll('.rows .row')].filter((r) => r.style.display !== 'none');
        const wrong = rows.filter((r) => r.offsetHeight !== 20 + t.extra[+r.dataset.seq % 100000]).length;
        const secs = (frames[frames.length - 1] - frames[0]) / 1000;
        return {fps: (frames.length - 1) / secs, frames: frames.length,
                measured, wrong, open: rows.filter((r) => r.classList.contains('open')).length,
                heights: [...new Set([...t.extra].filter((x) => x > 0))].length};
    })()""")
    # anchoring: a row in the middle of the table stays where it is in the view
    browser.eval("window.__mevlib.scrollTo(5000)")
    next_frames(browser)
    before = browser.eval("window.__mevlib.table.firstVisible()")
    events.push_many(attempts(2_000))
    wait_for(browser, f"window.__mevlib.table.rendered === {before['seq'] + before['position'] + 2000}")
    next_frames(browser)
    after_arrivals = browser.eval("window.__mevlib.table.firstVisible()")
    browser.eval("window.__mevlib.table.expandPosition(1000)")  # 1,000 rows above the anchor
    next_frames(browser)
    after_expand = browser.eval("window.__mevlib.table.firstVisible()")
    # at the top: the newest row
    browser.eval("window.__mevlib.table.viewport.scrollTop = 0")
    next_frames(browser)
    events.push_many(attempts(10))
    wait_for(browser, f"window.__mevlib.table.rendered === {before['seq'] + before['position'] + 2010}")
    top = browser.eval("window.__mevlib.table.firstVisible()")
    # a click on a collapsed row opens it
    clicked = browser.eval("""(async () => {
        const row = [...document.querySelectorAll('.rows .row')].find((r) => !r.classList.contains('open'));
        row.firstChild.children[2].click();
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return {open: row.classList.contains('open'), height: row.offsetHeight,
                details: row.lastChild.textContent};
    })()""")
    print(f"\n100,000 rows, {100_000 // 7 + 1:,} expanded: scrolled at {scroll['fps']:.1f} FPS over "
          f"{scroll['frames']} frames; {scroll['measured']:,} heights measured, {scroll['heights']} distinct")
    assert scroll["fps"] >= 55 and scroll["frames"] >= 100
    assert scroll["measured"] >= scroll["frames"] and scroll["heights"] >= 3
    assert scroll["open"] >= 2 and scroll["wrong"] == 0
    assert after_arrivals["seq"] == before["seq"] and abs(after_arrivals["offset"] - before["offset"]) <= 1
    assert after_arrivals["position"] == before["position"] + 2000
    assert after_expand["seq"] == before["seq"] and abs(after_expand["offset"] - before["offset"]) <= 1
    assert top["position"] == 0 and top["seq"] == before["seq"] + before["position"] + 2010
    assert clicked["open"] and clicked["height"] > 20 and clicked["details"].startswith("attempt #")


def test_quality_drops_under_load_and_comes_back(events, dashboard):
    """50,000 events/s on a CPU Chromium slows 4x (DevTools' slow-device emulation: unthrottled,
    this machine's page keeps 60 FPS at full quality at that rate, `make bench` shows it): FPS
    falls below the threshold, the page steps its quality down (lower chart resolution, fewer
    redraws) and says so in the overlay, FPS recovers above the threshold under the same load,
    and once the load is gone the page steps back up to full quality."""
    monitor, port, browser = dashboard()
    done = threading.Event()

    try:
        open_live(browser, monitor, port)
        browser.key("P", "KeyP", 2 | 8)  # the overlay, to read what it says
        browser.call("Emulation.setCPUThrottlingRate", rate=4)
        loader = threading.Thread(target=paced_load, args=(events, 50_000, done, 11))
        loader.start()
        loaded_from = len(browser.eval("window.__mevlib.fps"))
        overlays = []
        for _ in range(30):
            time.sleep(1)
            overlays.append(browser.eval("document.getElementById('perf').textContent"))
        done.set()
        loader.join()
        loaded_to = len(browser.eval("window.__mevlib.fps"))
        wait_for(browser, "window.__mevlib.quality.level === 0", timeout=30)
        page = browser.eval("({fps: window.__mevlib.fps, rates: window.__mevlib.eventRates, "
                            "changes: window.__mevlib.quality.changes, threshold: window.__mevlib.quality.threshold})")
    finally:
        done.set()
    fps, rates, threshold = page["fps"], page["rates"], page["threshold"]
    changes = page["changes"]  # each step: {at ms, level, why, fps (the seconds it judged), events/s}
    drops = [c for c in changes if c["why"] == "fps"]
    print(f"\nat 50,000 events/s, CPU 4x slower: FPS {[round(f) for f in fps[loaded_from:loaded_to]]}, "
          f"steps (s, level, why) {[(round(c['at'] / 1000, 1), c['level'], c['why']) for c in changes]}")
    # it stepped down only on FPS below the threshold, two seconds of the three it judged
    assert drops and all(sum(f < threshold for f in c["fps"]) >= 2 for c in drops)
    assert np.median(rates[loaded_from + 2:loaded_to - 1]) >= 40_000  # the load reached the page
    # under the same load, once the page has stepped down, FPS is back above the threshold: the
    # last ten seconds of the load, against its first seconds at full quality
    first_drop_s = int(drops[0]["at"] // 1000)
    assert np.median(fps[loaded_from + 1:first_drop_s]) < threshold
    recovered = fps[loaded_to - 11:loaded_to - 1]
    assert first_drop_s < loaded_to - 11 and np.median(recovered) >= threshold, recovered
    assert any("FPS fell below" in text and "resolution" in text for text in overlays)
    assert changes[-1]["level"] == 0 and changes[-1]["why"] == "load fell"  # full quality once the load is gone


def test_memory_over_budget_sheds_history(events, dashboard):
    """With a budget far below what the page uses (?budget=1: 1 MB), the page sheds history: the
    table keeps its newest rows in arrays half the size, each time the budget is still exceeded,
    and the overlay says so; the newest event is still the table's first row. The page, being
    cross-origin isolated, also measured itself with measureUserAgentSpecificMemory."""
    monitor, port, browser = dashboard()
    open_live(browser, monitor, port, "/?budget=1")
    browser.key("P", "KeyP", 2 | 8)
    sent = synthetic(60_000, np.random.default_rng(5))
    events.push_many(sent)
    wait_for(browser, "window.__mevlib.memory.sheds.length >= 2", timeout=30)
    # Chromium answers measureUserAgentSpecificMemory at its next garbage collection, 20 s at most
    wait_for(browser, "window.__mevlib.memory.measured > 0", timeout=30)
    page = browser.eval("({sheds: window.__mevlib.memory.sheds, budget: window.__mevlib.memory.budget, "
                        "capacity: window.__mevlib.store.capacity, rows: window.__mevlib.rows, "
                        "total: window.__mevlib.store.total, top: window.__mevlib.table.firstVisible(), "
                        "used: window.__mevlib.memory.used, source: window.__mevlib.memory.source, "
                        "measured: window.__mevlib.memory.measured, "
                        "overlay: document.getElementById('perf').textContent})")
    sheds = page["sheds"]  # [ms, bytes used, bytes let go]
    print(f"\nbudget 1 MB: {len(sheds)} sheds, using {page['used'] / 1e6:.1f} MB ({page['source']}; "
          f"measureUserAgentSpecificMemory: {page['measured'] / 1e6:.1f} MB), "
          f"let go {[round(s[2] / 1e6, 2) for s in sheds]} MB, table capacity {page['capacity']:,}")
    assert page["budget"] == 1 << 20 and all(s[1] > page["budget"] and s[2] > 0 for s in sheds)
    assert page["capacity"] <= 25_000 and page["rows"] <= page["capacity"] and page["total"] == 60_000
    assert page["top"]["seq"] == 59_999 and page["top"]["position"] == 0
    assert "shed history" in page["overlay"]
    assert page["measured"] > 1 << 20  # the isolated page measured itself with measureUserAgentSpecificMemory


def name_events(space, names):
    """NAME events for `names` (index -> text) in a name space."""
    out = np.zeros(len(names), EVENT_DTYPE)
    for row, (index, text) in zip(out, names.items()):
        row["kind"], row["route"], row["flag"] = Kind.NAME, index, space
        row["a"], row["b"] = name_fields(text)
    return out


def test_analytics_in_the_worker(events, dashboard):
    """The worker's analytics from known events: each opportunity's profit (value - tip - fee, an
    outcome with no attempt counted apart), the best two-pool spread and triangle from the pools'
    rates (by hand: +98 and +404 bps), floor pivots from a completed minute's high, low and close,
    the pool cache evicting the least recently used past 64 pools and expiring those not updated
    for 120 s; the page charts the busiest pool's price with its pivots."""
    from mevlib.monitor.events import Space

    monitor, port, browser = dashboard()
    t0 = np.floor(time.time() / 60) * 60e3 - 120e3  # the start of a minute two minutes ago

    def ev(kind, t, route=0, flag=0, slot=0, a=0.0, b=0.0, id_=0):
        e = np.zeros(1, EVENT_DTYPE)
        e[0] = (kind, route, flag, 0, slot, t, a, b, id_, 0)
        return e

    def pool(index, mint_a, mint_b, ab, ba, t):
        return ev(Kind.POOL, t, route=index, slot=100, a=ab, b=ba, id_=mint_a | mint_b << 16)

    open_live(browser, monitor, port)
    events.push_many(name_events(Space.POOL, {0: "amm_v4 AAAA", 1: "cpmm BBBB", 2: "whirlpool CCCC", 3: "dlmm DDDD"}))
    events.push_many(name_events(Space.MINT, {0: "So11111111111112", 1: "TOKAaaaaaaaaaaaa", 2: "TOKBbbbbbbbbbbbb"}))
    # pool 0's price (b per a = sqrt(ab / ba), ba = 1 / ab) through the first minute, then one
    # point in the next: the pivots come from the first minute's high 105, low 95, close 101
    prices = [100, 105, 97, 95, 101]
    for i, p in enumerate(prices):
        events.push_many(pool(0, 0, 1, p, 1 / p, t0 + 5e3 + i * 10e3))
    events.push_many(pool(0, 0, 1, 100.0, 0.0099, t0 + 65e3))
    events.push_many(pool(1, 0, 1, 102.0, 0.0097, t0 + 66e3))  # WSOL/TOKA again: a spread
    events.push_many(pool(2, 1, 2, 2.0, 0.49, t0 + 67e3))      # TOKA/TOKB
    events.push_many(pool(3, 2, 0, 0.0051, 195.0, t0 + 68e3))  # TOKB/WSOL: triangles
    for id_, value in ((7, 500_000), (8, 300_000)):
        events.push_many(ev(Kind.ATTEMPT, t0 + 69e3, slot=200, a=value, id_=id_))
    events.push_many(ev(Kind.OUTCOME, t0 + 70e3, flag=1, slot=200, a=25_000, b=10_000, id_=7))
    events.push_many(ev(Kind.OUTCOME, t0 + 70e3, flag=0, slot=200, a=0, b=5_000, id_=8))
    events.push_many(ev(Kind.OUTCOME, t0 + 70e3, flag=0, slot=200, a=0, b=5_000, id_=9))  # never sent here
    events.push_many(ev(Kind.CYCLE, t0 + 71e3, route=3, flag=0, slot=201, a=51_000, b=2e8, id_=1 | 2 << 8 | 3 << 16))
    wait_for(browser, "window.__mevlib.analytics?.totals.opportunities === 2 && window.__mevlib.analytics.finder.count === 1")
    next_frames(browser)  # the chart drawn
    first = browser.eval("({a: window.__mevlib.analytics, axes: window.__mevlib.axes.price, "
                         "panel: document.getElementById('analytics').textContent})")
    # 70 more pools: the cache keeps the 64 most recently updated
    for i in range(70):
        events.push_many(pool(10 + i, 0, 1, 50.0, 0.02, t0 + 72e3 + i))
    wait_for(browser, "window.__mevlib.analytics?.cache.evicted >= 10")
    evicted = browser.eval("window.__mevlib.analytics.cache")
    # one pool updated 200 s later: every other entry has outlived its 120 s
    events.push_many(pool(99, 0, 1, 50.0, 0.02, t0 + 272e3))
    wait_for(browser, "window.__mevlib.analytics?.cache.size === 1")
    expired = browser.eval("window.__mevlib.analytics.cache")
    a = first["a"]
    assert a["totals"] == {"opportunities": 2, "landed": 1, "value": 500_000, "tips": 25_000, "fees": 15_000,
                           "profit": 460_000, "unmatched": 1}
    assert [(p["id"], p["profit"]) for p in a["profits"]] == [(7, 465_000), (8, -5_000)]
    spread, triangle = a["cycles"]["spreads"][0], a["cycles"]["triangles"][0]
    assert spread["pools"] == [0, 1] and spread["bps"] == pytest.approx((102 * 0.0099 - 1) * 1e4)
    assert triangle["pools"] == [1, 2, 3] and triangle["bps"] == pytest.approx((102 * 2.0 * 0.0051 - 1) * 1e4)
    assert a["cycles"]["triangles"][1]["bps"] == pytest.approx((100 * 2.0 * 0.0051 - 1) * 1e4)
    assert "TOKA…aaaa" in triangle["path"] and triangle["names"] == ["cpmm BBBB", "whirlpool CCCC", "dlmm DDDD"]
    high, low, close = 105, 95, 101
    p = (high + low + close) / 3
    pv = a["chart"]["pivots"]
    assert a["chart"]["index"] == 0 and pv["p"] == pytest.approx(p)
    assert (pv["r1"], pv["s1"], pv["r2"], pv["s2"]) == pytest.approx((2 * p - low, 2 * p - high, p + high - low, p - high + low))
    assert [round(pt[1], 9) for pt in a["chart"]["points"]][:5] == prices
    assert a["finder"]["last"][0]["names"] == ["cpmm BBBB", "whirlpool CCCC", "dlmm DDDD"]
    assert first["axes"]["xTitle"].startswith("amm_v4 AAAA")
    assert "+404.0 bps" in first["panel"] and "465k" in first["panel"]
    assert evicted["size"] == 64 and evicted["evicted"] == 10
    assert expired["size"] == 1 and expired["expired"] >= 63
