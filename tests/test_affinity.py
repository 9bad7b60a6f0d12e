"""mevlib.affinity: the pinning API moves mevlib's own threads (read back with sched_getaffinity)."""
import os
import threading

import pytest
from solders.keypair import Keypair

import mevlib
from mevlib import _sender, affinity, signer


def test_pin_moves_each_kind_of_thread():
    cpus = sorted(os.sched_getaffinity(0))
    target = cpus[-1]
    sender = _sender.CurlSender()
    sender.add_route("http://127.0.0.1:9/")
    sender.start()
    key = mevlib.Signer(Keypair(), nonces=4)
    stop = threading.Event()
    feed = threading.Thread(target=stop.wait, name="feed")
    feed.start()
    try:
        for target_obj in (sender, key, feed):
            tids = affinity.pin(target_obj, target)
            assert tids and all(os.sched_getaffinity(t) == {target} for t in tids)
            assert os.getpid() not in tids or target_obj is feed  # never the caller by mistake
        workers = signer.pool_thread_ids(2)
        assert len(workers) == 1  # the caller is the pool's other thread
        affinity.pin(workers[0], cpus[0])
        assert os.sched_getaffinity(workers[0]) == {cpus[0]}
        assert os.sched_getaffinity(0) == set(cpus)  # the caller is untouched
    finally:
        stop.set()
        feed.join()
        sender.close()
        key.close()


def test_bad_pins_are_refused():
    with pytest.raises(mevlib.InvalidArgumentError, match="not available"):
        affinity.pin(threading.current_thread(), 4096)
    with pytest.raises(mevlib.InvalidArgumentError):
        affinity.pin(threading.current_thread(), [])
    with pytest.raises(mevlib.InvalidTypeError):
        affinity.pin("sender", 0)
    with pytest.raises(mevlib.InvalidArgumentError, match="not started"):
        affinity.pin(threading.Thread(target=print), 0)


def test_plan_puts_the_roles_on_cpus_this_process_may_use():
    mine = os.sched_getaffinity(0)
    p = affinity.plan()
    assert set(p) == {"sender", "feed", "engine", "signing", "rest"}
    assert all(cpus and cpus <= mine | affinity.isolated_cpus() for cpus in p.values())
    assert p["sender"] == {max(mine)} or p["sender"] <= affinity.isolated_cpus()


def test_thread_id_zero_is_refused():
    """sched_setaffinity(0, ...) would move the caller: an id of 0 is never taken for a thread."""
    with pytest.raises(mevlib.InvalidArgumentError):
        affinity.pin(0, sorted(os.sched_getaffinity(0))[0])
    assert all(t > 0 for t in signer.pool_thread_ids(2))
