"""Where the store lives: chDB in this process (the default, an on-disk path, no server) or a
ClickHouse server over its native protocol (clickhouse-driver). Both run the same DDL and take
the same column batches; both turn failures into StoreUnavailableError."""
from __future__ import annotations

import datetime
import io
import os
import threading
import urllib.parse

import numpy as np

from mevlib._extras import require
from mevlib.errors import InvalidArgumentError, StoreRejectedError, StoreUnavailableError
from mevlib.store import schema

DEFAULT_CHDB_PATH = os.path.expanduser("~/.local/share/mevlib/chdb")


def _columns(table: schema.Table, batch: np.ndarray) -> dict[str, object]:
    """A record batch as typed columns: times in µs, strings as bytes, binary cut to length."""
    cols = {}
    for c in table.columns:
        if c.is_binary:
            lens = batch[c.name + "__len"]
            cols[c.name] = [bytes(v)[:n] for v, n in zip(batch[c.name], lens)]
        else:
            cols[c.name] = batch[c.name]
    return cols


class ChdbBackend:
    """chDB runs one engine per process, bound to one path: every ChdbBackend in a process
    shares it (a second path is refused). Statements are serialised by a lock."""

    _session = None
    _path = None
    _lock = threading.Lock()

    def __init__(self, path: str | None = None, database: str = "mevlib"):
        session = require("chdb.session", "store", "the embedded chDB store")

        path = os.path.abspath(path or os.environ.get("MEVLIB_CHDB_PATH", DEFAULT_CHDB_PATH))
        with ChdbBackend._lock:
            if ChdbBackend._session is None:
                os.makedirs(path, exist_ok=True)
                ChdbBackend._session = session.Session(path)
                ChdbBackend._path = path
            elif ChdbBackend._path != path:
                raise InvalidArgumentError(
                    f"chDB is already open at {ChdbBackend._path} in this process (one path per process)")
        self.path, self.database = path, database
        self.url = f"chdb://{path}"

    def execute(self, sql: str) -> None:
        self._query(sql, "CSV")

    def ping(self) -> None:
        """StoreUnavailableError unless the engine answers a query."""
        self._query("SELECT 1", "CSV")

    def rows(self, sql: str) -> list[tuple]:
        t = self._query(sql, "ArrowTable")
        return list(zip(*(col.to_pylist() for col in t.columns))) if t.num_columns else []

    def columns(self, sql: str) -> dict[str, np.ndarray]:
        """A result as numpy columns, without a Python object per row."""
        t = self._query(sql, "ArrowTable")
        return {name: col.to_numpy() for name, col in zip(t.column_names, t.columns)}

    def _query(self, sql: str, fmt: str):
        with ChdbBackend._lock:
            try:
                return ChdbBackend._session.query(sql, fmt)
            except Exception as e:  # chDB raises a bare RuntimeError with the server's message
                raise StoreUnavailableError(f"chDB: {e}") from e

    def insert(self, table: schema.Table, batch: np.ndarray, token: str) -> None:
        try:
            payload = self._arrow_stream(table, batch)
        except Exception as e:  # a value pyarrow cannot convert: the batch itself is bad
            raise StoreRejectedError(f"chDB insert into {table.name}: {e}") from e
        names = ", ".join(c.name for c in table.columns)
        sql = (f"INSERT INTO {self.database}.{table.name} ({names}) SETTINGS insert_deduplication_token = "
               f"'{token}', deduplicate_blocks_in_dependent_materialized_views = 1")
        with ChdbBackend._lock:
            try:
                with ChdbBackend._session.send_insert(sql, "ArrowStream") as ins:
                    ins.append(payload)
                    ins.finish()
            except Exception as e:  # the engine is in this process: its refusal is about the data
                raise StoreRejectedError(f"chDB insert into {table.name}: {e}") from e

    @staticmethod
    def _arrow_stream(table: schema.Table, batch: np.ndarray) -> bytes:
        pa = require("pyarrow", "store", "the embedded chDB store")

        arrays = []
        for c in table.columns:
            v = _columns(table, batch)[c.name] if c.is_binary else batch[c.name]
            if c.is_time:
                arrays.append(pa.array(v, pa.timestamp("us", tz="UTC")))
            elif c.is_string:
                arrays.append(pa.array(list(v) if c.is_binary else v, pa.binary()))
            else:
                arrays.append(pa.array(v))
        data = pa.table(arrays, names=[c.name for c in table.columns])
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, data.schema) as w:
            w.write_table(data)
        return sink.getvalue()

    def close(self) -> None:
        pass  # the engine lives as long as the process


# ClickHouse error codes (src/Common/ErrorCodes.cpp) that say "not now" rather than "never":
# TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, SOCKET_TIMEOUT, NETWORK_ERROR,
# MEMORY_LIMIT_EXCEEDED, TABLE_IS_READ_ONLY, TOO_MANY_PARTS, UNKNOWN_STATUS_OF_INSERT,
# KEEPER_EXCEPTION, and ALL_CONNECTION_TRIES_FAILED.
TRANSIENT_SERVER_CODES = frozenset({159, 202, 209, 210, 241, 242, 252, 279, 319, 999})


class ServerBackend:
    """A ClickHouse server: ``clickhouse://user:password@host:9000/database``."""

    def __init__(self, url: str, database: str | None = None):
        Client = require("clickhouse_driver", "store", "a ClickHouse server store").Client

        parsed = urllib.parse.urlparse(url)
        self.database = database or parsed.path.lstrip("/") or "mevlib"
        self.url = url
        # connect to `default`: the database may not exist until the DDL creates it
        server_url = parsed._replace(path="/default").geturl()
        self._client = Client.from_url(server_url)
        self._lock = threading.Lock()

    def _run(self, sql, data=None, settings=None, **kw):
        ServerException = require("clickhouse_driver.errors", "store", "a ClickHouse server store").ServerException

        with self._lock:
            try:
                return self._client.execute(sql, data, settings=settings, **kw)
            except Exception as e:
                self._client.disconnect()
                where = f"ClickHouse {self.url.split('@')[-1]}: {e}"
                if isinstance(e, ServerException) and e.code not in TRANSIENT_SERVER_CODES:
                    raise StoreRejectedError(where) from e  # the server answered: no
                raise StoreUnavailableError(where) from e  # network, or a server under load

    def execute(self, sql: str) -> None:
        self._run(sql)

    def ping(self) -> None:
        """StoreUnavailableError unless the server answers a query."""
        self._run("SELECT 1")

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self._run(sql)]

    def columns(self, sql: str) -> dict[str, np.ndarray]:
        data, types = self._run(sql, columnar=True, with_column_types=True)
        return {name: np.asarray(col) for (name, _), col in zip(types, data or [[] for _ in types])}

    def insert(self, table: schema.Table, batch: np.ndarray, token: str) -> None:
        cols = _columns(table, batch)
        data = []
        for c in table.columns:
            v = cols[c.name]
            if c.is_time:
                data.append([datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc) for us in v.tolist()])
            elif c.is_string:
                data.append([bytes(x) for x in v])
            else:
                data.append(v.tolist())
        names = ", ".join(c.name for c in table.columns)
        self._run(f"INSERT INTO {self.database}.{table.name} ({names}) VALUES", data, columnar=True,
                  settings={"insert_deduplication_token": token,
                            "deduplicate_blocks_in_dependent_materialized_views": 1,
                            "strings_as_bytes": True})

    def close(self) -> None:
        self._client.disconnect()


def connect(url: str | None = None, database: str = "mevlib"):
    """``clickhouse://...`` (or CLICKHOUSE_URL) for a server; ``chdb:///path`` or nothing for chDB."""
    url = url or os.environ.get("CLICKHOUSE_URL")
    if not url:
        return ChdbBackend(None, database)
    if url.startswith("chdb://"):
        return ChdbBackend(url[len("chdb://"):] or None, database)
    if url.startswith(("clickhouse://", "clickhouses://")):
        return ServerBackend(url, database if database != "mevlib" else None)
    if url.startswith(("http://", "https://")):
        raise InvalidArgumentError("that is ClickHouse's HTTP interface; mevlib speaks its native protocol: "
                                   "clickhouse://user:password@host:9000/database")
    raise InvalidArgumentError(f"store URL is clickhouse://... or chdb://PATH, not {url.split('@')[-1]!r}")


def migrate(backend) -> int:
    """Applies every DDL statement (all idempotent); returns how many ran."""
    stmts = schema.statements(backend.database)
    for sql in stmts:
        backend.execute(sql)
    return len(stmts)
