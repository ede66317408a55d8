"""Request metrics summed in process memory and written to Prometheus about once a second.

Under gunicorn (PROMETHEUS_MULTIPROC_DIR) every metric update is a locked write into a memory-mapped file.
django-prometheus' middleware pair makes about twenty of them per request, which in
bench/middleware_overhead.py cost as much as Django's whole default middleware stack. Here a request only adds
to a few dict entries under one lock. `sync()` then applies the sums: one write per label set and bucket
touched since the last sync, however many requests there were.
- It runs from the flusher thread every MONITORING_METRICS_SYNC_SECONDS.
- The /metrics view runs it before it answers, so the answering process is exact.
- It runs at exit, so a worker's last requests are counted.

A scrape therefore sees other processes' requests at most that interval late.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

from prometheus_client import Histogram

from chatmon.monitoring import metrics
from chatmon.monitoring.aggregator import StreamStats


@dataclass
class _Observations:
    """Observations of one histogram child since the last sync: their sum and a count per bucket."""

    total: float = 0.0
    counts: list[int] = field(default_factory=list)


@dataclass
class _Pending:
    requests: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (route, method, status class)
    durations: dict[tuple[str, str], _Observations] = field(default_factory=dict)  # (route, method)
    ttfb: dict[str, _Observations] = field(default_factory=dict)  # route
    stream_bytes: dict[str, _Observations] = field(default_factory=dict)  # route
    disconnects: dict[str, int] = field(default_factory=dict)  # route


def _observe(into: dict, key, histogram: Histogram, amount: float) -> None:
    observed = into.get(key)
    if observed is None:
        observed = into[key] = _Observations(counts=[0] * len(histogram._upper_bounds))
    observed.total += amount
    # prometheus_client counts an observation in the first bucket whose upper bound is >= it.
    observed.counts[bisect.bisect_left(histogram._upper_bounds, amount)] += 1


def _apply(histogram: Histogram, labels: tuple, observed: _Observations) -> None:
    """observe() each value at once. prometheus_client stores a histogram child as its sum plus one
    non-cumulative count per bucket (`_sum`, `_buckets`), and observe() adds to the sum and to one bucket; here
    each gets the batch's total. tests/monitoring/test_batched_metrics.py checks this against observe()."""
    child = histogram.labels(*labels)
    child._sum.inc(observed.total)
    for value, count in zip(child._buckets, observed.counts, strict=True):
        if count:
            value.inc(count)


class RequestMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._pending = _Pending()
        self._in_flight = 0

    def started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def finished(self) -> None:
        """A request that ended without being recorded (its view raised)."""
        with self._lock:
            self._in_flight -= 1

    def record(
        self,
        *,
        route: str,
        method: str,
        status_class: str,
        duration_s: float,
        stream: StreamStats | None = None,
        in_flight: bool,
    ) -> None:
        """One finished request; `in_flight`: it was counted by started() and now leaves the in-flight count."""
        with self._lock:
            pending = self._pending
            key = (route, method, status_class)
            pending.requests[key] = pending.requests.get(key, 0) + 1
            _observe(pending.durations, (route, method), metrics.REQUEST_DURATION, duration_s)
            if stream is not None:
                if stream.ttfb_s is not None:
                    _observe(pending.ttfb, route, metrics.STREAM_TTFB, stream.ttfb_s)
                _observe(pending.stream_bytes, route, metrics.STREAM_BYTES, stream.bytes_sent)
                if stream.disconnected:
                    pending.disconnects[route] = pending.disconnects.get(route, 0) + 1
            if in_flight:
                self._in_flight -= 1

    def sync(self) -> None:
        """Write what was recorded since the last sync into the Prometheus metrics."""
        with self._sync_lock:  # two syncs must not apply one batch twice (the thread and /metrics at once)
            with self._lock:
                pending, self._pending = self._pending, _Pending()
                in_flight = self._in_flight
            metrics.IN_FLIGHT.set(in_flight)
            for labels, count in pending.requests.items():
                metrics.REQUESTS.labels(*labels).inc(count)
            for labels, observed in pending.durations.items():
                _apply(metrics.REQUEST_DURATION, labels, observed)
            for route, observed in pending.ttfb.items():
                _apply(metrics.STREAM_TTFB, (route,), observed)
            for route, observed in pending.stream_bytes.items():
                _apply(metrics.STREAM_BYTES, (route,), observed)
            for route, count in pending.disconnects.items():
                metrics.STREAM_DISCONNECTS.labels(route).inc(count)

    def reset_after_fork(self) -> None:
        # The parent's unsynced requests are the parent's; locks are made anew (a thread may have held one).
        self.__init__()


request_metrics = RequestMetrics()
