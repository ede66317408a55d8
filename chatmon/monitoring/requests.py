"""Recording one finished request: Prometheus metrics (batched) and this process's rollup buffer, no network call.

Used by MonitoringMiddleware for chatmon's own requests and by the HTTP API for timings that a chat app
that is not Django reports, so both land in the same series and rollups.
"""

from __future__ import annotations

import time

from chatmon.monitoring import flusher
from chatmon.monitoring.aggregator import StreamStats, buffer
from chatmon.monitoring.batched import request_metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def record_request(
    *,
    route: str,
    method: str,
    status: int,
    duration_s: float,
    stream: StreamStats | None = None,
    at: float | None = None,
    user_id: str = "",
    agent: str | None = None,
    in_flight: bool = False,
) -> None:
    """`route` is a template (a bounded label), never a raw path; `at` is a Unix time (default: now);
    `in_flight`: the request was counted by `request_metrics.started()` and this ends it."""
    method = method if method in METHODS else "OTHER"
    request_metrics.record(
        route=route, method=method, status_class=f"{status // 100}xx", duration_s=duration_s, stream=stream,
        in_flight=in_flight,
    )  # fmt: skip
    now = time.time() if at is None else at
    buffer.record_request(
        now=now, route=route, method=method, status=status, duration_s=duration_s, stream=stream, user_id=user_id,
        agent=agent,
    )  # fmt: skip
    flusher.ensure_started()
