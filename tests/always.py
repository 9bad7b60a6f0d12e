"""Fixtures for tests that need every valid transaction to land (the simulator's always_land):
what stops a second execution, or what a record says, is then the code under test alone.
Import them into a test module: `from always import clock, sim  # noqa: F401`."""
import dataclasses

import pytest

from mevlib.routes import JsonRpcClient
from mevlib.sender import SlotClock
from mevlib.sim import ClusterConfig, Simulator
from mevlib.sim.cluster import always_land

ALWAYS = always_land(dataclasses.replace(ClusterConfig(seed=5), slot_ms=100.0))


@pytest.fixture
def sim():
    with Simulator(ALWAYS) as s:
        yield s


@pytest.fixture
def clock(sim):
    clock = SlotClock(JsonRpcClient(sim.url("rpc")), poll_s=0.01).start()
    assert clock.wait_ready()
    yield clock
    clock.stop()
