"""PhaseKalman and RouteBandit: convergence, drift tracking, gating, concentration, sub-linear
regret, forgetting, cost-aware choice, save/load, bad input."""
import math
import pickle

import numpy as np
import pytest
from solders.pubkey import Pubkey

import mevlib

LEADERS = [bytes(Pubkey.new_unique()) for _ in range(10)]


# ---- PhaseKalman ---------------------------------------------------------------------------


def test_converges_within_20_observations():
    rng = np.random.default_rng(1)
    truth = rng.uniform(0, 400, len(LEADERS))
    k = mevlib.PhaseKalman(measurement_noise=15, initial_std=300)
    for slot in range(20):
        for leader, phase in zip(LEADERS, truth):
            k.observe(leader, phase + rng.normal(0, 15), True, slot=slot * 4)
    for leader, phase in zip(LEADERS, truth):
        est, std = k.predict(leader)
        assert abs(est - phase) < 12, (est, phase)  # ~3.5 standard errors of 15/sqrt(20)
        assert std < 8  # the filter keeps room for drift, so it never gets as sure as a mean
    assert len(k) == len(LEADERS)


def test_tracks_a_drifting_phase():
    rng = np.random.default_rng(2)
    k = mevlib.PhaseKalman(measurement_noise=10, phase_noise=0.5, drift_noise=0.02)
    leader, errors = LEADERS[0], []
    for slot in range(600):
        phase = 50 + 0.3 * slot
        if slot >= 150:
            est, _ = k.predict(leader, slot)
            errors.append(abs(est - phase))
        k.observe(leader, phase + rng.normal(0, 10), True, slot=slot)
    assert np.mean(errors) < 6
    assert abs(k.state(leader)["drift_ms_per_slot"] - 0.3) < 0.1


def test_sparse_observations_and_failed_shots():
    rng = np.random.default_rng(3)
    k = mevlib.PhaseKalman(measurement_noise=15)
    leader = LEADERS[1]
    for slot in range(0, 2000, 40):  # this leader comes round every 40 slots
        k.observe(leader, 210 + rng.normal(0, 15), True, slot=slot)
        k.observe(leader, 999, False, slot=slot + 1)  # a miss carries no phase
    est, std = k.predict(leader, 2000)
    assert abs(est - 210) < 12
    _, std_far = k.predict(leader, 20000)
    assert std_far > std  # unseen for long: less sure


def test_outliers_are_gated_and_a_real_jump_is_reacquired():
    rng = np.random.default_rng(4)
    k = mevlib.PhaseKalman(measurement_noise=15, gate=4, reacquire=5)
    leader = LEADERS[2]
    slot = 0
    for slot in range(200):
        z = 100 + rng.normal(0, 15)
        if slot % 20 == 10:
            z += 400  # 5% wild measurements
        k.observe(leader, z, True, slot=slot)
    assert abs(k.predict(leader)[0] - 100) < 8
    assert k.state(leader)["rejected"] >= 9
    for slot in range(200, 215):
        k.observe(leader, 320 + rng.normal(0, 15), True, slot=slot)
    assert abs(k.predict(leader)[0] - 320) < 20


def test_unknown_leader_gets_the_prior():
    k = mevlib.PhaseKalman(initial_phase=25, initial_std=80)
    assert k.predict(LEADERS[3]) == (25, 80)
    assert k.state(LEADERS[3]) is None


def test_kalman_save_load(tmp_path):
    k = mevlib.PhaseKalman()
    for i, leader in enumerate(LEADERS):
        k.observe(leader, 10.0 * i, True, slot=i)
    for restored in (mevlib.PhaseKalman.from_bytes(k.to_bytes()), pickle.loads(pickle.dumps(k))):
        assert [restored.predict(l, 50) for l in LEADERS] == [k.predict(l, 50) for l in LEADERS]
    k.save(tmp_path / "kalman.bin")
    assert mevlib.PhaseKalman.load(tmp_path / "kalman.bin").predict(LEADERS[4]) == k.predict(LEADERS[4])
    blob = bytearray(k.to_bytes())
    for bad in (bytes(blob[:-1]), b"", b"x" * 200):
        with pytest.raises(mevlib.CorruptDataError):
            mevlib.PhaseKalman.from_bytes(bad)


def test_leader_forms_and_bad_input():
    k = mevlib.PhaseKalman()
    pk = Pubkey.new_unique()
    k.observe(pk, 10, True, slot=1)
    assert k.predict(str(pk)) == k.predict(bytes(pk)) == k.predict(pk)
    for bad in (b"short", 42, None):
        with pytest.raises((mevlib.InvalidTypeError, mevlib.InvalidArgumentError)):
            k.observe(bad, 1.0)
    with pytest.raises(mevlib.InvalidArgumentError):
        k.predict("not-a-key!")
    with pytest.raises(mevlib.InvalidArgumentError):
        k.observe(pk, float("nan"))
    with pytest.raises(mevlib.InvalidTypeError):
        k.observe(pk, "ten")
    with pytest.raises(mevlib.InvalidArgumentError):
        k.observe(pk, 1.0, True, slot=-1)
    with pytest.raises(mevlib.InvalidArgumentError):
        mevlib.PhaseKalman(measurement_noise=0)
    k.observe(pk, float("nan"), landed=False)  # a miss needs no offset


# ---- RouteBandit -------------------------------------------------------------------------

ROUTES = ["rpc", "jito-ny", "jito-ams", "sender"]


def play(bandit, probs, rounds, rng, leader=None, change=None):
    """Runs the bandit against Bernoulli routes; returns per-round regret and choices."""
    regret, chosen = [], []
    for t in range(rounds):
        if change and t == change[0]:
            probs = change[1]
        route = bandit.choose(1, leader)[0]
        p = probs[ROUTES.index(route)]
        bandit.update(route, leader, rng.random() < p)
        regret.append(max(probs) - p)
        chosen.append(route)
    return np.cumsum(regret), chosen


def test_concentrates_with_sublinear_regret():
    probs = [0.35, 0.5, 0.65, 0.8]
    rng = np.random.default_rng(5)
    regrets = []
    for seed in range(5):
        cum, chosen = play(mevlib.RouteBandit(ROUTES, seed=seed), probs, 4000, rng)
        regrets.append(cum)
        assert chosen[-1000:].count("sender") > 900
    cum = np.mean(regrets, axis=0)
    assert cum[3999] / cum[999] < 2.5  # linear regret would give 4
    assert cum[3999] < 0.1 * 4000 * np.mean([max(probs) - p for p in probs])  # vs uniform


def test_discounting_follows_a_change():
    rng = np.random.default_rng(6)
    before, after = [0.8, 0.3, 0.3, 0.3], [0.2, 0.3, 0.3, 0.8]
    fixed = mevlib.RouteBandit(ROUTES, seed=1)
    forgetting = mevlib.RouteBandit(ROUTES, seed=1, discount=0.99)
    r_fixed, _ = play(fixed, before, 4000, rng, change=(2000, after))
    r_forget, c_forget = play(forgetting, before, 4000, rng, change=(2000, after))
    assert c_forget[2500:].count("sender") > 0.8 * 1500
    # after the change the forgetting bandit pays much less regret while it re-learns
    assert r_forget[2300] - r_forget[2000] < 0.5 * (r_fixed[2300] - r_fixed[2000])


def test_per_leader_posteriors():
    rng = np.random.default_rng(7)
    b = mevlib.RouteBandit(ROUTES, per_leader=True, seed=3)
    a_leader, b_leader = LEADERS[0], LEADERS[1]
    _, ca = play(b, [0.9, 0.1, 0.1, 0.1], 1500, rng, leader=a_leader)
    _, cb = play(b, [0.1, 0.1, 0.1, 0.9], 1500, rng, leader=b_leader)
    assert ca[-300:].count("rpc") > 270 and cb[-300:].count("sender") > 270
    assert b.choose(1, a_leader) == ["rpc"] or b.posterior("rpc", a_leader)[0] > 1000
    new = LEADERS[5]  # unseen: answered by the global posteriors
    assert b.posterior("rpc", new) == b.posterior("rpc")


def test_cost_aware_choice():
    b = mevlib.RouteBandit(ROUTES, seed=4, costs={"rpc": 0, "jito-ny": 5_000, "jito-ams": 5_000, "sender": 9_000})
    for route in ROUTES:  # equal, well-known landing probabilities
        for i in range(400):
            b.update(route, None, i % 2 == 0)
    picks = [b.choose(1, value=10_000)[0] for _ in range(200)]
    assert picks.count("rpc") > 190  # same p, no cost
    assert b.choose(4) and sorted(b.choose(4)) == sorted(ROUTES)


def test_seeded_and_save_load(tmp_path):
    a, b = mevlib.RouteBandit(ROUTES, seed=9), mevlib.RouteBandit(ROUTES, seed=9)
    assert [a.choose(2) for _ in range(50)] == [b.choose(2) for _ in range(50)]
    rng = np.random.default_rng(8)
    bandit = mevlib.RouteBandit(ROUTES, per_leader=True, discount=0.995, seed=2)
    play(bandit, [0.2, 0.4, 0.6, 0.8], 500, rng, leader=LEADERS[0])
    restored = mevlib.RouteBandit.from_bytes(bandit.to_bytes())
    assert restored.routes == bandit.routes
    assert [restored.choose(2, LEADERS[0]) for _ in range(30)] == [bandit.choose(2, LEADERS[0]) for _ in range(30)]
    bandit.save(tmp_path / "b.bin")
    again = mevlib.RouteBandit.load(tmp_path / "b.bin")
    assert again.posterior("sender", LEADERS[0]) == bandit.posterior("sender", LEADERS[0])
    assert pickle.loads(pickle.dumps(bandit)).routes == bandit.routes
    blob = bandit.to_bytes()
    for bad in (blob[:-5], b"MEVBNDT1" + blob[8:20], b"nonsense"):
        with pytest.raises(mevlib.CorruptDataError):
            mevlib.RouteBandit.from_bytes(bad)


def test_bandit_bad_input():
    b = mevlib.RouteBandit(ROUTES)
    with pytest.raises(mevlib.InvalidArgumentError):
        b.update("nope", None, True)
    for k in (0, 5, "1"):
        with pytest.raises(mevlib.InvalidArgumentError):
            b.choose(k)
    with pytest.raises(mevlib.InvalidArgumentError):
        b.choose(1, value=math.inf)
    for routes in ([], ["a", "a"], "abc", [1, 2], ["r"] * 40):
        with pytest.raises((mevlib.InvalidArgumentError, mevlib.InvalidTypeError)):
            mevlib.RouteBandit(routes)
    for kw in ({"discount": 0}, {"discount": 1.5}, {"prior": (0, 1)}, {"prior": 1}):
        with pytest.raises((mevlib.InvalidArgumentError, mevlib.InvalidTypeError)):
            mevlib.RouteBandit(ROUTES, **kw)


def test_uninitialised_objects_raise_instead_of_crashing():
    class Lazy(mevlib.PhaseKalman):
        def __init__(self):  # forgets super().__init__()
            pass

    with pytest.raises(mevlib.ClosedError):
        Lazy().observe(LEADERS[0], 1.0)
    for obj, call in ((mevlib.PhaseKalman.__new__(mevlib.PhaseKalman), lambda o: o.predict(LEADERS[0])),
                      (mevlib.RouteBandit.__new__(mevlib.RouteBandit), lambda o: o.choose(1)),
                      (mevlib.Ring.__new__(mevlib.Ring), lambda o: o.push(b"x")),
                      (mevlib.RecordRing.__new__(mevlib.RecordRing), lambda o: o.pop_array())):
        with pytest.raises(mevlib.ClosedError):
            call(obj)
