"""Where the store lives: chDB in this process (the default, an on-disk path, no server) or a
ClickHouse server over its native protocol (clickhouse-driver). Both run the same DDL and take
the same column batches; both turn failures into StoreUnavailableError."""
from __future__ import annotations

import atexit
import datetime
import io
import os
import re
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
                # closed before the interpreter goes: left to chDB's own exit handlers, an open
                # session crashed the process at exit (SIGSEGV in its shutdown)
                atexit.register(ChdbBackend.shutdown)
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
        pass  # the engine lives as long as the process: see shutdown()

    @classmethod
    def shutdown(cls) -> None:
        """Closes the process's chDB session: at exit, and for a process done with the store that
        will remove its directory. A later ChdbBackend opens a new session."""
        with cls._lock:
            if cls._session is not None:
                cls._session.close()
                cls._session = cls._path = None


def _python_columns(table: schema.Table, batch: np.ndarray) -> list[list]:
    """A batch as one list of Python values per column, as the server drivers take it (times as
    aware datetimes, strings as bytes)."""
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
    return data


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
        data = _python_columns(table, batch)
        names = ", ".join(c.name for c in table.columns)
        self._run(f"INSERT INTO {self.database}.{table.name} ({names}) VALUES", data, columnar=True,
                  settings={"insert_deduplication_token": token,
                            "deduplicate_blocks_in_dependent_materialized_views": 1,
                            "strings_as_bytes": True})

    def close(self) -> None:
        self._client.disconnect()


class HttpBackend:
    """A ClickHouse server over its HTTP interface: ``http(s)://user:password@host:8123/database``,
    with clickhouse-connect. The same DDL and the same writer semantics as the native protocol
    (batch ids as insert_deduplication_token). Connects at first use, so an unreachable server
    shows as StoreUnavailableError there (and the writer spills). Messages never carry the
    credentials."""

    def __init__(self, url: str, database: str | None = None):
        self._cc = require("clickhouse_connect", "store", "a ClickHouse server over HTTP")
        parsed = urllib.parse.urlparse(url)
        self.database = database or parsed.path.lstrip("/") or "mevlib"
        self.url = url
        self._secure = parsed.scheme == "https"
        self._host = parsed.hostname or "localhost"
        self._port = parsed.port or (8443 if self._secure else 8123)
        self._user = urllib.parse.unquote(parsed.username or "default")
        self._password = urllib.parse.unquote(parsed.password or "")
        self._where = f"ClickHouse {parsed.scheme}://{self._host}:{self._port}"
        self._client = None
        self._lock = threading.Lock()

    def _error(self, e: Exception) -> Exception:
        text = str(e)
        if self._password:
            text = text.replace(self._password, "***")
        where = f"{self._where}: {type(e).__name__}: {text}"
        code = re.search(r"Code: (\d+)", text)
        exc = self._cc.driver.exceptions
        if isinstance(e, exc.DatabaseError) and code and int(code.group(1)) not in TRANSIENT_SERVER_CODES:
            return StoreRejectedError(where)
        return StoreUnavailableError(where)

    def _call(self, fn):
        with self._lock:
            try:
                if self._client is None:  # `default`: the database may not exist until the DDL
                    self._client = self._cc.get_client(
                        host=self._host, port=self._port, username=self._user, password=self._password,
                        secure=self._secure, database="default", connect_timeout=5, send_receive_timeout=60)
                return fn(self._client)
            except Exception as e:
                if self._client is not None and not isinstance(e, self._cc.driver.exceptions.DatabaseError):
                    self._client.close()
                    self._client = None
                raise self._error(e) from None

    def execute(self, sql: str) -> None:
        self._call(lambda c: c.command(sql))

    def ping(self) -> None:
        """StoreUnavailableError unless the server answers a query."""
        self._call(lambda c: c.command("SELECT 1"))

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self._call(lambda c: c.query(sql).result_rows)]

    def columns(self, sql: str) -> dict[str, np.ndarray]:
        result = self._call(lambda c: c.query(sql))
        return {name: np.asarray(col) for name, col in zip(result.column_names, result.result_columns)}

    def insert(self, table: schema.Table, batch: np.ndarray, token: str) -> None:
        data = _python_columns(table, batch)
        names = [c.name for c in table.columns]
        self._call(lambda cl: cl.insert(table.name, data, column_names=names, database=self.database,
                                        column_oriented=True,
                                        settings={"insert_deduplication_token": token,
                                                  "deduplicate_blocks_in_dependent_materialized_views": 1}))

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def connect(url: str | None = None, database: str = "mevlib"):
    """A store backend from a URL (or CLICKHOUSE_URL): ``clickhouse://`` or ``clickhouses://``
    for a server's native protocol, ``http://`` or ``https://`` for its HTTP interface,
    ``chdb:///path`` or nothing for the embedded chDB."""
    url = url or os.environ.get("CLICKHOUSE_URL")
    if not url:
        return ChdbBackend(None, database)
    if url.startswith("chdb://"):
        return ChdbBackend(url[len("chdb://"):] or None, database)
    if url.startswith(("clickhouse://", "clickhouses://")):
        return ServerBackend(url, database if database != "mevlib" else None)
    if url.startswith(("http://", "https://")):
        return HttpBackend(url, database if database != "mevlib" else None)
    raise InvalidArgumentError(f"store URL is clickhouse://, http(s):// or chdb://PATH, not {url.split('@')[-1]!r}")


def migrate(backend) -> int:
    """Applies every DDL statement (all idempotent); returns how many ran."""
    stmts = schema.statements(backend.database)
    for sql in stmts:
        backend.execute(sql)
    return len(stmts)
