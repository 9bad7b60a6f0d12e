"""Pool-delta feed: decoding the plugin's protobuf events (165-byte token accounts)."""
import os
import sys

from mevlib import feed

from .common import Benchmark

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests"))
from geyser_proto import Event  # noqa: E402  (the schema, built by the tests' descriptor)


def token_account_event() -> bytes:
    ev = Event()
    a = ev.account
    a.pubkey, a.owner, a.lamports, a.data = bytes(range(32)), bytes(32), 2_039_280, bytes(165)
    a.slot, a.write_version, a.sequence = 300_000_000, 1 << 42, 7
    return ev.SerializeToString()


class Decode(Benchmark):
    def setup(self):
        self.msg = token_account_event()
        self.batch = [self.msg] * 1024

    def time_decode_one(self):
        feed.decode(self.msg)

    def time_decode_accounts_1024(self):
        feed.decode_accounts(self.batch)
