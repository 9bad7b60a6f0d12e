"""Deciding when and where to send: per-leader slot-phase timing, Thompson-sampled routes, and the
calibration tables (Lut) that turn raw scores into landing probabilities."""
from mevlib._landing import Lut, PhaseKalman, RouteBandit, plan_w

__all__ = ["Lut", "PhaseKalman", "RouteBandit", "plan_w"]
