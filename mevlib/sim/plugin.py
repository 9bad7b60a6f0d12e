"""The kafka-delta plugin's C core (geyser-plugins/kafka-delta/src), driven through cffi the way
the Rust shim drives it inside a validator: the demo's stand-in validator, the tests and the
benchmarks all go through here."""
from __future__ import annotations

import json
import os
import pathlib
import tempfile

from mevlib._extras import require

cffi = require("cffi", "sim", "the simulator's plugin binding")

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIB = pathlib.Path(os.environ.get("MEVLIB_GK_LIB", ROOT / "build" / "gk" / "libmevgk_core.so"))

ffi = cffi.FFI()
ffi.cdef("""
typedef struct {
    const uint8_t *pubkey; const uint8_t *owner; uint64_t lamports; const uint8_t *data;
    size_t data_len; uint64_t slot; uint64_t write_version; const uint8_t *txn_signature;
    int is_startup; uint64_t sequence; int executable; uint64_t rent_epoch;
} mevgk_account;
typedef struct {
    uint64_t slot; int has_parent; uint64_t parent; int status; const char *dead_error;
    uint64_t sequence;
} mevgk_slot;
long mevgk_encode_account_event(const mevgk_account *a, uint8_t *buf, size_t cap);
long mevgk_encode_slot_event(const mevgk_slot *s, uint8_t *buf, size_t cap);
size_t mevgk_account_event_max(size_t data_len);
typedef struct mevgk mevgk;
typedef struct {
    uint64_t updates; uint64_t startup_skipped; uint64_t filtered_out; uint64_t sent;
    uint64_t dropped; uint64_t failed; uint64_t slot_events;
} mevgk_metrics;
mevgk *mevgk_new(const char *config_path, char *err_buf, size_t err_len);
int mevgk_update_account(mevgk *p, mevgk_account *a);
int mevgk_update_slot(mevgk *p, mevgk_slot *s);
void mevgk_end_of_startup(mevgk *p);
void mevgk_metrics_get(mevgk *p, mevgk_metrics *out);
void mevgk_free(mevgk *p);
long mevgk_base58_decode(const char *s, uint8_t *out, size_t cap);
""")

_lib = None


def load_lib():
    """The core as a shared library, built with make when missing (in a source checkout)."""
    global _lib
    if _lib is not None:
        return _lib
    if not LIB.exists():
        if os.system(f"make -C {ROOT} -s build/gk/libmevgk_core.so") != 0 or not LIB.exists():
            raise FileNotFoundError(f"{LIB}: build it with `make build/gk/libmevgk_core.so`")
    # Debian's librdkafka 2.0.2 cannot parse the Tansu test broker's ApiVersions answer ("Read
    # underflow"); the confluent-kafka wheel's librdkafka 2.16 can. Loaded first and globally, its
    # symbols are the ones the core's calls bind to (same ABI). Against a real Kafka either works.
    import ctypes
    import glob

    try:
        import confluent_kafka
    except ImportError:
        confluent_kafka = None
    if confluent_kafka is not None:
        libs = pathlib.Path(confluent_kafka.__file__).parent.parent / "confluent_kafka.libs"
        bundled = glob.glob(str(libs / "librdkafka*"))
        if bundled:
            ctypes.CDLL(bundled[0], mode=ctypes.RTLD_GLOBAL)
    _lib = ffi.dlopen(str(LIB))
    return _lib


class PluginCore:
    """One plugin instance, configured like the validator's config file (docs/geyser.md)."""

    def __init__(self, config: dict):
        self.lib = load_lib()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(config, f)
        err = ffi.new("char[]", 512)
        self.handle = self.lib.mevgk_new(f.name.encode(), err, 512)
        os.unlink(f.name)
        if self.handle == ffi.NULL:
            raise ValueError(ffi.string(err).decode())
        self._acc = ffi.new("mevgk_account *")
        self._slot = ffi.new("mevgk_slot *")

    def update_account(self, pubkey: bytes, owner: bytes, lamports: int, data: bytes, slot: int,
                       write_version: int) -> bool:
        """What the validator's update_account hands the shim; True if published."""
        keep = (ffi.from_buffer(pubkey), ffi.from_buffer(owner), ffi.from_buffer(data))
        a = self._acc
        a.pubkey, a.owner, a.data = keep
        a.lamports, a.data_len, a.slot, a.write_version = lamports, len(data), slot, write_version
        return self.lib.mevgk_update_account(self.handle, a) == 1

    def update_slot(self, slot: int, status: int, parent: int | None = None) -> bool:
        s = self._slot
        s.slot, s.status, s.has_parent, s.parent = slot, status, parent is not None, parent or 0
        return self.lib.mevgk_update_slot(self.handle, s) == 1

    def metrics(self) -> dict:
        m = ffi.new("mevgk_metrics *")
        self.lib.mevgk_metrics_get(self.handle, m)
        return {k: getattr(m, k) for k in ("updates", "startup_skipped", "filtered_out", "sent", "dropped",
                                           "failed", "slot_events")}

    def close(self):
        if self.handle is not None:
            self.lib.mevgk_free(self.handle)
            self.handle = None
