"""Named feature events, counted per day: `record_feature_event("conversation.shared")` from Python code."""

from __future__ import annotations

import re
import time

from chatmon.monitoring import flusher, metrics
from chatmon.monitoring.aggregator import buffer

# Dotted lowercase names ("conversation.shared"): they become Prometheus label values and table rows.
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def record_feature_event(name: str, count: int = 1) -> None:
    """Count a feature event in this process; it reaches Redis with the next batched flush."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"feature event names are lowercase dotted words of 1-64 characters, not {name!r}")
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer, not {count!r}")
    buffer.count(now=time.time(), kind="feature", name=name, amount=count)
    metrics.FEATURE_EVENTS.labels(name=name).inc(count)
    flusher.ensure_started()
