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
    default: return "unknown error";
    }
}
