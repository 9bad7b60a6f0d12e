"""The plugin's proto/pool_delta.proto described by hand for the official protobuf runtime, so the
tests need no protoc."""
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def messages():
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



Event = messages()
