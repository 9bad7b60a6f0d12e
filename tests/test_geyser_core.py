"""The Geyser plugin's C core, driven through cffi: what it encodes, the official protobuf runtime
decodes field for field; its filters keep exactly what Yellowstone-style semantics say."""
import os
import pathlib

import cffi
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIB = ROOT / "build" / "gk" / "libmevgk_core.so"

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
""")


@pytest.fixture(scope="module")
def lib():
    if not LIB.exists():  # `make test` builds it; a bare pytest run builds it here
        assert os.system(f"make -C {ROOT} -s build/gk/libmevgk_core.so") == 0
    return ffi.dlopen(str(LIB))


def _messages():
    """The classes of proto/pool_delta.proto, described by hand (no protoc needed)."""
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="pool_delta.proto", package="mevlib.geyser.v1", syntax="proto3")

    def add(msg, name, number, ftype, type_name=None, oneof=None, proto3_optional=False):
        f = msg.field.add(name=name, number=number, type=ftype, label=F.LABEL_OPTIONAL)
        if type_name:
            f.type_name = type_name
        if oneof is not None:
            f.oneof_index = oneof
        if proto3_optional:
            f.proto3_optional = True
        return f

    acc = fdp.message_type.add(name="AccountUpdate")
    for name, num, t in [("pubkey", 1, F.TYPE_BYTES), ("owner", 2, F.TYPE_BYTES), ("lamports", 3, F.TYPE_UINT64),
                         ("data", 4, F.TYPE_BYTES), ("slot", 5, F.TYPE_UINT64), ("write_version", 6, F.TYPE_UINT64),
                         ("txn_signature", 7, F.TYPE_BYTES), ("is_startup", 8, F.TYPE_BOOL),
                         ("sequence", 9, F.TYPE_UINT64), ("executable", 10, F.TYPE_BOOL),
                         ("rent_epoch", 11, F.TYPE_UINT64)]:
        add(acc, name, num, t)
    slot = fdp.message_type.add(name="SlotStatus")
    status = slot.enum_type.add(name="Status")
    for i, n in enumerate(["PROCESSED", "ROOTED", "CONFIRMED", "FIRST_SHRED_RECEIVED", "COMPLETED",
                           "CREATED_BANK", "DEAD"]):
        status.value.add(name=n, number=i)
    add(slot, "slot", 1, F.TYPE_UINT64)
    slot.oneof_decl.add(name="_parent")
    add(slot, "parent", 2, F.TYPE_UINT64, oneof=0, proto3_optional=True)
    add(slot, "status", 3, F.TYPE_ENUM, ".mevlib.geyser.v1.SlotStatus.Status")
    add(slot, "dead_error", 4, F.TYPE_STRING)
    add(slot, "sequence", 5, F.TYPE_UINT64)
    ev = fdp.message_type.add(name="Event")
    ev.oneof_decl.add(name="event")
    add(ev, "account", 1, F.TYPE_MESSAGE, ".mevlib.geyser.v1.AccountUpdate", oneof=0)
    add(ev, "slot", 2, F.TYPE_MESSAGE, ".mevlib.geyser.v1.SlotStatus", oneof=0)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("mevlib.geyser.v1.Event"))


Event = _messages()

u64 = st.integers(0, 2**64 - 1)


@settings(max_examples=300, deadline=None)
@given(pubkey=st.binary(min_size=32, max_size=32), owner=st.binary(min_size=32, max_size=32),
       lamports=u64, data=st.binary(max_size=1000), slot=u64, wv=u64, seq=u64, rent=u64,
       sig=st.one_of(st.none(), st.binary(min_size=64, max_size=64)), startup=st.booleans(),
       executable=st.booleans())
def test_account_events_decode_with_the_official_runtime(lib, pubkey, owner, lamports, data, slot, wv,
                                                         seq, rent, sig, startup, executable):
    keep = [ffi.from_buffer(pubkey), ffi.from_buffer(owner), ffi.from_buffer(data),
            ffi.from_buffer(sig) if sig else ffi.NULL]
    acc = ffi.new("mevgk_account *", {
        "pubkey": keep[0], "owner": keep[1], "lamports": lamports, "data": keep[2], "data_len": len(data),
        "slot": slot, "write_version": wv, "txn_signature": keep[3], "is_startup": startup,
        "sequence": seq, "executable": executable, "rent_epoch": rent})
    cap = lib.mevgk_account_event_max(len(data))
    buf = ffi.new("uint8_t[]", cap)
    n = lib.mevgk_encode_account_event(acc, buf, cap)
    assert 0 < n <= cap
    ev = Event.FromString(bytes(ffi.buffer(buf, n)))
    a = ev.account
    assert ev.WhichOneof("event") == "account"
    assert (a.pubkey, a.owner, a.lamports, a.data, a.slot, a.write_version) == (pubkey, owner, lamports, data, slot, wv)
    assert (a.txn_signature, a.is_startup, a.sequence, a.executable, a.rent_epoch) == (sig or b"", startup, seq, executable, rent)
    assert lib.mevgk_encode_account_event(acc, buf, n - 1) == -1


@settings(max_examples=100, deadline=None)
@given(slot=u64, parent=st.one_of(st.none(), u64), status=st.integers(0, 6),
       err=st.text(max_size=40).filter(lambda s: "\x00" not in s), seq=u64)
def test_slot_events_decode_with_the_official_runtime(lib, slot, parent, status, err, seq):
    err_c = ffi.new("char[]", err.encode())
    s = ffi.new("mevgk_slot *", {"slot": slot, "has_parent": parent is not None, "parent": parent or 0,
                                 "status": status, "dead_error": err_c, "sequence": seq})
    buf = ffi.new("uint8_t[]", 256)
    n = lib.mevgk_encode_slot_event(s, buf, 256)
    ev = Event.FromString(bytes(ffi.buffer(buf, n)))
    assert ev.WhichOneof("event") == "slot"
    assert (ev.slot.slot, ev.slot.status, ev.slot.dead_error, ev.slot.sequence) == (slot, status, err, seq)
    assert ev.slot.HasField("parent") == (parent is not None)
    if parent is not None:
        assert ev.slot.parent == parent
