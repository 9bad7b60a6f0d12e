"""The outcome store: what the bot did and what came of it, in ClickHouse (chDB embedded by
default), with 5-minute rollups; see docs/store.md."""
from mevlib.store.backends import ChdbBackend, HttpBackend, ServerBackend, connect, migrate
from mevlib.store.recorder import SenderRecorder
from mevlib.store.writer import Writer, WriterStats
from mevlib.store.schema import TABLES

__all__ = ["ChdbBackend", "HttpBackend", "SenderRecorder", "ServerBackend", "TABLES", "Writer", "WriterStats", "connect", "migrate"]
