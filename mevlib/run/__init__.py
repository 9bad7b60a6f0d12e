"""Running a bot from a config: `mevlib run --config bot.toml [--cluster sim] [--shadow]`.

mevlib.run.config reads and checks the file, mevlib.run.bot turns it into routes, strategies and
limits, mevlib.run.live runs it on the cluster it names, and mevlib.demo on the local simulator."""
from mevlib.run.config import Config, ConfigError, load

__all__ = ["Config", "ConfigError", "load"]
