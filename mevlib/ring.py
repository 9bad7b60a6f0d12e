"""Lock-free single-producer/single-consumer rings between threads or processes on one host.

:class:`Ring` carries byte records (length-prefixed, zero-copy reads with ``ring.read()``);
:class:`RecordRing` carries numpy records of one dtype in bulk. Both live in shared memory:
anonymous (inherited by forked children) or named (``Ring.attach(name)`` from any process).
"""
from mevlib._ring import RecordRing, Ring

__all__ = ["RecordRing", "Ring"]
