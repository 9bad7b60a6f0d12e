"""`mevlib doctor`: every check reads the host (a made-up /proc and /sys here, the real one too),
says what to change and how, and reads nothing it cannot without saying so."""
import json
import subprocess
import sys

from mevlib import doctor

NAMES = ["cpu_governor", "cpu_boost", "isolated_cpus", "clocksource", "transparent_hugepages",
         "busy_poll", "busy_read", "rmem_max", "wmem_max", "nic_irqs", "memlock", "core_dumps"]


def host(tmp_path, files):
    for path, text in files.items():
        f = tmp_path / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    return str(tmp_path)


def test_a_host_that_needs_tuning(tmp_path):
    root = host(tmp_path, {
        "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": "powersave\n",
        "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor": "performance\n",
        "sys/devices/system/cpu/intel_pstate/no_turbo": "1\n",
        "sys/devices/system/cpu/isolated": "2-3\n",
        "sys/devices/system/cpu/nohz_full": "2-3\n",
        "sys/devices/system/clocksource/clocksource0/current_clocksource": "hpet\n",
        "sys/devices/system/clocksource/clocksource0/available_clocksource": "tsc hpet acpi_pm\n",
        "sys/kernel/mm/transparent_hugepage/enabled": "[always] madvise never\n",
        "proc/sys/net/core/busy_poll": "0\n",
        "proc/sys/net/core/busy_read": "50\n",
        "proc/sys/net/core/rmem_max": "212992\n",
        "proc/sys/net/core/wmem_max": "33554432\n",
        "proc/interrupts": "           CPU0 CPU1 CPU2 CPU3\n 24:  1 2 3 4  PCI-MSI eth0-TxRx-0\n 25:  0 0 0 0  PCI-MSI eth0-TxRx-1\n",
        "proc/irq/24/smp_affinity_list": "2\n",
        "proc/irq/25/smp_affinity_list": "0-1\n",
        "sys/class/net/eth0/operstate": "up\n",
        "proc/sys/fs/suid_dumpable": "0\n",
    })
    found = {c.name: c for c in doctor.checks(root)}
    assert list(found) == NAMES
    status = {name: c.status for name, c in found.items()}
    assert status["cpu_governor"] == "advice" and "cpupower frequency-set -g performance" in found["cpu_governor"].command
    assert found["cpu_governor"].current == "performance,powersave"
    assert status["cpu_boost"] == "advice" and "no_turbo" in found["cpu_boost"].command
    assert status["isolated_cpus"] == "ok"
    assert status["clocksource"] == "advice" and found["clocksource"].current == "hpet"
    assert status["transparent_hugepages"] == "advice" and found["transparent_hugepages"].current == "always"
    assert status["busy_poll"] == "advice" and "net.core.busy_poll=50" in found["busy_poll"].command
    assert status["busy_read"] == "ok" and status["wmem_max"] == "ok" and status["rmem_max"] == "advice"
    assert status["nic_irqs"] == "advice" and "24" in found["nic_irqs"].current and "25" not in found["nic_irqs"].current


def test_what_cannot_be_read_is_unknown_with_the_reason(tmp_path):
    found = {c.name: c for c in doctor.checks(str(tmp_path))}  # an empty root: a locked-down container
    for name in ("cpu_governor", "cpu_boost", "isolated_cpus", "clocksource", "transparent_hugepages",
                 "busy_poll", "rmem_max", "nic_irqs"):
        assert found[name].status == "unknown" and found[name].current.startswith("cannot read")
        assert found[name].recommended and found[name].why


def test_json_on_this_host_names_every_check():
    out = subprocess.run([sys.executable, "-m", "mevlib", "doctor", "--json"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    rows = json.loads(out)
    assert [r["name"] for r in rows] == NAMES
    for r in rows:
        assert r["status"] in ("ok", "advice", "unknown") and r["why"] and r["recommended"]
        assert (r["status"] == "advice") <= bool(r["command"])
