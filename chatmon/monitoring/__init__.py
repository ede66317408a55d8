"""Request monitoring: per-request metrics and rollups without a network round trip per request.

See docs/monitoring.md. `track` is re-exported as `chatmon.track`.
"""

from chatmon.monitoring.events import track

__all__ = ["track"]
