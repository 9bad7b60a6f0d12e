/* Error codes shared by the whole C core. Every public function returns 0 or one of these
 * (negative) codes; mevlib/_errors.pxd is the single place that turns them into exceptions. */
#ifndef MEV_ERROR_H
#define MEV_ERROR_H

enum mev_error {
    MEV_OK = 0,
    MEV_EINVAL = -1,    /* an argument is out of its domain (length, count, flag) */
    MEV_ENOMEM = -2,    /* allocation failed */
    MEV_EMSG = -3,      /* a Solana message does not parse */
    MEV_ERANGE = -4,    /* a value does not fit its field */
    MEV_EKEY = -5,      /* key material is inconsistent (public key does not match the seed) */
    MEV_ESIGNER = -6,   /* a required signature has no signer */
    MEV_EBOUNDS = -7,   /* a patch point lies outside its instruction's data */
    MEV_ETOOBIG = -8,   /* the transaction would exceed the 1232-byte packet limit */
    MEV_ETHREAD = -9,   /* a worker thread could not be started */
    MEV_ECRYPTO = -10,  /* libsodium refused (not initialised, or a degenerate scalar) */
    MEV_EAGAIN = -11,   /* not now: the ring is full (producer) or empty (consumer) */
    MEV_ETIMEDOUT = -12, /* a wait ran out of time */
    MEV_EBUSY = -13,    /* a live process or handle already holds that ring role */
    MEV_EMISMATCH = -14, /* a ring segment is not what the caller expects (mode, size, type) */
    MEV_ECORRUPT = -15, /* a ring segment's header or a record in it is damaged */
    MEV_ECLOSED = -16,  /* the object is closed */
    MEV_EEXIST = -17,   /* a named segment already exists */
    MEV_ENOENT = -18,   /* no segment has that name */
    MEV_EOS = -19,      /* another operating-system error */
    MEV_ERECSIZE = -20, /* a record larger than the ring can ever hold */
    MEV_EFORKED = -21,  /* used in a forked child, without the threads that serve it */
    MEV_EPERM = -22,    /* a segment belongs to another uid or is writable by others */
    MEV_EDUPKEY = -23,  /* a patched account key equals another key of the message */
    MEV_ELAYOUT = -24,  /* an account is not the layout asked for (size, discriminator, tags) */
    MEV_EOVERFLOW = -25, /* a result does not fit its integer type */
};

/* A static, human-readable description of an error code. */
const char *mev_strerror(int code);

#endif
