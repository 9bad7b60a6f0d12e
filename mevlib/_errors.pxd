# The one place that turns C error codes into exceptions. Every wrapper does `check(rc)`.

cdef extern from "mev_error.h" nogil:
    enum:
        MEV_OK
        MEV_EINVAL
        MEV_ENOMEM
        MEV_EMSG
        MEV_ERANGE
        MEV_EKEY
        MEV_ESIGNER
        MEV_EBOUNDS
        MEV_ETOOBIG
        MEV_ETHREAD
        MEV_ECRYPTO
    const char *mev_strerror(int code)


cdef inline object error_for(int rc, str context):
    from mevlib import errors as E
    cls = {
        MEV_EINVAL: E.InvalidArgumentError,
        MEV_ENOMEM: E.MevMemoryError,
        MEV_EMSG: E.MalformedMessageError,
        MEV_ERANGE: E.PatchError,
        MEV_EKEY: E.KeyMaterialError,
        MEV_ESIGNER: E.MissingSignerError,
        MEV_EBOUNDS: E.PatchError,
        MEV_ETOOBIG: E.TransactionTooLargeError,
        MEV_ETHREAD: E.MevOSError,
        MEV_ECRYPTO: E.CryptoError,
    }.get(rc, E.MevError)
    text = mev_strerror(rc).decode()
    return cls(f"{context}: {text}" if context else text)


cdef inline int check(int rc, str context=None) except -1:
    if rc < 0:
        raise error_for(rc, context)
    return rc
