#include "mev_error.h"

const char *mev_strerror(int code)
{
    switch (code) {
    case MEV_OK: return "ok";
    case MEV_EINVAL: return "invalid argument";
    case MEV_ENOMEM: return "out of memory";
    case MEV_EMSG: return "malformed Solana message";
    case MEV_ERANGE: return "value out of range for its field";
    case MEV_EKEY: return "inconsistent key material";
    case MEV_ESIGNER: return "a required signer is missing";
    case MEV_EBOUNDS: return "patch point outside the instruction data";
    case MEV_ETOOBIG: return "transaction exceeds 1232 bytes";
    case MEV_ETHREAD: return "could not start a worker thread";
    case MEV_ECRYPTO: return "libsodium operation failed";
    case MEV_EAGAIN: return "ring full or empty";
    case MEV_ETIMEDOUT: return "timed out";
    case MEV_EBUSY: return "a live owner already holds that role";
    case MEV_EMISMATCH: return "ring segment does not match (mode, capacity, record size or type)";
    case MEV_ECORRUPT: return "damaged or malformed (a check of its contents failed)";
    case MEV_ECLOSED: return "closed";
    case MEV_EEXIST: return "a segment with that name already exists";
    case MEV_ENOENT: return "no segment with that name";
    case MEV_EOS: return "operating-system error";
    case MEV_ERECSIZE: return "record larger than the ring can hold";
    case MEV_ELAYOUT: return "account data does not match the layout (size, discriminator or a tag)";
    case MEV_EOVERFLOW: return "the result overflows its integer type";
    case MEV_EDUPKEY: return "a patched account key equals another account key of the message";
    case MEV_EPERM: return "segment is owned by another user or writable by others";
    case MEV_EFORKED: return "made in another process: its thread did not survive fork(); make a new one in this process";
    default: return "unknown error";
    }
}
