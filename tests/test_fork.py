"""fork() safety: a child inherits the parent's objects but not its threads or its identity.

Linux `multiprocessing` forks by default, so every object a bot makes before starting workers is
used in children: thread pools must be re-created there, a sender whose thread stayed in the
parent must refuse shots, and ring handles must not claim or release roles under the parent's pid.
"""
import os
import signal

import nacl.signing
import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer

import mevlib
from forking import in_child
from mevlib import _sender


def test_sign_many_in_a_forked_child():
    kp = Keypair()
    ix = transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=Keypair().pubkey(), lamports=1))
    msg = MessageV0.try_compile(kp.pubkey(), [ix], [], Hash.default())
    tpl = mevlib.TxTemplate(msg, kp, {"amount": mevlib.Patch.transfer_lamports(0)}, threads=2)
    tpl.sign_many([{"amount": i} for i in range(8)])  # the parent's pool has run
    verify = nacl.signing.VerifyKey(bytes(kp.pubkey()))

    def body():
        wires = tpl.sign_many([{"amount": i + 1} for i in range(64)])
        for w in wires:
            verify.verify(w[65:], w[1:65])  # raises if a signature does not verify
        return 0 if len(wires) == 64 else 1

    assert in_child(body) == 0
    assert len(tpl.sign_many([{"amount": i} for i in range(64)])) == 64  # the parent's pool still works


def test_sender_refuses_shots_in_a_forked_child():
    sender = _sender.CurlSender()
    sender.add_route("http://127.0.0.1:9/")
    sender.start()

    def body():
        try:
            sender.submit(1, 0, _sender.WARM, [])
        except mevlib.ForkedError as e:
            return 0 if isinstance(e, RuntimeError) else 2
        return 1  # accepted a shot that no thread will fire

    assert in_child(body) == 0
    sender.submit(2, 0, _sender.WARM, [])  # the parent's thread still fires
    assert sender.results(timeout=5)
    sender.close()


def test_forked_consumer_killed_then_replaced_while_parent_lives(ring_name):
    ring = mevlib.Ring(1 << 12, name=ring_name)
    for i in range(10):
        ring.push(i.to_bytes(8, "little"))
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(wfd, ring.pop_wait(timeout=5) or b"none")
            signal.pause()  # killed by the parent while holding the consumer role
        finally:
            os._exit(1)
    assert os.read(rfd, 8) == (0).to_bytes(8, "little")
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    # the dead child's consumer role is taken over, though the parent that forked it lives
    with mevlib.Ring.attach(ring_name, role="consumer") as replacement:
        assert replacement.pop() == (1).to_bytes(8, "little")
    ring.close()


def test_inherited_producer_role_is_not_released_by_the_child(ring_name):
    ring = mevlib.Ring(1 << 12, name=ring_name)
    ring.push(b"the parent is the producer")

    def body():
        try:
            ring.push(b"a second producer")
            return 1
        except mevlib.RingRoleError:
            pass
        ring.close()  # must not give up the parent's role
        return 0

    assert in_child(body) == 0
    with pytest.raises(mevlib.RingRoleError):
        mevlib.Ring.attach(ring_name, role="producer")
    assert ring.push(b"still mine")
    ring.close()

