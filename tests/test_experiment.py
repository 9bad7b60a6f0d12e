"""The landing experiment runs end to end on the simulator and is deterministic for a seed."""
from mevlib.sim import experiment


def test_policies_rank_and_repeat():
    a = experiment.run("a", slots=400, seed=3)
    c = experiment.run("c", slots=400, seed=3)
    assert a.shots == 400 and c.shots == 1200
    assert c.landed_all > a.landed_all  # timing per leader beats firing at the slot's start
    again = experiment.run("c", slots=400, seed=3)
    assert (again.landed_all, again.landed_competitive, again.tips_paid) == (
        c.landed_all, c.landed_competitive, c.tips_paid)
    lo, hi = experiment.wilson(c.landed_competitive, c.competitive)
    assert 0 <= lo <= c.rate <= hi <= 1
