"""Placing mevlib's threads on CPUs. The threads that decide latency are the C sender's
(`HedgedSender.thread_ids()`, `CurlSender.thread_ids()`), the feed's and the engine's (Python
`threading.Thread`s), the nonce refill thread (`Signer.thread_ids()`) and the signing pool's
workers (`mevlib.signer.pool_thread_ids()`). `pin` moves any of them; `plan` suggests where, from
the CPUs this process may use and the ones the kernel isolated (isolcpus=, nohz_full=)."""
from __future__ import annotations

import os
import threading

from mevlib.errors import InvalidArgumentError, InvalidTypeError

_SYS_CPU = "/sys/devices/system/cpu"


def cpu_list(text: str) -> set[int]:
    """The CPUs of a kernel CPU list ("0-3,8", as /sys and /proc write them; "(null)" is none)."""
    cpus: set[int] = set()
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if part and part != "(null)":
            lo, _, hi = part.partition("-")
            cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def _read_cpus(name: str) -> set[int]:
    try:
        with open(f"{_SYS_CPU}/{name}") as f:
            return cpu_list(f.read())
    except (OSError, ValueError):
        return set()


def isolated_cpus() -> set[int]:
    """CPUs the kernel keeps the scheduler off (isolcpus=), empty if none or unreadable."""
    return _read_cpus("isolated")


def tickless_cpus() -> set[int]:
    """CPUs without the periodic timer tick (nohz_full=)."""
    return _read_cpus("nohz_full")


def _thread_ids(target) -> list[int]:
    if isinstance(target, bool):
        raise InvalidTypeError("a thread, a kernel thread id, or an object with thread_ids()")
    if isinstance(target, int):
        return [target]
    if isinstance(target, threading.Thread):
        if target.native_id is None:
            raise InvalidArgumentError(f"thread {target.name!r} has not started")
        return [target.native_id]
    if hasattr(target, "thread_ids"):
        return list(target.thread_ids())
    raise InvalidTypeError(f"a thread, a kernel thread id, or an object with thread_ids(), not {type(target).__name__}")


def pin(target, cpus) -> list[int]:
    """Restricts the thread(s) of `target` to `cpus` (an int or an iterable of ints); returns
    the kernel ids moved. A CPU this process may not use is refused rather than ignored."""
    wanted = {cpus} if isinstance(cpus, int) and not isinstance(cpus, bool) else set(cpus)
    allowed = os.sched_getaffinity(0) | isolated_cpus()
    if not wanted or not all(isinstance(c, int) and not isinstance(c, bool) for c in wanted):
        raise InvalidArgumentError(f"cpus must be a non-empty set of CPU numbers, not {cpus!r}")
    if not wanted <= allowed:
        raise InvalidArgumentError(f"CPUs {sorted(wanted - allowed)} are not available to this process "
                                   f"(allowed: {sorted(allowed)})")
    tids = _thread_ids(target)
    if not all(isinstance(t, int) and t > 0 for t in tids):  # 0 would mean the calling thread
        raise InvalidArgumentError(f"not kernel thread ids: {tids!r}")
    for tid in tids:
        os.sched_setaffinity(tid, wanted)
    return tids


def plan(roles=("sender", "feed", "engine", "signing")) -> dict[str, set[int]]:
    """A suggestion: the latency-critical roles get a CPU each, isolated (and tickless) ones first,
    in the order given; whatever is left, the rest of the process's CPUs. With fewer CPUs than
    roles the last CPUs are shared."""
    mine = sorted(os.sched_getaffinity(0))
    quiet = sorted(isolated_cpus() & tickless_cpus()) + sorted(isolated_cpus() - tickless_cpus())
    order = quiet + [c for c in reversed(mine) if c not in quiet]  # the last CPUs carry fewer IRQs
    out = {}
    for i, role in enumerate(roles):
        out[role] = {order[min(i, len(order) - 1)]}
    rest = set(mine) - set().union(*out.values())
    out["rest"] = rest or set(mine)
    return out
