# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Per-leader phase timing and route choice over the C core (csrc/kalman.c, csrc/bandit.c)."""

import json
import math
import os
import struct

from cpython.bytes cimport (
    PyBytes_AS_STRING,
    PyBytes_CheckExact,
    PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

from mevlib._csrc cimport *
from mevlib._errors cimport MEV_EINVAL, check

from solders.pubkey import Pubkey

from mevlib.errors import ClosedError, CorruptDataError, InvalidArgumentError, InvalidTypeError

cdef extern from "mev_error.h":
    enum:
        MEV_ENOENT


cdef bytes leader_key(object leader):
    """A leader identity as its 32 bytes: bytes, a solders Pubkey or a base58 string."""
    if PyBytes_CheckExact(leader) and PyBytes_GET_SIZE(leader) == 32:
        return leader
    if isinstance(leader, Pubkey):
        return bytes(leader)
    if isinstance(leader, str):
        try:
            return bytes(Pubkey.from_string(leader))
        except ValueError:
            raise InvalidArgumentError(f"not a base58 public key: {leader!r}") from None
    if isinstance(leader, (bytes, bytearray, memoryview)) and len(leader) == 32:
        return bytes(leader)
    raise InvalidTypeError(
        f"a leader is a Pubkey, 32 bytes or a base58 string, not {type(leader).__name__}")


cdef double finite(object x, str what) except? -1.0:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise InvalidTypeError(f"{what} must be a number, not {type(x).__name__}") from None
    if not math.isfinite(v):
        raise InvalidArgumentError(f"{what} must be finite, not {x!r}")
    return v


cdef write_atomically(object path, bytes data):
    tmp = f"{os.fspath(path)}.tmp.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


cdef class _SavedState:
    """Persistence shared by the models: to_bytes/from_bytes in the subclass, files and pickling
    here."""

    def save(self, path):
        """Write the state to path atomically (temporary file, then rename)."""
        write_atomically(path, self.to_bytes())

    @classmethod
    def load(cls, path):
        with open(path, "rb") as f:
            return cls.from_bytes(f.read())

    def __reduce__(self):
        return (type(self).from_bytes, (self.to_bytes(),))


cdef class PhaseKalman(_SavedState):
    """Per-leader estimate of the best send moment within a slot (ms after our slot start).

    ``observe(leader, offset_ms, landed, slot)``: a landed shot's phase is a measurement; a shot
    that did not land only moves time on. ``predict(leader, slot) -> (offset_ms, std_ms)``.
    Noise settings are standard deviations: `phase_noise` ms per slot, `drift_noise` ms/slot per
    slot, `measurement_noise` ms. Measurements more than `gate` standard deviations off are
    ignored unless `reacquire` of them come in a row (the phase really moved).
    """
    cdef mev_kalman *_k

    def __init__(self, *, phase_noise=0.5, drift_noise=0.002, measurement_noise=15.0,
                 initial_phase=0.0, initial_std=100.0, gate=4.0, reacquire=5,
                 expected_leaders=4096):
        cdef mev_kalman_params p
        p.q_phase = finite(phase_noise, "phase_noise") ** 2
        p.q_drift = finite(drift_noise, "drift_noise") ** 2
        p.r = finite(measurement_noise, "measurement_noise") ** 2
        p.initial_phase = finite(initial_phase, "initial_phase")
        p.initial_std = finite(initial_std, "initial_std")
        p.gate = finite(gate, "gate")
        if not isinstance(reacquire, int) or reacquire < 0:
            raise InvalidArgumentError(f"reacquire must be an int >= 0, not {reacquire!r}")
        p.reacquire = reacquire
        if p.r <= 0 or p.initial_std <= 0 or p.gate < 0:
            raise InvalidArgumentError("measurement_noise and initial_std must be > 0, gate >= 0")
        check(mev_kalman_new(&p, expected_leaders, &self._k), "PhaseKalman")

    def __dealloc__(self):
        mev_kalman_free(self._k)

    cdef int _ready(self) except -1:
        if self._k == NULL:
            raise ClosedError("PhaseKalman is not initialised (a subclass must call super().__init__)")
        return 0

    cdef int64_t _slot_or_last(self, bytes key, object slot, int64_t step) except? -1:
        cdef mev_kalman_state s
        if slot is not None:
            if not isinstance(slot, int) or slot < 0:
                raise InvalidArgumentError(f"slot must be an int >= 0, not {slot!r}")
            return slot
        if mev_kalman_state_of(self._k, <const uint8_t *>PyBytes_AS_STRING(key), &s) == MEV_ENOENT:
            return 0
        return s.slot + step

    def observe(self, leader, offset_ms, landed=True, slot=None):
        """Feed one shot's outcome. slot None: one slot after this leader's last. Returns
        whether a measurement was used (False when gated out or when nothing landed)."""
        self._ready()
        cdef bytes key = leader_key(leader)
        cdef double off = 0.0
        if landed:
            off = finite(offset_ms, "offset_ms")
        rc = mev_kalman_observe(self._k, <const uint8_t *>PyBytes_AS_STRING(key), self._slot_or_last(key, slot, 1),
                                off, 1 if landed else 0)
        check(rc, "observe")
        return rc == 1

    def predict(self, leader, slot=None):
        """(offset_ms, std_ms) for leader at slot (None: its last observed slot)."""
        self._ready()
        cdef bytes key = leader_key(leader)
        cdef double off, sd
        check(mev_kalman_predict(self._k, <const uint8_t *>PyBytes_AS_STRING(key), self._slot_or_last(key, slot, 0),
                                 &off, &sd), "predict")
        return off, sd

    def state(self, leader):
        """The filter state of a leader as a dict, or None if it was never observed."""
        self._ready()
        cdef bytes key = leader_key(leader)
        cdef mev_kalman_state s
        if mev_kalman_state_of(self._k, <const uint8_t *>PyBytes_AS_STRING(key), &s) == MEV_ENOENT:
            return None
        return {"phase_ms": s.phase, "drift_ms_per_slot": s.drift, "std_ms": math.sqrt(max(s.p00, 0)),
                "slot": s.slot, "observations": s.observations, "rejected": s.rejected}

    def __len__(self):
        self._ready()
        return mev_kalman_leaders(self._k)

    def to_bytes(self):
        self._ready()
        cdef size_t n = mev_kalman_save_size(self._k)
        out = PyBytes_FromStringAndSize(NULL, n)
        check(mev_kalman_save(self._k, <uint8_t *>PyBytes_AS_STRING(out), n), "save")
        return out

    @classmethod
    def from_bytes(cls, data, expected_leaders=4096):
        cdef PhaseKalman k = PhaseKalman.__new__(PhaseKalman)
        cdef bytes b = bytes(data)
        check(mev_kalman_load(<const uint8_t *>PyBytes_AS_STRING(b), len(b), expected_leaders, &k._k),
              "PhaseKalman state")
        return k



cdef class Lut:
    """A calibration table (docs/formats.md) read by the C core: ``lut(x)`` or
    ``lut.predict(array)`` give exactly what the fitted IsotonicRegression(out_of_bounds="clip")
    predicts (its knots stored as float32). ``reload()`` swaps in the file's new contents without
    blocking lookups in other threads; a damaged or truncated file raises CorruptDataError and the
    table in use stays."""
    cdef mev_lut *_l
    cdef readonly str path

    def __cinit__(self, path):
        self.path = os.fspath(path)
        rc = mev_lut_open(os.fsencode(self.path), &self._l)
        if rc == MEV_EINVAL:
            raise InvalidArgumentError(f"calibration table {self.path}: not a regular file")
        check(rc, f"calibration table {self.path}")

    def __dealloc__(self):
        mev_lut_close(self._l)  # a RouteBandit using it holds a reference: never while in use

    def __call__(self, double x):
        return mev_lut_eval(self._l, x)

    def predict(self, x):
        """An array of the table's values at `x` (any array-like of numbers)."""
        import numpy as np

        cdef double[::1] xs = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        out = np.empty(xs.shape[0], dtype=np.float64)
        cdef double[::1] o = out
        with nogil:
            mev_lut_eval_many(self._l, &xs[0] if xs.shape[0] else NULL, &o[0] if o.shape[0] else NULL,
                              xs.shape[0])
        return out.reshape(np.shape(x))

    def reload(self, path=None):
        """Loads `path` (default: the same path again) in place of the current table."""
        new = os.fspath(path) if path is not None else self.path
        cdef bytes cpath = os.fsencode(new)
        cdef const char *c_path = cpath
        with nogil:  # it waits for readers of the old table, who may need the GIL to finish
            rc = mev_lut_reload(self._l, c_path)
        if rc == MEV_EINVAL:
            raise InvalidArgumentError(f"calibration table {new}: not a regular file")
        check(rc, f"reload calibration table {new}")
        self.path = new

    @property
    def info(self):
        """kind ('p_land' or 'ev'), count, created_at_ns, domain and generation (1 + reloads)."""
        cdef mev_lut_info i
        mev_lut_info_get(self._l, &i)
        return {"kind": {MEV_LUT_P_LAND: "p_land", MEV_LUT_EV: "ev"}[i.kind], "count": i.count,
                "created_at_ns": i.created_at_ns, "domain": i.domain.decode(errors="replace"),
                "generation": i.generation}

    def __repr__(self):
        info = self.info
        return f"Lut({self.path!r}, domain={info['domain']!r}, knots={info['count']})"


cdef bytes BANDIT_MAGIC = b"MEVBNDT1"


cdef class RouteBandit(_SavedState):
    """Thompson sampling over named routes with Beta posteriors.

    ``choose(k, leader=None, value=None)`` returns k distinct routes, best first: by a sampled
    landing probability, or with a `value`, by ``p * value - cost[route]`` (costs in the same
    unit, e.g. lamports of tip plus fees). ``update(route, leader, landed)``. With `per_leader`
    each leader has its own posteriors (new leaders borrow the global ones). `discount` < 1
    forgets old outcomes geometrically, for routes whose quality drifts.
    """
    cdef mev_bandit *_b
    cdef readonly tuple routes
    cdef dict _index
    cdef dict _calibration  # route -> Lut, kept alive while the C bandit points at it

    def __init__(self, routes, *, per_leader=False, discount=1.0, prior=(1.0, 1.0), costs=None,
                 seed=0, expected_leaders=4096):
        cdef mev_bandit_params p
        self._set_routes(routes)
        try:
            a, b = prior
        except (TypeError, ValueError):
            raise InvalidTypeError("prior must be (alpha, beta)") from None
        p.routes = len(self.routes)
        p.per_leader = 1 if per_leader else 0
        p.discount = finite(discount, "discount")
        p.prior_alpha = finite(a, "prior alpha")
        p.prior_beta = finite(b, "prior beta")
        if not isinstance(seed, int):
            raise InvalidTypeError(f"seed must be an int, not {type(seed).__name__}")
        p.seed = seed & 0xFFFFFFFFFFFFFFFF
        if not (0 < p.discount <= 1) or p.prior_alpha <= 0 or p.prior_beta <= 0:
            raise InvalidArgumentError("discount must be in (0, 1], prior parameters > 0")
        check(mev_bandit_new(&p, expected_leaders, &self._b), "RouteBandit")
        for route, cost in (costs or {}).items():
            self.set_cost(route, cost)

    cdef _set_routes(self, routes):
        if isinstance(routes, str):
            raise InvalidTypeError("routes must be a sequence of names")
        names = tuple(routes)
        if not 1 <= len(names) <= MEV_BANDIT_MAX_ROUTES:
            raise InvalidArgumentError(f"between 1 and {MEV_BANDIT_MAX_ROUTES} routes, not {len(names)}")
        if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise InvalidArgumentError("route names must be distinct strings")
        self.routes = names
        self._index = {n: i for i, n in enumerate(names)}

    def __dealloc__(self):
        mev_bandit_free(self._b)

    cdef int _ready(self) except -1:
        if self._b == NULL:
            raise ClosedError("RouteBandit is not initialised (a subclass must call super().__init__)")
        return 0

    cdef uint32_t _route(self, object route) except? 0xFFFFFFFF:
        self._ready()
        i = self._index.get(route)
        if i is None:
            raise InvalidArgumentError(f"unknown route {route!r}; routes are {', '.join(self.routes)}")
        return i

    def set_calibration(self, route, lut):
        """Cost-aware choice maps this route's sampled p through `lut` (a :class:`Lut` fitted by
        mevlib.calibrate); None removes it."""
        cdef uint32_t r = self._route(route)
        if lut is not None and not isinstance(lut, Lut):
            raise InvalidTypeError(f"a Lut or None, not {type(lut).__name__}")
        if self._calibration is None:
            self._calibration = {}
        check(mev_bandit_set_calibration(self._b, r, (<Lut>lut)._l if lut is not None else NULL),
              "set_calibration")
        self._calibration[route] = lut

    def set_cost(self, route, cost):
        check(mev_bandit_set_cost(self._b, self._route(route), finite(cost, "cost")), "set_cost")

    def choose(self, k=1, leader=None, value=None):
        cdef uint32_t out[MEV_BANDIT_MAX_ROUTES]
        cdef bytes key = None
        cdef const uint8_t *lp = NULL
        cdef double v = 0.0
        self._ready()
        if leader is not None:
            key = leader_key(leader)
            lp = <const uint8_t *>PyBytes_AS_STRING(key)
        if value is not None:
            v = finite(value, "value")
        if not isinstance(k, int) or not 1 <= k <= len(self.routes):
            raise InvalidArgumentError(f"k must be an int in [1, {len(self.routes)}], not {k!r}")
        check(mev_bandit_choose(self._b, lp, k, v, out, NULL), "choose")
        return [self.routes[out[i]] for i in range(k)]

    def update(self, route, leader, landed):
        cdef bytes key = None
        cdef const uint8_t *lp = NULL
        cdef uint32_t r = self._route(route)
        if leader is not None:
            key = leader_key(leader)
            lp = <const uint8_t *>PyBytes_AS_STRING(key)
        check(mev_bandit_update(self._b, lp, r, 1 if landed else 0), "update")

    def posterior(self, route, leader=None):
        """(alpha, beta) of route: for leader if it has its own, else the global ones."""
        cdef double a, b
        cdef bytes key = None
        cdef const uint8_t *lp = NULL
        if leader is not None:
            key = leader_key(leader)
            lp = <const uint8_t *>PyBytes_AS_STRING(key)
        check(mev_bandit_posterior(self._b, lp, self._route(route), &a, &b), "posterior")
        return a, b

    def to_bytes(self):
        self._ready()
        cdef size_t n = mev_bandit_save_size(self._b)
        blob = PyBytes_FromStringAndSize(NULL, n)
        check(mev_bandit_save(self._b, <uint8_t *>PyBytes_AS_STRING(blob), n), "save")
        names = json.dumps(list(self.routes)).encode()
        return BANDIT_MAGIC + struct.pack("<I", len(names)) + names + blob

    @classmethod
    def from_bytes(cls, data, expected_leaders=4096):
        cdef RouteBandit rb = RouteBandit.__new__(RouteBandit)
        cdef bytes b = bytes(data)
        try:
            if b[:8] != BANDIT_MAGIC:
                raise ValueError
            (n,) = struct.unpack_from("<I", b, 8)
            names = json.loads(b[12:12 + n])
            blob = b[12 + n:]
        except (ValueError, struct.error):
            raise CorruptDataError("not a saved RouteBandit") from None
        rb._set_routes(names)
        check(mev_bandit_load(<const uint8_t *>PyBytes_AS_STRING(blob), len(blob), expected_leaders,
                              &rb._b), "RouteBandit state")
        if mev_bandit_params_of(rb._b).routes != len(rb.routes):
            raise CorruptDataError("saved RouteBandit names and state disagree")
        return rb


# shot offsets around the predicted phase, in units of the spread, for W's of 1, 2 and 3 shots
cdef double[3][3] _W = [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0], [-1.0, 0.0, 1.0]]


def plan_w(PhaseKalman kalman, RouteBandit bandit not None, leader, int64_t slot, int shots, *,
           double default_phase_ms, double min_spread_ms, value=None, double z=0.0):
    """The W as [(route, offset_ms)], in one call: it sits on the path from pool delta to shot.
    With a filter the centre is the leader's predicted phase plus `z` standard deviations (z is a
    standard normal draw: Thompson sampling over the phase) and the arms sit half a standard
    deviation out, at least `min_spread_ms`; without one the W is centred on `default_phase_ms`.
    Routes are the bandit's choice, distinct while there are enough, then repeated in order."""
    cdef double phase = default_phase_ms, std = 0.0, spread = min_spread_ms, v = 0.0, off
    cdef uint32_t out[MEV_BANDIT_MAX_ROUTES]
    cdef uint32_t k
    cdef int i
    if shots < 1 or shots > 3:
        raise InvalidArgumentError(f"shots must be 1, 2 or 3, not {shots!r}")
    cdef bytes key = leader_key(leader)
    cdef const uint8_t *lp = <const uint8_t *>PyBytes_AS_STRING(key)
    if slot < 0:
        raise InvalidArgumentError(f"slot must be an int >= 0, not {slot!r}")
    if kalman is not None:
        kalman._ready()
        check(mev_kalman_predict(kalman._k, lp, slot, &phase, &std), "predict")
        phase += std * z
        spread = max(std / 2, min_spread_ms)
    if value is not None:
        v = finite(value, "value")
    bandit._ready()
    k = min(<uint32_t>shots, <uint32_t>len(bandit.routes))
    check(mev_bandit_choose(bandit._b, lp, k, v, out, NULL), "choose")
    plan = []
    for i in range(shots):
        off = phase + _W[shots - 1][i] * spread
        plan.append((bandit.routes[out[i % k]], off if off > 0.0 else 0.0))
    return plan
