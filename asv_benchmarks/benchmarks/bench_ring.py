"""Ring: one push + pop, batches of 256, and numpy record batches, in one thread."""
import numpy as np

import mevlib

from .common import Benchmark

MSG = bytes(range(64))
TRADE = np.dtype([("slot", "<u8"), ("price", "<f8"), ("size", "<u4"), ("side", "u1")])


class PushPop(Benchmark):
    def setup(self):
        self.ring = mevlib.Ring(1 << 16)
        self.batch = [MSG] * 256

    def time_push_pop(self):
        self.ring.push(MSG)
        self.ring.pop()

    def time_push_many_pop_many_256(self):
        self.ring.push_many(self.batch)
        self.ring.pop_many(256)

    def time_zero_copy_read(self):
        self.ring.push(MSG)
        with self.ring.read() as view:
            view[0]


class Records(Benchmark):
    params = [64, 4096]
    param_names = ["records"]

    def setup(self, records):
        self.ring = mevlib.RecordRing(TRADE, 1 << 13)
        self.arr = np.zeros(records, TRADE)

    def time_push_pop_array(self, records):
        self.ring.push_array(self.arr)
        self.ring.pop_array(records)
