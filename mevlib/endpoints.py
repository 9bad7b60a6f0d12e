"""Public send endpoints searchers use, as data: each provider's regions, request dialect, tip
accounts, minimum tip, rate limit and auth, with the public page each fact was read from
(`source`). A config names a route by ``provider/region`` (``jito/ny``, ``helius-sender/fra``)
and :func:`route` turns it into a mevlib route; anything not listed is given by URL.

Facts change: a provider's page wins over this file. The dates are when they were read.
"""
from __future__ import annotations

import dataclasses

from solders.pubkey import Pubkey

from mevlib.errors import InvalidArgumentError
from mevlib.jito import MIN_TIP_LAMPORTS, TIP_ACCOUNTS

# request dialects
JSONRPC = "jsonrpc"          # Solana JSON-RPC sendTransaction (base64, skipPreflight, maxRetries 0)
JITO = "jito"                # Jito's /api/v1/transactions and /api/v1/bundles (sendBundle)
REST_SUBMIT = "rest_submit"  # POST {"transaction": {"content": <base64>}, ...} (bloXroute's submit)


@dataclasses.dataclass(frozen=True)
class Provider:
    name: str
    dialect: str
    regions: dict                       # region -> base URL
    tip_accounts: tuple = ()
    min_tip: int = 0                    # lamports
    rate_limit: float | None = None     # requests per second per IP, per region unless `shared_limit`
    shared_limit: bool = False          # the limit is per IP across every region of the provider
    auth: str = "none"                  # "none", "optional" (raises the rate limit), "required"
    auth_header: str = ""               # where the credential goes ("" : in the URL, as the provider says)
    ping_path: str = ""                 # GET here keeps an idle connection warm ("" : the dialect's own call)
    bundles: bool = False               # takes bundles (all-or-nothing)
    source: str = ""


PROVIDERS = {p.name: p for p in (
    Provider(
        "jito", JITO,
        regions={r: f"https://{r}.mainnet.block-engine.jito.wtf" for r in
                 ("amsterdam", "frankfurt", "ny", "tokyo", "slc", "london", "singapore")}
        | {"mainnet": "https://mainnet.block-engine.jito.wtf"},
        tip_accounts=TIP_ACCOUNTS, min_tip=MIN_TIP_LAMPORTS, rate_limit=1.0, auth="optional",
        auth_header="x-jito-auth", bundles=True,
        source="docs.jito.wtf/lowlatencytxnsend (API, tips, rate limits: 1 request/s per IP per region "
               "without auth; read 2026-12); regions as getRegions lists them"),
    Provider(
        "helius-sender", JSONRPC,
        regions={"global": "https://sender.helius-rpc.com/fast"}
        | {r: f"http://{r}-sender.helius-rpc.com/fast" for r in ("slc", "ewr", "lon", "fra", "ams", "sg", "tyo")},
        tip_accounts=tuple(Pubkey.from_string(s) for s in (
            "4ACfpUFoaSD9bfPdeu6DBt89gB6ENTeHBXCAi87NhDEE", "D2L6yPZ2FmmmTKPgzaMKdhu6EWZcTpLy1Vhx8uvZe7NZ",
            "9bnz4RShgq1hAnLnZbP8kbgBg1kEmcJBYQq3gQbmnSta", "5VY91ws6B2hMmBFRsXkoAAdsPHBJwRfBht4DXox3xkwn",
            "2nyhqdwKcJZR2vcqCyrYsaPVdAnFoJjiksCXJ7hfEYgD", "2q5pghRs6arqVjRvT5gfgWfWcHWmw1ZuCzphgd5KfWGJ",
            "wyvPkWjVZz1M8fHQnMMCDTQDbkManefNNhweYk5WkcF", "3KCKozbAaF75qEU33jtzozcJ29yJuaLJTy2jFdzUY8bT",
            "4vieeGHPYPG2MmyPRcYjdiDmmhN3ww7hsFNap8pVN3Ey", "4TQLFNWK8AovT1gFvda5jfw2oJeRMKEmw7aH6MGBJ3or")),
        min_tip=1_000_000, rate_limit=50.0, ping_path="/ping",
        source="helius.dev/docs/sending-transactions/sender (regional endpoints, skipPreflight required, "
               "tip and compute-unit price required, 0.001 SOL minimum for Sender Max, 50 TPS per region, "
               "/ping to keep connections warm; read 2026-12)"),
    Provider(
        "bloxroute", REST_SUBMIT,
        regions={r: f"https://{r}.solana.dex.blxrbdn.com/api/v2/submit" for r in ("ny", "uk", "la", "tokyo", "germany")},
        tip_accounts=tuple(Pubkey.from_string(s) for s in (
            "HWEoBxYs7ssKuudEjzjmpfJVX7Dvi7wescFsVx2L5yoY", "95cfoy472fcQHaw4tPGBTKpn6ZQnfEPfBgDQx6gcRmRg",
            "3UQUKjhMKaY2S6bjcQD6yHB7utcZt5bfarRCmctpRtUd", "FogxVNs6Mm2w9rnGL1vkARSwJxvLE8mujTv3LK8RnUhF")),
        min_tip=1_000_000, rate_limit=None, auth="required", auth_header="Authorization",
        source="docs.bloxroute.com/solana/trader-api (regions: Connection; tip addresses and the 0.001 SOL "
               "minimum: Tip and Tipping Addresses; body: submit; limits are credit-based per account, "
               "not per second; read 2026-12)"),
)}


def lookup(name: str) -> tuple[Provider, str, str]:
    """``provider/region`` -> (provider, region, base URL); a clear error naming what is known."""
    provider_name, _, region = name.partition("/")
    provider = PROVIDERS.get(provider_name)
    if provider is None:
        raise InvalidArgumentError(f"no provider {provider_name!r} in mevlib.endpoints (known: {', '.join(PROVIDERS)})")
    if region not in provider.regions:
        raise InvalidArgumentError(f"{provider_name} has no region {region!r} (known: {', '.join(provider.regions)})")
    return provider, region, provider.regions[region]


def route(name: str, *, auth: str | None = None, rate_limit: float | None = None, url: str | None = None,
          limiters: dict | None = None):
    """The mevlib route for ``provider/region``: its dialect, tip accounts, minimum tip, rate
    limit (`rate_limit` overrides it, e.g. once Jito has raised yours) and credential. `url`
    replaces the registry's (a simulator standing in for it). Routes of a provider whose limit is
    per IP across regions share one limiter through `limiters` (one dict for all the routes)."""
    from mevlib.routes import JitoRoute, RateLimiter, RestRoute, SenderRoute

    provider, region, base = lookup(name)
    if provider.auth == "required" and not auth:
        raise InvalidArgumentError(f"route {name!r}: {provider.name} requires a credential ({provider.auth_header})")
    limit = rate_limit if rate_limit is not None else provider.rate_limit
    common = dict(name=name, url=url or base, tip_accounts=provider.tip_accounts, min_tip=provider.min_tip)
    if provider.dialect == JITO:
        r = JitoRoute(**common, auth_uuid=auth, rate_limit=limit)
    else:
        headers = {provider.auth_header: auth} if auth and provider.auth_header else {}
        cls = RestRoute if provider.dialect == REST_SUBMIT else SenderRoute
        r = cls(**common, headers=headers, rate_limit=limit, ping=provider.ping_path or None)
    if provider.shared_limit and limit and limiters is not None:
        r.limiter = limiters.setdefault(provider.name, RateLimiter(limit, max(1, int(limit))))
    return r


def probe(routes, rounds: int = 5, timeout: float = 2.0) -> list[tuple[str, float | None]]:
    """Round-trip times to rank regions: each route is asked `rounds` times, in turn, the cheapest
    request it answers (a block engine getTipAccounts, a JSON-RPC route getHealth, a route with a
    ping path GET it; a REST route a connection), on a kept-alive connection after one warm-up.
    Returns [(route name, median ms or None if it never answered)], fastest first."""
    import http.client
    import statistics
    import time
    import urllib.parse

    from mevlib.routes import JsonRpcClient, RpcCallError

    def asker(route):
        u = urllib.parse.urlparse(route.url)
        if route.ping or route.dialect == REST_SUBMIT:
            cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
            conn = cls(u.hostname, u.port, timeout=timeout)
            path = (u.path.rstrip("/") + route.ping) if route.ping else (u.path or "/")

            def ask():
                conn.request("GET", path)
                conn.getresponse().read()
            return ask
        client = JsonRpcClient(route.url, route.headers, timeout=timeout)
        return client.get_tip_accounts if route.dialect == JITO else (lambda: client.call("getHealth"))

    askers = {r.name: asker(r) for r in routes}
    times = {name: [] for name in askers}
    for i in range(rounds + 1):
        for name, ask in askers.items():
            start = time.perf_counter()
            try:
                ask()
            except (RpcCallError, OSError, http.client.HTTPException):
                continue
            if i:  # the first round opens the connections
                times[name].append((time.perf_counter() - start) * 1e3)
    ranked = [(name, statistics.median(t) if t else None) for name, t in times.items()]
    return sorted(ranked, key=lambda nt: (nt[1] is None, nt[1] or 0.0))
