"""The dashboard server's frame path: 800 events (50,000 events/s at 16 ms frames) folded into the
Prometheus metrics and delta-encoded for the WebSocket, against sending the fixed records as
they are."""
import numpy as np

from mevlib.monitor.events import synthetic
from mevlib.monitor.metrics import Metrics
from mevlib.monitor.wire import DeltaEncoder

from .common import Benchmark


class Frame(Benchmark):
    def setup(self):
        self.events = synthetic(800, np.random.default_rng(0))
        self.encoder = DeltaEncoder()
        self.metrics = Metrics()
        self.names = {(0, i): f"route{i}" for i in range(4)}

    def time_delta_encode_800(self):
        self.encoder.encode(self.events, 1)

    def time_fixed_records_800(self):
        self.events.tobytes()

    def time_metrics_observe_800(self):
        self.metrics.observe(self.events, self.names)
