"""Optional features and the extra that installs what each needs (pyproject.toml's
[project.optional-dependencies]). A feature imports its dependency through `require`, so a bot
installed without the extra gets an ImportError that says what to install, not a
ModuleNotFoundError from deep inside."""
from __future__ import annotations

import importlib

from mevlib.errors import MissingExtraError


def require(module: str, extra: str, feature: str):
    """The imported `module`, or MissingExtraError naming `pip install 'mevlib[extra]'`."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        top = module.split(".")[0]
        if e.name is not None and e.name.split(".")[0] != top:
            raise  # the package is there but something it needs is not: not ours to rename
        raise MissingExtraError(f"{feature} needs {top}, which is not installed: "
                                f"pip install 'mevlib[{extra}]'") from None


def zstd(extra: str = "feed"):
    """The zstd codec (base64+zstd account data): the standard library's from Python 3.14, else
    backports.zstd."""
    try:
        from compression import zstd as module  # Python 3.14+
    except ModuleNotFoundError:
        module = require("backports.zstd", extra, "zstd-compressed account data")
    return module
