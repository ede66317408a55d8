"""Request metrics kept in process memory and written to Prometheus about once a second.

Under gunicorn (PROMETHEUS_MULTIPROC_DIR) every metric update is a locked write into a memory-mapped file.
django-prometheus' middleware pair makes about twenty of them per request, which in
bench/middleware_overhead.py cost as much as Django's whole default middleware stack. Here a request only adds
to a few dict entries under one lock, and `sync()` applies them off the request's path: one inc() per counter
label set touched since the last sync (however many requests there were), and one observe() per recorded
histogram value (prometheus_client's public API has no batched observe; each costs about 1.5 us in
multiprocess mode, in the flusher thread).
- It runs from the flusher thread every MONITORING_METRICS_SYNC_SECONDS.
- The /metrics view runs it before it answers, so the answering process is exact.
- It runs at exit, so a worker's last requests are counted.

A scrape therefore sees other processes' requests at most that interval late.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from prometheus_client import Histogram

from chatmon.monitoring import metrics
from chatmon.monitoring.aggregator import StreamStats
from ledger.metrics import spend_counts


@dataclass
class _Pending:
    requests: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (route, method, status class)
    durations: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (route, method)
    ttfb: dict[str, list[float]] = field(default_factory=dict)  # route
    stream_bytes: dict[str, list[float]] = field(default_factory=dict)  # route
    disconnects: dict[str, int] = field(default_factory=dict)  # route


def _observe(into: dict, key, amount: float) -> None:
    observed = into.get(key)
    if observed is None:
        observed = into[key] = []
    observed.append(amount)


def _apply(histogram: Histogram, labels: tuple, observed: list[float]) -> None:
    """observe() each recorded value, in the order recorded: exactly what observing them one request at a
    time would have written (tests/monitoring/test_batched_metrics.py checks this)."""
    child = histogram.labels(*labels)
    for amount in observed:
        child.observe(amount)


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
            _observe(pending.durations, (route, method), duration_s)
            if stream is not None:
                if stream.ttfb_s is not None:
                    _observe(pending.ttfb, route, stream.ttfb_s)
                _observe(pending.stream_bytes, route, stream.bytes_sent)
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


@dataclass
class _PendingGenerations:
    generations: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (model, provider, outcome)
    ttft: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (model, provider)
    durations: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    tokens: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (model, provider, token type)
    feedback: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (model, provider, rating)


class GenerationMetrics:
    """LLM generation metrics, batched as RequestMetrics batches requests (the same reasons, the same sync)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._pending = _PendingGenerations()

    def record(
        self, *, model: str, provider: str, outcome: str, ttft_s: float | None, duration_s: float | None, tokens: dict
    ) -> None:
        with self._lock:
            pending = self._pending
            key = (model, provider, outcome)
            pending.generations[key] = pending.generations.get(key, 0) + 1
            if ttft_s is not None:
                _observe(pending.ttft, (model, provider), ttft_s)
            if duration_s is not None:  # None: our own refusal, no provider time (generations.duration_of)
                _observe(pending.durations, (model, provider), duration_s)
            for kind, amount in tokens.items():
                if amount:
                    key = (model, provider, kind)
                    pending.tokens[key] = pending.tokens.get(key, 0) + amount

    def rated(self, *, model: str, provider: str, rating: str) -> None:
        with self._lock:
            key = (model, provider, rating)
            self._pending.feedback[key] = self._pending.feedback.get(key, 0) + 1

    def sync(self) -> None:
        with self._sync_lock:
            with self._lock:
                pending, self._pending = self._pending, _PendingGenerations()
            for labels, count in pending.generations.items():
                metrics.GENERATIONS.labels(*labels).inc(count)
            for labels, observed in pending.ttft.items():
                _apply(metrics.GENERATION_TTFT, labels, observed)
            for labels, observed in pending.durations.items():
                _apply(metrics.GENERATION_DURATION, labels, observed)
            for labels, count in pending.tokens.items():
                metrics.GENERATION_TOKENS.labels(*labels).inc(count)
            for labels, count in pending.feedback.items():
                metrics.FEEDBACK.labels(*labels).inc(count)

    def reset_after_fork(self) -> None:
        self.__init__()


generation_metrics = GenerationMetrics()


def sync_all() -> None:
    """Write the batches (requests, generations, and the ledger's spend counts) into the Prometheus metrics."""
    request_metrics.sync()
    generation_metrics.sync()
    spend_counts.sync()
