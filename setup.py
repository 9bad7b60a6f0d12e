"""Builds the C core with strict warnings, then the Cython wrappers that link it.

MEVLIB_EXTRA_CFLAGS / MEVLIB_EXTRA_LDFLAGS add compiler and linker flags to everything (the core
and the wrappers): `make pgo` builds with -fprofile-generate, then -fprofile-use, through them."""
import os
import shlex
import subprocess

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

EXTRA_CFLAGS = shlex.split(os.environ.get("MEVLIB_EXTRA_CFLAGS", ""))
EXTRA_LDFLAGS = shlex.split(os.environ.get("MEVLIB_EXTRA_LDFLAGS", ""))
STRICT = ["-std=c11", "-O3", "-fPIC", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE"] + EXTRA_CFLAGS


# Extension name -> our C sources. Kept beside the Extension, not on it: cythonize() rebuilds
# Extension objects and drops attributes it does not know.
CORE_SOURCES = {}


def pkg_config(*args):
    return subprocess.check_output(["pkg-config", *args, "libsodium", "libcurl"], text=True).split()


class StrictCoreBuild(build_ext):
    """Compiles each extension's `core_sources` (our C) with STRICT flags, separately from the
    Cython-generated C, which is not written to pass -Wextra -Werror."""

    def build_extension(self, ext):
        sources = CORE_SOURCES.get(ext.name, [])
        if sources:
            objects = self.compiler.compile(
                sources,
                output_dir=self.build_temp,
                include_dirs=ext.include_dirs,
                extra_postargs=STRICT + pkg_config("--cflags"),
                depends=ext.depends,
            )
            ext.extra_objects = list(dict.fromkeys(ext.extra_objects + objects))
        super().build_extension(ext)


def core_extension(name, pyx, core):
    ext = Extension(
        name,
        [pyx],
        include_dirs=["csrc"],
        extra_compile_args=["-O3"] + pkg_config("--cflags") + EXTRA_CFLAGS,
        extra_link_args=pkg_config("--libs") + ["-lpthread", "-lm"] + EXTRA_LDFLAGS,
        # the core's .c files too: setuptools relinks only when a dependency is newer than the .so
        depends=[f"csrc/{c}.{ext}" for c in core for ext in ("h", "c")] + ["csrc/mev_error.h"],
    )
    CORE_SOURCES[name] = [f"csrc/{c}.c" for c in core]
    return ext


extensions = [
    core_extension("mevlib._signer", "mevlib/_signer.pyx",
                   ["mev_error", "proc", "signer", "message", "pool", "txtpl"]),
    core_extension("mevlib._ring", "mevlib/_ring.pyx", ["mev_error", "proc", "ring", "shm"]),
    core_extension("mevlib._landing", "mevlib/_landing.pyx",
                   ["mev_error", "leadermap", "kalman", "bandit", "lut"]),
    core_extension("mevlib._sender", "mevlib/_sender.pyx", ["mev_error", "proc", "ring", "shm", "sender"]),
    core_extension("mevlib._feed", "mevlib/_feed.pyx", ["mev_error", "delta", "yellowstone"]),
    core_extension("mevlib._dex", "mevlib/_dex.pyx", ["mev_error", "dex/token", "dex/cpmm", "dex/pump_amm", "dex/amm_v4", "dex/graph", "dex/wide", "dex/clmm",
                                                           "dex/whirlpool", "dex/raydium_clmm", "dex/dlmm"]),
]

setup(
    ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
    cmdclass={"build_ext": StrictCoreBuild},
)
