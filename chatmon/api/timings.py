"""Request timings reported by a chat app that is not Django, recorded like chatmon's own requests.

Each timing goes to the same Prometheus metrics and per-minute rollups as MonitoringMiddleware's
(chatmon.monitoring), so the app's routes appear on the performance dashboard beside chatmon's. Routes are
labelled `<source>:<route template>`; route templates become labels and table rows, so a process accepts
at most API_TIMING_MAX_ROUTES distinct ones and counts the rest as `<source>:<other>`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from chatmon.api import conf
from chatmon.monitoring.aggregator import StreamStats
from chatmon.monitoring.requests import record_request

_seen: set[str] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Timing:
    route: str
    method: str
    status: int
    duration_s: float
    at: float
    stream: StreamStats | None = None


def route_label(source: str, route: str) -> str:
    label = f"{source}:{route}"
    with _lock:
        if label in _seen:
            return label
        if len(_seen) < conf.timing_max_routes():
            _seen.add(label)
            return label
    return f"{source}:<other>"


def record(timing: Timing) -> None:
    record_request(
        route=timing.route,
        method=timing.method,
        status=timing.status,
        duration_s=timing.duration_s,
        stream=timing.stream,
        at=timing.at,
    )
