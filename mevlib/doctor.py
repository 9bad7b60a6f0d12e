"""`mevlib doctor`: reads the host and says, for each setting the docs recommend for a bot's
latency, what it is, what we recommend, why, and the command that changes it. It never changes
anything. It works as any user and inside containers: what it cannot read is reported as unknown
with the reason. ``--json`` prints the same as a list of objects, for scripts."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import resource
import sys

from mevlib.affinity import cpu_list
OK, ADVICE, UNKNOWN = "ok", "advice", "unknown"


@dataclasses.dataclass
class Check:
    name: str
    status: str        # ok, advice (differs from what we recommend), unknown (could not read)
    current: str
    recommended: str
    why: str
    command: str = ""  # what changes it (empty when nothing needs to)


class Host:
    """Reads files of /proc and /sys under `root` (another root in the tests)."""

    def __init__(self, root: str = "/"):
        self.root = pathlib.Path(root)

    def read(self, path: str) -> str:
        return (self.root / path.lstrip("/")).read_text().strip()

    def glob(self, pattern: str) -> list[pathlib.Path]:
        return sorted(self.root.glob(pattern.lstrip("/")))


def _unknown(name, recommended, why, error) -> Check:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return Check(name, UNKNOWN, f"cannot read ({reason})", recommended, why)


def cpu_governor(host: Host) -> Check:
    why = ("the sender spins up to each shot and wakes on timers: a CPU that clocks down adds "
           "tens of µs of wake-up latency and jitter")
    files = host.glob("/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor")
    if not files:
        return _unknown("cpu_governor", "performance", why, "no cpufreq in /sys (a VM or container)")
    governors = sorted({f.read_text().strip() for f in files})
    ok = governors == ["performance"]
    return Check("cpu_governor", OK if ok else ADVICE, ",".join(governors), "performance", why,
                 "" if ok else "sudo cpupower frequency-set -g performance")


def cpu_boost(host: Host) -> Check:
    why = "turbo clocks make each signature and each request faster; leave it on"
    try:
        if (host.root / "sys/devices/system/cpu/intel_pstate/no_turbo").exists():
            on = host.read("/sys/devices/system/cpu/intel_pstate/no_turbo") == "0"
            cmd = "echo 0 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo"
        else:
            on = host.read("/sys/devices/system/cpu/cpufreq/boost") == "1"
            cmd = "echo 1 | sudo tee /sys/devices/system/cpu/cpufreq/boost"
    except OSError as e:
        return _unknown("cpu_boost", "on", why, e)
    return Check("cpu_boost", OK if on else ADVICE, "on" if on else "off", "on", why, "" if on else cmd)


def isolated_cpus(host: Host) -> Check:
    why = ("a core the scheduler and the timer tick leave alone, for the sender thread and the feed "
           "(pin them with taskset, or the pinning the benchmarks use): no preemption in the send path")
    try:
        isolated = host.read("/sys/devices/system/cpu/isolated")
        nohz = host.read("/sys/devices/system/cpu/nohz_full")
    except OSError as e:
        return _unknown("isolated_cpus", "one or two cores, isolcpus= and nohz_full=", why, e)
    nohz = "" if nohz == "(null)" else nohz
    ok = bool(isolated) and bool(nohz)
    return Check("isolated_cpus", OK if ok else ADVICE,
                 f"isolcpus={isolated or '-'} nohz_full={nohz or '-'}",
                 "one or two cores, isolcpus= and nohz_full=", why,
                 "" if ok else "add 'isolcpus=N nohz_full=N rcu_nocbs=N' to the kernel command line "
                               "(GRUB_CMDLINE_LINUX in /etc/default/grub), update-grub, reboot")


def clocksource(host: Host) -> Check:
    why = ("every timestamp and the spin before a shot read the clock: with tsc that is a vDSO "
           "call of ~20 ns, with hpet or acpi_pm a system call of ~1 µs")
    try:
        current = host.read("/sys/devices/system/clocksource/clocksource0/current_clocksource")
        available = host.read("/sys/devices/system/clocksource/clocksource0/available_clocksource").split()
    except OSError as e:
        return _unknown("clocksource", "tsc", why, e)
    ok = current == "tsc" or "tsc" not in available  # kvm-clock and arm's arch_sys_counter are fine too
    ok = ok or current in ("kvm-clock", "arch_sys_counter")
    return Check("clocksource", OK if ok else ADVICE, current, "tsc", why,
                 "" if ok else "echo tsc | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource")


def transparent_hugepages(host: Host) -> Check:
    why = ("'madvise' lets a ring ask for huge pages without 'always''s compaction stalls in the "
           "rest of the process; 'never' refuses them")
    try:
        text = host.read("/sys/kernel/mm/transparent_hugepage/enabled")
    except OSError as e:
        return _unknown("transparent_hugepages", "madvise", why, e)
    current = text[text.find("[") + 1:text.find("]")] if "[" in text else text
    ok = current == "madvise"
    return Check("transparent_hugepages", OK if ok else ADVICE, current, "madvise", why,
                 "" if ok else "echo madvise | sudo tee /sys/kernel/mm/transparent_hugepage/enabled")


def _sysctl(host: Host, name: str, key: str, want: int, why: str, unit: str = "") -> Check:
    path = "/proc/sys/" + key.replace(".", "/")
    try:
        value = int(host.read(path).split()[0])
    except (OSError, ValueError, IndexError) as e:
        return _unknown(name, f">= {want}{unit}", why, e)
    ok = value >= want
    return Check(name, OK if ok else ADVICE, f"{value}{unit}", f">= {want}{unit}", why,
                 "" if ok else f"sudo sysctl -w {key}={want}  (and in /etc/sysctl.d/ to keep it)")


def busy_poll(host: Host) -> Check:
    return _sysctl(host, "busy_poll", "net.core.busy_poll", 50,
                   "sockets poll the NIC queue for up to this many µs before sleeping: a response "
                   "or a feed message is seen without an interrupt and a wake-up", " µs")


def busy_read(host: Host) -> Check:
    return _sysctl(host, "busy_read", "net.core.busy_read", 50,
                   "the same for blocking reads (the Kafka and RPC clients)", " µs")


def socket_buffers(host: Host) -> list[Check]:
    why = ("a burst of pool updates (Kafka, gRPC) must fit in the socket buffer while the bot is "
           "busy, or the sender backs off")
    want = 16 << 20
    return [_sysctl(host, "rmem_max", "net.core.rmem_max", want, why, " bytes"),
            _sysctl(host, "wmem_max", "net.core.wmem_max", want, why, " bytes")]


def nic_irqs(host: Host) -> Check:
    why = "a NIC interrupt on an isolated core preempts the thread that core was isolated for"
    try:
        isolated = cpu_list(host.read("/sys/devices/system/cpu/isolated"))
        interrupts = host.read("/proc/interrupts").splitlines()
    except OSError as e:
        return _unknown("nic_irqs", "off the isolated cores", why, e)
    if not isolated:
        return Check("nic_irqs", OK, "no isolated cores to keep them off", "off the isolated cores", why)
    names = [d.name for d in host.glob("/sys/class/net/*") if d.name != "lo"]
    clashes = []
    for line in interrupts[1:]:
        irq = line.split(":", 1)[0].strip()
        if irq.isdigit() and any(n in line for n in names):
            try:
                cpus = cpu_list(host.read(f"/proc/irq/{irq}/smp_affinity_list"))
            except OSError:
                continue
            if cpus & isolated:
                clashes.append(irq)
    ok = not clashes
    return Check("nic_irqs", OK if ok else ADVICE,
                 "none on isolated cores" if ok else f"IRQs {','.join(clashes)} may run on isolated cores",
                 "off the isolated cores", why,
                 "" if ok else "echo <housekeeping cpus> | sudo tee /proc/irq/<irq>/smp_affinity_list "
                               "(and stop irqbalance, or ban the isolated cores in it)")


def memlock(host: Host) -> Check:
    why = ("signing keys and precomputed nonces are kept in locked memory, never swapped; the "
           "largest nonce pool (2^20 nonces) is 64 MiB, and past the limit the lock is refused")
    soft, _ = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    want = 64 << 20
    ok = soft == resource.RLIM_INFINITY or soft >= want
    current = "unlimited" if soft == resource.RLIM_INFINITY else f"{soft >> 10} KiB"
    return Check("memlock", OK if ok else ADVICE, current, ">= 64 MiB (or unlimited)", why,
                 "" if ok else "ulimit -l unlimited (shell), LimitMEMLOCK=infinity (systemd), or "
                               "'<user> - memlock unlimited' in /etc/security/limits.conf")


def core_dumps(host: Host) -> Check:
    why = ("a core file of the bot holds its memory; mevlib makes the process non-dumpable while a "
           "key is open, and a signing host should not write core files at all")
    soft, _ = resource.getrlimit(resource.RLIMIT_CORE)
    try:
        suid = host.read("/proc/sys/fs/suid_dumpable")
    except OSError:
        suid = "?"
    ok = soft == 0
    return Check("core_dumps", OK if ok else ADVICE,
                 f"core size limit {'unlimited' if soft == resource.RLIM_INFINITY else soft}, "
                 f"fs.suid_dumpable={suid}",
                 "core size limit 0", why,
                 "" if ok else "ulimit -c 0 (shell), LimitCORE=0 (systemd)")


def checks(root: str = "/") -> list[Check]:
    host = Host(root)
    return [cpu_governor(host), cpu_boost(host), isolated_cpus(host), clocksource(host),
            transparent_hugepages(host), busy_poll(host), busy_read(host), *socket_buffers(host),
            nic_irqs(host), memlock(host), core_dumps(host)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="mevlib doctor", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the checks as JSON")
    ap.add_argument("--root", default="/", help=argparse.SUPPRESS)  # another /proc and /sys, for tests
    args = ap.parse_args(argv)
    found = checks(args.root)
    if args.json:
        print(json.dumps([dataclasses.asdict(c) for c in found], indent=2))
        return 0
    for c in found:
        mark = {OK: "ok  ", ADVICE: "FIX ", UNKNOWN: "??  "}[c.status]
        print(f"{mark} {c.name:<22} {c.current}")
        if c.status != OK:
            print(f"     recommended: {c.recommended} — {c.why}")
            if c.command:
                print(f"     change with: {c.command}")
    print(f"\n{sum(c.status == ADVICE for c in found)} to change, {sum(c.status == UNKNOWN for c in found)} "
          f"unreadable here (user {os.geteuid()}); nothing was changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
