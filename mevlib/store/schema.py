"""The store's tables as the writer sees them, read from the DDL itself (one source of truth):
each raw table's columns, the numpy record they travel in, and the checks a row must pass."""
from __future__ import annotations

import dataclasses
import datetime
import math
import pathlib
import re

import numpy as np

from mevlib.errors import InvalidRowError

SQL_DIR = pathlib.Path(__file__).parent / "sql"

# DateTime64's range (ClickHouse docs, "DateTime64": 1900-01-01 .. 2299-12-31 23:59:59.99999999):
# a time past it fails its whole batch at insert, so write() refuses it. Our times are after 1970.
MAX_TIME_US = 10_413_791_999_999_999  # 2299-12-31T23:59:59.999999Z in unix microseconds

# Widest value a String column takes, in bytes (rows travel as fixed-size records).
STRING_WIDTH = {"signature": 88, "data": 4096, "sim_error": 256}
DEFAULT_STRING_WIDTH = 64
# String columns holding raw bytes (NULs included): their records carry the length beside them.
BINARY = {"data"}

_NUMERIC = {"UInt8": "<u1", "UInt32": "<u4", "UInt64": "<u8", "Int32": "<i4", "Float32": "<f4"}


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    dtype: str  # numpy

    @property
    def is_time(self) -> bool:
        return self.sql_type.startswith("DateTime64")

    @property
    def is_string(self) -> bool:
        return self.dtype[0] in "SV"

    @property
    def is_binary(self) -> bool:
        return self.dtype[0] == "V"


@dataclasses.dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def dtype(self) -> np.dtype:
        fields = []
        for c in self.columns:
            fields.append((c.name, c.dtype))
            if c.is_binary:
                fields.append((c.name + "__len", "<u4"))
        return np.dtype(fields)

    def record(self, row: dict) -> np.ndarray:
        """One row as a 1-element record array, or InvalidRowError naming the bad field."""
        known = {c.name for c in self.columns}
        unknown = sorted(set(row) - known)
        if unknown:
            raise InvalidRowError(f"{self.name}.{unknown[0]}: no such column")
        out = np.zeros(1, self.dtype)
        for c in self.columns:
            if c.name not in row:
                if c.is_time:
                    raise InvalidRowError(f"{self.name}.{c.name}: required")
                continue
            v = _check(self.name, c, row[c.name])
            if c.is_binary:
                out[c.name + "__len"][0] = len(v)
                v = v.ljust(int(c.dtype[1:]), b"\0")
            out[c.name][0] = v
        return out


def _check(table: str, c: Column, v):
    where = f"{table}.{c.name}"
    if c.is_time:  # unix ns (int), unix seconds (float) or an aware datetime -> microseconds
        if isinstance(v, datetime.datetime):
            if v.tzinfo is None:
                raise InvalidRowError(f"{where}: a datetime needs a timezone")
            us = round(v.timestamp() * 1e6)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InvalidRowError(f"{where}: unix ns (int), seconds (float) or datetime, not {v!r}")
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise InvalidRowError(f"{where}: not finite")
            us = round(v * 1e6)
        else:
            us = v // 1000
        if not 0 < us <= MAX_TIME_US:
            raise InvalidRowError(f"{where}: {v!r} is outside 1970 .. 2299-12-31 (DateTime64)")
        return us
    if c.is_string:
        if not isinstance(v, (str, bytes)):
            raise InvalidRowError(f"{where}: a string, not {type(v).__name__}")
        b = v.encode() if isinstance(v, str) else v
        width = int(c.dtype[1:])
        if len(b) > width:
            raise InvalidRowError(f"{where}: at most {width} bytes ({len(b)} given)")
        if b"\0" in b and not c.is_binary:
            raise InvalidRowError(f"{where}: contains NUL")
        return b
    kind = np.dtype(c.dtype)
    if kind.kind == "f":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InvalidRowError(f"{where}: a finite number, not {v!r}")
        if abs(v) > float(np.finfo(kind).max):
            raise InvalidRowError(f"{where}: {v!r} does not fit {c.sql_type}")
        return v
    if not isinstance(v, (int, np.integer)):  # bool is an int: fine for flags
        raise InvalidRowError(f"{where}: an integer, not {v!r}")
    info = np.iinfo(kind)
    if not info.min <= v <= info.max:
        raise InvalidRowError(f"{where}: {v} outside {c.sql_type} [{info.min}, {info.max}]")
    return v


def _numpy_type(name: str, sql_type: str) -> str:
    inner = re.sub(r"^LowCardinality\((.*)\)$", r"\1", sql_type)
    if inner.startswith("DateTime64"):
        return "<i8"
    if inner == "String":
        return f"{'V' if name in BINARY else 'S'}{STRING_WIDTH.get(name, DEFAULT_STRING_WIDTH)}"
    if inner in _NUMERIC:
        return _NUMERIC[inner]
    raise ValueError(f"column {name}: no record type for {sql_type}")


def sql_files() -> list[pathlib.Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def statements(database: str) -> list[str]:
    """Every DDL statement, in order, for `database` (comments stripped)."""
    out = []
    for path in sql_files():
        text = re.sub(r"--[^\n]*", "", path.read_text()).replace("{db}", database)
        out += [s.strip() for s in text.split(";") if s.strip()]
    return out


def _raw_tables() -> dict[str, Table]:
    text = re.sub(r"--[^\n]*", "", (SQL_DIR / "001_tables.sql").read_text())
    tables = {}
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS \{db\}\.(\w+)\s*\((.*?)\)\s*ENGINE", text, re.S):
        cols = []
        for line in body.splitlines():  # one column per line
            m = re.match(r"\s*(\w+)\s+(LowCardinality\(\w+\)|DateTime64\([^)]*\)|\w+)", line)
            if m:
                cols.append(Column(m[1], m[2], _numpy_type(m[1], m[2])))
        tables[name] = Table(name, tuple(cols))
    return tables


TABLES: dict[str, Table] = _raw_tables()
