"""Tip pricing: one EV-aware tip choice and one tip-floor update, from Python."""
from mevlib.pricing import TipFloor, TipPricer

from .common import Benchmark

FLOOR = [{"landed_tips_25th_percentile": 1e-5, "landed_tips_50th_percentile": 2e-5,
          "landed_tips_75th_percentile": 4e-5, "landed_tips_95th_percentile": 1e-4,
          "landed_tips_99th_percentile": 2e-4, "ema_landed_tips_50th_percentile": 2e-5}]


class Pricing(Benchmark):
    def setup(self):
        self.floor = TipFloor.from_json(FLOOR)
        self.pricer = TipPricer(self.floor)

    def time_choose(self):
        self.pricer.choose(200_000, 5_000, 0.5)

    def time_update_from_json(self):
        self.pricer.update(TipFloor.from_json(FLOOR))
