"""Prometheus metrics from the dashboard's events, in the text exposition format (version 0.0.4):
landings, tips, shot latencies, drops and feed lag. The Grafana dashboard in
docs/grafana-dashboard.json reads these names."""
from __future__ import annotations

import collections

import numpy as np

from mevlib.monitor.events import Kind

LATE_US_BUCKETS = (10, 25, 50, 100, 250, 500, 1000, 5000)
RTT_US_BUCKETS = (250, 500, 1000, 2500, 5000, 10000, 50000, 250000)


class _Histogram:
    def __init__(self, buckets):
        self.buckets, self.counts, self.sum, self.n = buckets, [0] * (len(buckets) + 1), 0.0, 0

    def add(self, values: np.ndarray):
        """Each value into the first bucket whose bound is >= it."""
        for i, c in enumerate(np.bincount(np.searchsorted(self.buckets, values, "left"), minlength=len(self.counts))):
            self.counts[i] += int(c)
        self.sum += float(values.sum())
        self.n += len(values)

    def lines(self, name: str, labels: str) -> list[str]:
        out, cum = [], 0
        for le, c in zip([*map(str, self.buckets), "+Inf"], self.counts):
            cum += c
            out.append(f'{name}_bucket{{{labels}{"," if labels else ""}le="{le}"}} {cum}')
        out += [f"{name}_sum{{{labels}}} {self.sum}", f"{name}_count{{{labels}}} {self.n}"]
        return out


class Metrics:
    def __init__(self):
        self.shots = collections.Counter()       # (route, ok)
        self.outcomes = collections.Counter()    # (route, landed)
        self.tips = collections.Counter()        # route -> lamports paid
        self.late = collections.defaultdict(lambda: _Histogram(LATE_US_BUCKETS))
        self.rtt = collections.defaultdict(lambda: _Histogram(RTT_US_BUCKETS))
        self.deltas = 0
        self.feed_lag_ms = 0.0
        self.ring_depth = self.coalesced = self.dropped = 0

    def observe(self, batch: np.ndarray, names: dict) -> None:
        """Folds a batch in, a route at a time (a per-event loop cost 18 µs an event)."""
        kind = batch["kind"]
        for k, counter in ((Kind.SHOT, self.shots), (Kind.OUTCOME, self.outcomes)):
            events = batch[kind == k]
            for index in np.unique(events["route"]):
                of_route = events[events["route"] == index]
                r = names.get((0, int(index)), str(int(index)))
                ok = of_route["flag"] != 0
                for flag in (True, False):
                    if n := int(np.count_nonzero(ok == flag)):
                        counter[(r, flag)] += n
                if k == Kind.SHOT:
                    self.late[r].add(of_route["a"])
                    if (rtt := of_route["b"][of_route["b"] > 0]).size:
                        self.rtt[r].add(rtt)
                else:  # a route with outcomes has a tips series, 0 until one lands
                    self.tips[r] += int(of_route["a"][ok].astype(np.int64).sum())
        deltas = batch[kind == Kind.DELTA]
        if len(deltas):
            self.deltas += len(deltas)
            self.feed_lag_ms = float(deltas["a"][-1])
        stats = batch[kind == Kind.STATS]
        if len(stats):
            last = stats[-1]
            self.ring_depth, self.coalesced, self.dropped = int(last["a"]), int(last["b"]), int(last["id"])

    def exposition(self) -> str:
        lines = ["# HELP mevlib_shots_total Shots sent, by route and whether the endpoint accepted them.",
                 "# TYPE mevlib_shots_total counter"]
        lines += [f'mevlib_shots_total{{route="{r}",accepted="{str(ok).lower()}"}} {n}'
                  for (r, ok), n in sorted(self.shots.items())]
        lines += ["# HELP mevlib_attempts_total Decided attempts, by credited route and outcome.",
                  "# TYPE mevlib_attempts_total counter"]
        lines += [f'mevlib_attempts_total{{route="{r}",landed="{str(l).lower()}"}} {n}'
                  for (r, l), n in sorted(self.outcomes.items())]
        lines += ["# HELP mevlib_tips_paid_lamports_total Tips of landed transactions.",
                  "# TYPE mevlib_tips_paid_lamports_total counter"]
        lines += [f'mevlib_tips_paid_lamports_total{{route="{r}"}} {n}' for r, n in sorted(self.tips.items())]
        for name, hists, what in (("mevlib_shot_late_us", self.late, "How late each shot left, µs."),
                                  ("mevlib_shot_rtt_us", self.rtt, "Request round trip per shot, µs.")):
            lines += [f"# HELP {name} {what}", f"# TYPE {name} histogram"]
            for r in sorted(hists):
                lines += hists[r].lines(name, f'route="{r}"')
        for name, kind, value, what in (
                ("mevlib_feed_deltas_total", "counter", self.deltas, "Pool updates the feed delivered."),
                ("mevlib_feed_lag_ms", "gauge", self.feed_lag_ms, "Slot time between an update and the bot's clock."),
                ("mevlib_ring_depth", "gauge", self.ring_depth, "Messages waiting in the feed's ring."),
                ("mevlib_feed_coalesced_total", "counter", self.coalesced, "Updates replaced by newer ones before a hook ran."),
                ("mevlib_events_dropped_total", "counter", self.dropped, "Dashboard events dropped on a full ring.")):
            lines += [f"# HELP {name} {what}", f"# TYPE {name} {kind}", f"{name} {value}"]
        return "\n".join(lines) + "\n"
