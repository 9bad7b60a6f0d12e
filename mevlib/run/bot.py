"""From a checked config to a running loop: keypair, routes, endpoint checks, strategies, sender and
engine. The same pieces serve a real cluster (mevlib.run.cli) and the local one (mevlib.demo)."""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import os
import pathlib
import sys

from solders.keypair import Keypair

from mevlib import endpoints
from mevlib.engine import Limits
from mevlib.errors import InvalidArgumentError
from mevlib.routes import JitoRoute, JsonRpcClient, RestRoute, RpcCallError, RpcRoute, SenderRoute
from mevlib.run.config import Config, ConfigError

URL_KINDS = {"rpc": RpcRoute, "jito": JitoRoute, "sender": SenderRoute, "rest": RestRoute}
DEFAULT_SIM_ROUTE = {"jito": "jito-ny", "jsonrpc": "sender", "rest_submit": "sender"}


def load_keypair(config: Config) -> Keypair:
    """solana-keygen's file: a JSON array of the 64 secret bytes. A file others can read is refused."""
    path = config.keypair
    if os.stat(path).st_mode & 0o077:
        raise ConfigError(f"{config.path}: keypair file {path} is readable by others: chmod 600 {path}")
    try:
        raw = json.loads(pathlib.Path(path).read_text())
        return Keypair.from_bytes(bytes(raw))
    except (ValueError, TypeError) as e:
        raise ConfigError(f"{config.path}: keypair file {path} is not a solana-keygen keypair ({e})") from None


@dataclasses.dataclass
class StrategyContext:
    """What a strategy's factory gets: ``make(ctx, **options)``."""

    payer: Keypair
    rpc: JsonRpcClient
    market: object = None      # the simulator's market (--cluster sim), else None
    finder: object = None      # the arbitrage finder over the config's [dex] pools (the engine feeds it)
    lookup_tables: list = dataclasses.field(default_factory=list)  # AddressLookupTableAccounts for templates


def load_strategy(entry: str, base: pathlib.Path):
    """``file.py:function`` (relative to the config's directory, or the working one) or
    ``package.module:function`` -> the function."""
    target, _, func = entry.rpartition(":")
    if target.endswith(".py"):
        path = next((p for p in (pathlib.Path(target), base / target) if p.is_file()), None)
        if path is None:
            raise ConfigError(f"strategy {entry!r}: no file {target}")
        sys.path.insert(0, str(path.parent.resolve()))  # the examples import their shared module
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as e:
            raise ConfigError(f"strategy {entry!r}: cannot import {target} ({e})") from None
    fn = getattr(module, func, None)
    if not callable(fn):
        raise ConfigError(f"strategy {entry!r}: {target} has no function {func}")
    return fn


def make_strategies(config: Config, ctx: StrategyContext) -> list:
    base = pathlib.Path(config.path).parent
    return [load_strategy(s.entry, base)(ctx, **s.options) for s in config.strategies]


def make_routes(config: Config, sim=None) -> list:
    """The config's routes as mevlib routes. With `sim` (a mevlib.sim.Simulator) each points at
    its stand-in route there, keeping its dialect, tips and limits."""
    out, limiters = [], {}
    for i, r in enumerate(config.routes):
        auth = config.credential(r.auth_env, f"routes[{i}].auth_env")
        try:
            if r.endpoint:
                provider = endpoints.lookup(r.endpoint)[0]
                url = None
                if sim is not None:
                    stand_in = r.sim_route or DEFAULT_SIM_ROUTE[provider.dialect]
                    url = sim.url(stand_in) + ("/api/v2/submit" if provider.dialect == endpoints.REST_SUBMIT else "")
                route = endpoints.route(r.endpoint, auth=auth, rate_limit=r.rate_limit, url=url, limiters=limiters)
                route.name = r.name
            else:
                url = sim.url(r.sim_route or ("rpc" if r.kind == "rpc" else DEFAULT_SIM_ROUTE.get(r.kind, "sender"))) \
                    if sim is not None else r.url
                kw = {"auth_uuid": auth} if r.kind == "jito" else (
                    {"headers": {"Authorization": auth}} if auth else {})
                route = URL_KINDS[r.kind](r.name, url, rate_limit=r.rate_limit, **kw)
        except InvalidArgumentError as e:
            raise ConfigError(f"{config.path}: routes[{i}] ({r.name}): {e}") from None
        out.append(route)
    return out


def check_endpoints(config: Config, rpc_url: str, routes: list, timeout: float = 3.0):
    """Every endpoint answers before anything is signed: the RPC (getSlot), each block engine
    (getTipAccounts), each other route (a connection). ConfigError names the one that does not."""
    import socket
    import urllib.parse

    try:
        JsonRpcClient(rpc_url, timeout=timeout).get_slot()
    except RpcCallError as e:
        raise ConfigError(f"{config.path}: cluster.rpc {rpc_url} is unreachable: {e}") from None
    for route in routes:
        try:
            if isinstance(route, JitoRoute):
                JsonRpcClient(route.url, route.headers, timeout=timeout).get_tip_accounts()
            else:
                u = urllib.parse.urlparse(route.url)
                socket.create_connection((u.hostname, u.port or (443 if u.scheme == "https" else 80)),
                                         timeout=timeout).close()
        except (RpcCallError, OSError) as e:
            raise ConfigError(f"{config.path}: route {route.name} ({route.url.split('?')[0]}) is unreachable: {e}") \
                from None


def limits(config: Config) -> Limits:
    lim = config.limits
    return Limits(max_tip=lim.max_tip, max_spend_per_minute=lim.max_spend_per_minute,
                  max_attempts_per_slot=lim.max_attempts_per_slot)
