import pytest
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.system_program import TransferParams, transfer


class Chain:
    """A LiteSVM bank with a funded payer, a recipient and a tip account."""

    def __init__(self):
        self.svm = LiteSVM()
        self.payer = Keypair()
        self.recipient = Keypair().pubkey()
        self.tip_account = Keypair().pubkey()
        self.svm.airdrop(self.payer.pubkey(), 100 * 10**9)
        # pre-funded so small transfers keep them rent-exempt
        self.svm.airdrop(self.recipient, 10**9)
        self.svm.airdrop(self.tip_account, 10**9)

    def transfer_with_tip_ixs(self, amount=1_000, tip=1_000, cu_price=1_000):
        payer = self.payer.pubkey()
        return [
            set_compute_unit_limit(10_000),
            set_compute_unit_price(cu_price),
            transfer(TransferParams(from_pubkey=payer, to_pubkey=self.recipient, lamports=amount)),
            transfer(TransferParams(from_pubkey=payer, to_pubkey=self.tip_account, lamports=tip)),
        ]


@pytest.fixture
def chain():
    return Chain()


@pytest.fixture(scope="module")
def shared_chain():
    """For property tests, which run many inputs in one test: only read, never send."""
    return Chain()


@pytest.fixture
def ring_name():
    """A fresh shared-memory name for a test's Ring; the segment is removed afterwards."""
    import os
    import uuid

    name = f"mevlib-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield name
    try:
        os.unlink(f"/dev/shm/{name}")
    except FileNotFoundError:
        pass


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


from mevlib.launch import start_tansu  # noqa: E402  (the broker `make run` starts too)


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """A Kafka-protocol broker: MEVLIB_KAFKA_BOOTSTRAP if set, else Tansu on a free loopback port,
    started for this test session and stopped after it."""
    import os

    if os.environ.get("MEVLIB_KAFKA_BOOTSTRAP"):
        yield os.environ["MEVLIB_KAFKA_BOOTSTRAP"]
        return
    port = _free_port()
    proc = start_tansu(port)
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def store_url(tmp_path_factory):
    """CLICKHOUSE_URL when set (the same tests against a server), else chDB in a session-wide
    directory: chDB opens one path per process."""
    import os

    return os.environ.get("CLICKHOUSE_URL") or f"chdb://{tmp_path_factory.mktemp('chdb')}"


@pytest.fixture
def store_db(store_url):
    """A fresh database with the schema applied, dropped afterwards."""
    import uuid

    from mevlib import store

    backend = store.connect(store_url, database=f"t_{uuid.uuid4().hex[:10]}")
    store.migrate(backend)
    yield backend
    backend.execute(f"DROP DATABASE IF EXISTS {backend.database}")
    backend.close()
