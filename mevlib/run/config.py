"""`bot.toml`: what `mevlib run` reads. Every key is checked before anything is signed or sent: an
unknown key, a wrong type, a missing keypair file or a route without a credential it needs is a
ConfigError naming the key (``routes[2].auth_env``), the file and the fix.

    keypair = "~/.config/solana/id.json"      # solana-keygen's JSON (mode 0600); relative to this file

    [cluster]
    rpc = "https://..."                       # slots, blockhashes, statuses, simulation
    ws = "wss://..."                          # feed.source = "pubsub"
    grpc = "https://..."                      # feed.source = "yellowstone"
    grpc_token_env = "YELLOWSTONE_X_TOKEN"    # the environment variable holding its x-token

    [feed]
    source = "yellowstone"                    # yellowstone | pubsub | ring | kafka
    programs = ["675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8"]
    ring = ""                                 # source = "ring": the plugin's ring
    kafka_bootstrap = ""                      # source = "kafka"
    kafka_topic = ""

    [[routes]]                                # one per endpoint the sender may use
    name = "jito-ny"
    endpoint = "jito/ny"                      # a mevlib.endpoints name, or url = "https://..." and
    auth_env = "JITO_UUID"                    #   kind = "rpc" | "jito" | "sender" | "rest"
    rate_limit = 5.0                          # requests/s (default: the registry's)
    sim_route = "jito-ny"                     # with --cluster sim: the simulator's stand-in

    [sender]
    shots = 3
    give_up_slots = 8

    [limits]                                  # checked before signing (mevlib.engine.Limits)
    max_tip = 200_000
    max_spend_per_minute = 20_000_000
    max_attempts_per_slot = 4

    [[strategies]]
    entry = "examples/two_pool_arb.py:make"   # or "package.module:function"; the other keys of
                                              #   the table are the strategy's options

    [nonces]                                  # durable nonce accounts for DURABLE_NONCE strategies
    accounts = []                             # their pubkeys (authority: the keypair); with
    count = 0                                 #   --cluster sim, `count` are made at genesis

    [store]
    url = ""                                  # chdb://PATH or clickhouse://...; "" : chDB in .mevlib-store
    database = "mevlib"
    spill = ".mevlib-spill"                   # rows wait here while the store is down (relative: to this file)

    [dashboard]
    port = 0                                  # 0: off; else 127.0.0.1:port (token: MEVLIB_MONITOR_TOKEN)

    [sim]                                     # only with --cluster sim
    baseline = false                          # the demo's comparison policy (one RPC shot, fixed tip)
    slot_ms = 200.0
    seed = 7
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import tomllib

from mevlib.errors import ConfigError


ROUTE_KINDS = ("rpc", "jito", "sender", "rest")
FEED_SOURCES = ("yellowstone", "pubsub", "ring", "kafka")


@dataclasses.dataclass
class Cluster:
    rpc: str = ""
    ws: str = ""
    grpc: str = ""
    grpc_token_env: str = ""


@dataclasses.dataclass
class FeedConfig:
    source: str = "yellowstone"
    programs: list = dataclasses.field(default_factory=list)
    ring: str = ""
    kafka_bootstrap: str = ""
    kafka_topic: str = ""


@dataclasses.dataclass
class RouteConfig:
    name: str = ""
    endpoint: str = ""
    url: str = ""
    kind: str = ""
    auth_env: str = ""
    rate_limit: float | None = None
    sim_route: str = ""


@dataclasses.dataclass
class SenderConfig:
    shots: int = 3
    give_up_slots: int = 8


@dataclasses.dataclass
class LimitsConfig:
    max_tip: int | None = None
    max_spend_per_minute: int | None = None
    max_attempts_per_slot: int | None = None


@dataclasses.dataclass
class StrategyConfig:
    entry: str = ""
    options: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class NoncesConfig:
    accounts: list = dataclasses.field(default_factory=list)
    count: int = 0


@dataclasses.dataclass
class StoreConfig:
    url: str = ""
    database: str = "mevlib"
    spill: str = ".mevlib-spill"


@dataclasses.dataclass
class DashboardConfig:
    port: int = 0


@dataclasses.dataclass
class DexConfig:
    pools: list = dataclasses.field(default_factory=list)  # pool addresses for the arbitrage finder
    profit_mints: list = dataclasses.field(default_factory=lambda: ["So11111111111111111111111111111111111111112"])


@dataclasses.dataclass
class SimConfig:
    baseline: bool = False
    slot_ms: float = 200.0
    seed: int = 7


@dataclasses.dataclass
class Config:
    path: str
    keypair: str
    cluster: Cluster
    feed: FeedConfig
    routes: list
    sender: SenderConfig
    limits: LimitsConfig
    strategies: list
    nonces: NoncesConfig
    store: StoreConfig
    dashboard: DashboardConfig
    sim: SimConfig
    dex: DexConfig = dataclasses.field(default_factory=DexConfig)

    def credential(self, env: str, what: str) -> str | None:
        """The secret an environment variable holds (secrets never live in the file)."""
        if not env:
            return None
        value = os.environ.get(env)
        if not value:
            raise ConfigError(f"{self.path}: {what} names the environment variable {env}, which is not set")
        return value


_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,), "dict": (dict,)}

SECTIONS = {"cluster": Cluster, "feed": FeedConfig, "sender": SenderConfig, "limits": LimitsConfig,
            "nonces": NoncesConfig, "store": StoreConfig, "dashboard": DashboardConfig, "sim": SimConfig,
            "dex": DexConfig}


def _fill(cls, table, where: str, path: str, extra_ok: bool = False):
    """A dataclass from a TOML table: every key known and of its field's type."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values, extra = {}, {}
    for key, value in table.items():
        f = fields.get(key)
        if f is None or key == "options":
            if extra_ok:
                extra[key] = value
                continue
            raise ConfigError(f"{path}: unknown key {where}.{key} (known: {', '.join(sorted(fields))})")
        kinds = _TYPES[f.type.removesuffix(" | None")]
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigError(f"{path}: {where}.{key} must be {kinds[0].__name__}, not a boolean")
        if not isinstance(value, kinds):
            raise ConfigError(f"{path}: {where}.{key} must be {' or '.join(k.__name__ for k in kinds)}, "
                              f"not {type(value).__name__} ({value!r})")
        values[key] = value
    obj = cls(**values)
    return (obj, extra) if extra_ok else obj


def load(path: str) -> Config:
    """Reads and checks a config; ConfigError on anything wrong (nothing is contacted here: see
    mevlib.run.check for the endpoints)."""
    p = pathlib.Path(path)
    try:
        doc = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise ConfigError(f"no config file {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    known = {"keypair", "routes", "strategies", *SECTIONS}
    for key in doc:
        if key not in known:
            raise ConfigError(f"{path}: unknown key {key} (known: {', '.join(sorted(known))})")
    keypair = doc.get("keypair")
    if not isinstance(keypair, str) or not keypair:
        raise ConfigError(f"{path}: keypair = \"path/to/keypair.json\" is required")
    keypair_path = str(p.parent / os.path.expanduser(keypair))  # relative paths: from the config's directory
    if not os.path.isfile(keypair_path):
        raise ConfigError(f"{path}: keypair file {keypair} does not exist (solana-keygen new -o {keypair})")
    sections = {name: _fill(cls, doc.get(name, {}), name, path) for name, cls in SECTIONS.items()}
    routes = []
    for i, table in enumerate(doc.get("routes", [])):
        r = _fill(RouteConfig, table, f"routes[{i}]", path)
        if not r.name:
            raise ConfigError(f"{path}: routes[{i}].name is required")
        if bool(r.endpoint) == bool(r.url):
            raise ConfigError(f"{path}: routes[{i}] ({r.name}) needs endpoint = \"provider/region\" or url = \"...\"")
        if r.url and r.kind not in ROUTE_KINDS:
            raise ConfigError(f"{path}: routes[{i}].kind must be one of {ROUTE_KINDS} for a url route")
        routes.append(r)
    if not routes:
        raise ConfigError(f"{path}: at least one [[routes]] is needed")
    if len({r.name for r in routes}) != len(routes):
        raise ConfigError(f"{path}: route names must be distinct")
    strategies = []
    for i, table in enumerate(doc.get("strategies", [])):
        s, options = _fill(StrategyConfig, table, f"strategies[{i}]", path, extra_ok=True)
        if ":" not in s.entry:
            raise ConfigError(f"{path}: strategies[{i}].entry must be \"module:function\" or \"file.py:function\"")
        s.options = options
        strategies.append(s)
    if not strategies:
        raise ConfigError(f"{path}: at least one [[strategies]] is needed")
    feed = sections["feed"]
    if feed.source not in FEED_SOURCES:
        raise ConfigError(f"{path}: feed.source must be one of {FEED_SOURCES}, not {feed.source!r}")
    return Config(path, keypair_path, sections["cluster"], feed, routes, sections["sender"], sections["limits"],
                  strategies, sections["nonces"], sections["store"], sections["dashboard"], sections["sim"],
                  sections["dex"])
