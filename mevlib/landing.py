"""Deciding when and where to send: per-leader slot-phase timing and Thompson-sampled routes."""
from mevlib._landing import PhaseKalman, RouteBandit

__all__ = ["PhaseKalman", "RouteBandit"]
