"""Landing engine: one Kalman observe/predict, one bandit choose/update, one W plan, from Python."""
import mevlib
from mevlib.landing import plan_w

from .common import Benchmark, leader_keys

ROUTES = ["rpc", "jito-ny", "jito-ams", "jito-fra", "sender"]


class Kalman(Benchmark):
    def setup(self):
        self.leaders = leader_keys(64)
        self.k = mevlib.PhaseKalman()
        for i, leader in enumerate(self.leaders):
            self.k.observe(leader, 100.0 + i, True, slot=i)

    def time_observe(self):
        self.k.observe(self.leaders[7], 120.0, True, 1000)

    def time_predict(self):
        self.k.predict(self.leaders[7], 1001)


class Bandit(Benchmark):
    params = [False, True]
    param_names = ["per_leader"]

    def setup(self, per_leader):
        self.leader = leader_keys(1)[0]
        self.b = mevlib.RouteBandit(ROUTES, per_leader=per_leader, seed=1)
        self.b.update("rpc", self.leader, True)

    def time_choose_2(self, per_leader):
        self.b.choose(2, self.leader)

    def time_update(self, per_leader):
        self.b.update("jito-ny", self.leader, True)


class PlanW(Benchmark):
    """The W's plan for one opportunity: phase prediction, centre draw and route choice."""

    def setup(self):
        self.leader = leader_keys(1)[0]
        self.k = mevlib.PhaseKalman()
        self.k.observe(self.leader, 120.0, True, slot=1)
        self.b = mevlib.RouteBandit(ROUTES, seed=1)

    def time_plan_w_3(self):
        plan_w(self.k, self.b, self.leader, 2, 3, default_phase_ms=200.0, min_spread_ms=10.0, value=1e6, z=0.3)
