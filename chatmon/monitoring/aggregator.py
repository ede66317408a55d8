"""The in-process buffer: per-minute, per-route rollups and per-day counts, added up in memory.

Recording a request is a dict update under a lock: no network round trip. The flusher drains the buffer
every few seconds and sends it to Redis in one pipeline (chatmon.monitoring.store).
"""

from __future__ import annotations

import bisect
import functools
import threading
import time
from dataclasses import dataclass, field

from chatmon.monitoring import generation_fields

# Latency histogram upper bounds in milliseconds (plus an overflow bucket). The rollup table has one column
# per bucket, so changing these needs a migration.
LATENCY_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
BUCKET_FIELDS = (*(f"le_{bound}" for bound in LATENCY_BUCKETS_MS), "le_inf")
# One rollup row's counters, all integers so that Redis can add them with HINCRBY (durations in µs).
FIELDS = ("count", "errors", "client_errors", "duration_sum_us", *BUCKET_FIELDS,
          "streams", "ttfb_sum_us", "bytes_sent", "disconnects")  # fmt: skip
_INDEX = {name: i for i, name in enumerate(FIELDS)}
# The positions record_request adds to on every request, looked up once.
_COUNT, _ERRORS, _CLIENT_ERRORS, _DURATION_SUM, _FIRST_BUCKET = (
    _INDEX[name] for name in ("count", "errors", "client_errors", "duration_sum_us", BUCKET_FIELDS[0])
)
_STREAMS, _TTFB_SUM, _BYTES_SENT, _DISCONNECTS = (
    _INDEX[name] for name in ("streams", "ttfb_sum_us", "bytes_sent", "disconnects")
)
# Distinct user-agent strings kept per flush interval; past this, requests count as an unknown client.
MAX_AGENTS = 2000


@dataclass
class StreamStats:
    ttfb_s: float | None
    bytes_sent: int
    disconnected: bool


@dataclass
class Batch:
    requests: dict[tuple[int, str, str], list[int]] = field(default_factory=dict)  # (minute, route, method)
    users: dict[int, set[str]] = field(default_factory=dict)  # minute -> user ids
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (day, kind, name) -> n
    agents: dict[tuple[str, str], int] = field(default_factory=dict)  # (day, user-agent string) -> n
    # (minute, value key, provider) -> generation_fields.FIELDS counters (chatmon.monitoring.generations)
    generations: dict[tuple[int, str, str], list[int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.requests or self.users or self.counts or self.agents or self.generations)

    def minutes(self) -> set[int]:
        return {key[0] for key in self.requests} | set(self.users) | {key[0] for key in self.generations}


def minute_of(timestamp: float) -> int:
    return int(timestamp // 60) * 60


def day_of(timestamp: float) -> str:
    return _day_name(int(timestamp // 86400))


@functools.lru_cache(maxsize=8)  # called per request: format each day once
def _day_name(day_number: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day_number * 86400))


def bucket_index(duration_ms: float) -> int:
    # The first bucket whose upper bound is >= the duration; past the last bound, le_inf (its place in a row).
    return _FIRST_BUCKET + bisect.bisect_left(LATENCY_BUCKETS_MS, duration_ms)


def bucket_field(duration_ms: float) -> str:
    return FIELDS[bucket_index(duration_ms)]


class Buffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batch = Batch()

    def record_request(
        self,
        *,
        now: float,
        route: str,
        method: str,
        status: int,
        duration_s: float,
        stream: StreamStats | None,
        user_id: str = "",
        agent: str | None = None,
    ) -> None:
        """One request's rollup row, and its signed-in user and user agent when given (one lock for all)."""
        duration_us = round(duration_s * 1_000_000)
        minute = minute_of(now)
        bucket = bucket_index(duration_us / 1000)
        with self._lock:
            batch = self._batch
            row = batch.requests.get(key := (minute, route, method))
            if row is None:
                row = batch.requests[key] = [0] * len(FIELDS)
            row[_COUNT] += 1
            row[_ERRORS] += status >= 500
            row[_CLIENT_ERRORS] += 400 <= status < 500
            row[_DURATION_SUM] += duration_us
            row[bucket] += 1
            if stream is not None:
                row[_STREAMS] += 1
                row[_TTFB_SUM] += round((stream.ttfb_s or 0) * 1_000_000)
                row[_BYTES_SENT] += stream.bytes_sent
                row[_DISCONNECTS] += stream.disconnected
            if user_id:
                batch.users.setdefault(minute, set()).add(user_id)
            if agent is not None:
                key = (day_of(now), agent)
                if key not in batch.agents and len(batch.agents) >= MAX_AGENTS:
                    key = (key[0], "")
                batch.agents[key] = batch.agents.get(key, 0) + 1

    def add_generation(self, *, now: float, model: str, provider: str, counters: dict[int, int]) -> None:
        """Add `counters` (generation_fields.INDEX -> amount) to the minute's row of (model, provider)."""
        with self._lock:
            row = self._batch.generations.get(key := (minute_of(now), model, provider))
            if row is None:
                row = self._batch.generations[key] = [0] * generation_fields.WIDTH
            for index, amount in counters.items():
                row[index] += amount

    def count(self, *, now: float, kind: str, name: str, amount: int = 1) -> None:
        with self._lock:
            key = (day_of(now), kind, name)
            self._batch.counts[key] = self._batch.counts.get(key, 0) + amount

    def drain(self) -> Batch:
        with self._lock:
            batch, self._batch = self._batch, Batch()
        return batch

    def restore(self, batch: Batch, *, max_minutes: int) -> int:
        """Put back a batch whose flush failed; returns how many minutes were dropped to stay bounded."""
        with self._lock:
            _merge(self._batch, batch)
            return _trim(self._batch, max_minutes)


def _merge(into: Batch, other: Batch) -> None:
    for rows, other_rows in ((into.requests, other.requests), (into.generations, other.generations)):
        for key, values in other_rows.items():
            row = rows.setdefault(key, [0] * len(values))
            for i, value in enumerate(values):
                row[i] += value
    for minute, users in other.users.items():
        into.users.setdefault(minute, set()).update(users)
    for target, source in ((into.counts, other.counts), (into.agents, other.agents)):
        for key, n in source.items():
            target[key] = target.get(key, 0) + n


def _trim(batch: Batch, max_minutes: int) -> int:
    minutes = sorted(batch.minutes())
    dropped = set(minutes[:-max_minutes]) if len(minutes) > max_minutes else set()
    if dropped:
        batch.requests = {key: row for key, row in batch.requests.items() if key[0] not in dropped}
        batch.generations = {key: row for key, row in batch.generations.items() if key[0] not in dropped}
        batch.users = {minute: users for minute, users in batch.users.items() if minute not in dropped}
    return len(dropped)


buffer = Buffer()
