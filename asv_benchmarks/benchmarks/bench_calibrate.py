"""Calibration tables: one lookup and a batch through mevlib.Lut (C), next to the fitted model."""
import os
import tempfile

import numpy as np
from sklearn.isotonic import IsotonicRegression

import mevlib
from mevlib import calibrate

from .common import Benchmark


class Lookup(Benchmark):
    def setup(self):
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 1, 20_000).astype(np.float32).astype(float)
        self.model = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(x, rng.uniform(0, 1, x.size) < x ** 2)
        self.path = os.path.join(tempfile.mkdtemp(), "p.lut")
        calibrate.write_lut(self.path, *calibrate.knots(self.model), "p_land", "bench")
        self.lut = mevlib.Lut(self.path)
        self.batch = rng.uniform(-0.1, 1.1, 4096)

    def time_lut_one(self):
        self.lut(0.37)

    def time_lut_batch_4096(self):
        self.lut.predict(self.batch)

    def time_sklearn_batch_4096(self):
        self.model.predict(self.batch)
