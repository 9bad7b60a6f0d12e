"""The live dashboard (`mevlib monitor`) and its event feed: the bot publishes fixed-size event
records into a shared-memory RecordRing; the monitor process serves the page, a binary
WebSocket of coalesced frames, and Prometheus metrics (docs/monitor.md)."""
from mevlib.monitor.events import EVENT_DTYPE, EventPublisher, Kind

__all__ = ["EVENT_DTYPE", "EventPublisher", "Kind"]
