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
        MEV_EAGAIN
        MEV_ETIMEDOUT
        MEV_EBUSY
        MEV_EMISMATCH
        MEV_ECORRUPT
        MEV_ECLOSED
        MEV_EEXIST
        MEV_ENOENT
        MEV_EOS
        MEV_ERECSIZE
        MEV_EFORKED
        MEV_EPERM
        MEV_EDUPKEY
        MEV_ELAYOUT
        MEV_EOVERFLOW
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
        MEV_EAGAIN: E.WouldBlockError,
        MEV_ETIMEDOUT: E.MevTimeoutError,
        MEV_EBUSY: E.RingRoleError,
        MEV_EMISMATCH: E.RingMismatchError,
        MEV_ECORRUPT: E.CorruptDataError,
        MEV_ECLOSED: E.ClosedError,
        MEV_EEXIST: E.SegmentExistsError,
        MEV_ENOENT: E.SegmentNotFoundError,
        MEV_EOS: E.MevOSError,
        MEV_ERECSIZE: E.RecordTooLargeError,
        MEV_EFORKED: E.ForkedError,
        MEV_EPERM: E.SegmentPermissionError,
        MEV_EDUPKEY: E.PatchError,
        MEV_ELAYOUT: E.LayoutError,
        MEV_EOVERFLOW: E.MathOverflowError,
    }.get(rc, E.MevError)
    text = mev_strerror(rc).decode()
    return cls(f"{context}: {text}" if context else text)


cdef inline int check(int rc, str context=None) except -1:
    if rc < 0:
        raise error_for(rc, context)
    return rc
