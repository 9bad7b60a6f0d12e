"""Plugin messages from a shared-memory ring (the plugin's ``ring://NAME`` sink)."""
from __future__ import annotations

from mevlib.ring import Ring


class RingSource:
    """Messages from a plugin's ``ring://NAME`` sink (the bot creates the Ring, the plugin
    attaches as producer). ``spin`` is how long a wait busy-polls before sleeping (see
    :meth:`Ring.set_spin`): give a bot pinned to its own core a long spin to save the tens of µs a
    wake-up costs. A ring lives in memory: a message is consumed when it is taken, so updates
    still waiting for their slot when the bot stops are not read again by the next one."""

    def __init__(self, name: str, *, spin: float = 50e-6):
        self.ring = Ring.attach(name, role="consumer")
        self.ring.set_spin(spin)
        self._offset = 0

    def poll(self, max_n: int, timeout: float) -> list[tuple[object, int, bytes]]:
        got = self.ring.pop_many(max_n)
        if not got and timeout > 0:
            one = self.ring.pop_wait(timeout)
            got = [one] if one is not None else []
        start, self._offset = self._offset, self._offset + len(got)
        return [("ring", start + i, m) for i, m in enumerate(got)]

    def commit(self, positions: dict):
        pass  # pop already consumed them

    def close(self):
        self.ring.close()
