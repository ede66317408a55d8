"""Request rollups of the last minutes as they are now: the database's rows plus what is still in Redis.

Rollups reach Redis with each process's flush (every MONITORING_FLUSH_SECONDS) and the database only when
the compaction job has moved a finished minute there, up to two minutes later. A reader of the last minutes
(the alert rules on requests) adds what is still in Redis, so a request counts one flush after it ends.

A compaction moves a batch in steps: claim (out of `pending`), write (with its CompactedBatch marker),
release. Read in the middle, the batch would be missing from both sides or counted on both; so a compaction
and a read take the same Redis lock, and a read counts a claim left by a crashed compaction only while the
database has no marker for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

import redis
from django.db.models import Sum

from chatmon.monitoring import store
from chatmon.monitoring.models import CompactedBatch, RequestRollup

logger = logging.getLogger(__name__)

# A compaction of a busy day's backlog takes seconds; a crashed one's lock expires after this.
LOCK_SECONDS = 300
# A read waits at most this long for a compaction in progress.
READ_WAIT_SECONDS = 30


def compaction_lock(conn: redis.Redis, *, blocking_timeout: float | None = None):
    """The lock a compaction holds from its claim to its release (redis-py's Lock: a token, an expiry)."""
    return conn.lock(store.key("compaction-lock"), timeout=LOCK_SECONDS, blocking_timeout=blocking_timeout)


def request_sums(since: datetime, fields: Iterable[str]) -> dict[str, int]:
    """Sums of `fields` of every route's rollups from the minute of `since` on, the current minute included."""
    fields = tuple(fields)
    conn = store.client()
    try:
        with compaction_lock(conn, blocking_timeout=READ_WAIT_SECONDS):
            sums = _database_sums(since, fields)
            for field, value in _redis_sums(conn, int(since.timestamp()) // 60 * 60, fields).items():
                sums[field] += value
            return sums
    except (redis.RedisError, OSError) as exc:  # Redis down or the lock not free in time: the database's part
        logger.warning("recent request rollups: Redis not read (%s); database rows only", exc)
        return _database_sums(since, fields)


def _database_sums(since: datetime, fields: tuple[str, ...]) -> dict[str, int]:
    minute = since.replace(second=0, microsecond=0)
    sums = RequestRollup.objects.filter(minute__gte=minute).aggregate(**{name: Sum(name) for name in fields})
    return {name: value or 0 for name, value in sums.items()}


def _redis_sums(conn: redis.Redis, since_minute: int, fields: tuple[str, ...]) -> dict[str, int]:
    sums = dict.fromkeys(fields, 0)
    for minute_sums in _redis_minutes(conn, since_minute, fields).values():
        for field, value in minute_sums.items():
            sums[field] += value
    return sums


def _redis_minutes(conn: redis.Redis, since_minute: int, fields: tuple[str, ...]) -> dict[int, dict[str, int]]:
    """What is still in Redis per epoch minute: pending batches, and claims a crashed compaction left."""
    names = [raw.decode() for raw in conn.smembers(store.key("pending"))]
    names = [name for name in names if _minute(name) is not None]
    leftover = [claim.name for claim in store.claims(conn) if claim.kind == "req"]
    compacted = set(CompactedBatch.objects.filter(key__in=leftover).values_list("key", flat=True))
    names += [name for name in leftover if name not in compacted]
    minutes: dict[int, dict[str, int]] = {}
    for name in names:
        if _minute(name) < since_minute:
            continue
        sums = minutes.setdefault(_minute(name), dict.fromkeys(fields, 0))
        for raw_field, raw_value in conn.hgetall(name).items():
            field = raw_field.decode().rpartition(store.SEP)[2]
            if field in sums:
                sums[field] += int(raw_value)
    return minutes


def request_minutes(since: datetime, fields: Iterable[str]) -> dict[datetime, dict[str, int]]:
    """Sums of `fields` per UTC minute from the minute of `since` on, the current minute included: the
    database's rows plus what is still in Redis, read under the compaction lock as request_sums is. The
    dashboards' last hour reads this, so the minutes not yet compacted do not read as no traffic."""
    fields = tuple(fields)
    conn = store.client()
    try:
        with compaction_lock(conn, blocking_timeout=READ_WAIT_SECONDS):
            minutes = _database_minutes(since, fields)
            for epoch, sums in _redis_minutes(conn, int(since.timestamp()) // 60 * 60, fields).items():
                moment = datetime.fromtimestamp(epoch, tz=UTC)
                row = minutes.setdefault(moment, dict.fromkeys(fields, 0))
                for field, value in sums.items():
                    row[field] += value
            return minutes
    except (redis.RedisError, OSError) as exc:
        logger.warning("recent request rollups: Redis not read (%s); database rows only", exc)
        return _database_minutes(since, fields)


def _database_minutes(since: datetime, fields: tuple[str, ...]) -> dict[datetime, dict[str, int]]:
    rows = (
        RequestRollup.objects.filter(minute__gte=since.replace(second=0, microsecond=0))
        .values("minute")
        .annotate(**{name: Sum(name) for name in fields})
    )
    return {row["minute"]: {name: row[name] or 0 for name in fields} for row in rows}


def _minute(name: str) -> int | None:
    """The epoch minute of a `...:req:<minute>` key or claim; None for day counts."""
    kind, _, period = name.rpartition(":")
    return int(period) if kind.endswith(":req") else None
