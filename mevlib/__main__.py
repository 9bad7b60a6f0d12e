"""The `mevlib` command: `mevlib calibrate ...` (also `python -m mevlib calibrate ...`)."""
import sys

COMMANDS = {
    "calibrate": ("mevlib.calibrate", "fit the p_land / EV tables from the store (--every 1h to repeat)"),
    "monitor": ("mevlib.monitor.server", "serve the live dashboard on 127.0.0.1 (--ring NAME)"),
    "doctor": ("mevlib.doctor", "read this host's latency settings and say what to change (changes nothing)"),
    "run": ("mevlib.run.cli", "run a bot from its config (--cluster sim: on the local simulator; --shadow: send nothing)"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print("usage: mevlib COMMAND [options]\n\ncommands:")
        for name, (_, what) in COMMANDS.items():
            print(f"  {name:<12} {what}")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    import importlib

    return importlib.import_module(COMMANDS[argv[0]][0]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
