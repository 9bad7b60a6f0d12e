"""A minimal Chrome DevTools Protocol driver for Debian's headless Chromium: start the browser,
open a page, evaluate JavaScript, press keys, take screenshots. Enough for the dashboard test
and benchmark, without a browser-automation dependency."""
import asyncio
import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self, width: int = 1800, height: int = 900):
        if CHROMIUM is None:
            raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="mevlib-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", f"--user-data-dir={self.profile}", "--disable-dev-shm-usage",
             f"--window-size={width},{height}", "--no-first-run", "--enable-precise-memory-info",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in self.proc.stderr:  # "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
            m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m[1])
                break
        else:
            raise RuntimeError("chromium exited before opening its DevTools port")
        self.loop = asyncio.new_event_loop()
        self._ids = itertools.count(1)
        self.loop.run_until_complete(self._attach())

    async def _attach(self):
        import aiohttp

        self.session = aiohttp.ClientSession()
        async with self.session.get(f"http://127.0.0.1:{self.port}/json/list") as r:
            pages = [t for t in await r.json() if t["type"] == "page"]
        self.ws = await self.session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=1 << 26)

    async def _call(self, method, **params):
        mid = next(self._ids)
        await self.ws.send_str(json.dumps({"id": mid, "method": method, "params": params}))
        async for msg in self.ws:
            doc = json.loads(msg.data)
            if doc.get("id") == mid:
                if "error" in doc:
                    raise RuntimeError(f"{method}: {doc['error']}")
                return doc["result"]
        raise RuntimeError("DevTools connection closed")

    def call(self, method, **params):
        return self.loop.run_until_complete(self._call(method, **params))

    def goto(self, url: str):
        self.call("Page.enable")
        self.call("Page.navigate", url=url)

    def eval(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def key(self, key: str, code: str, modifiers: int):
        """modifiers: 1 Alt, 2 Ctrl, 4 Meta, 8 Shift."""
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code, modifiers=modifiers)

    def screenshot(self, path: str):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        async def shut():
            await self.ws.close()
            await self.session.close()
        try:
            self.loop.run_until_complete(shut())
        finally:
            self.loop.close()
            self.proc.kill()
            self.proc.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)
