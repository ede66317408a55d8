"""Generation rollups of the last minutes as they are now: the database's rows plus what is still in Redis.

The same reading as chatmon.monitoring.recent does for requests (its docstring says why the compaction lock is
taken): the alert rules on models and the dashboards' last hour read this, so a generation counts one flush
after it ends rather than after the next compaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import redis
from django.db.models import Sum

from chatmon.monitoring import store
from chatmon.monitoring.generation_fields import FIELDS
from chatmon.monitoring.models import CompactedBatch, GenerationRollup
from chatmon.monitoring.recent import READ_WAIT_SECONDS, compaction_lock

logger = logging.getLogger(__name__)

Key = tuple[datetime, str, str]  # (minute, model, provider)


def generation_minutes(since: datetime) -> dict[Key, dict[str, int]]:
    """Every field's sum per (UTC minute, model, provider) from the minute of `since` on, current minute included."""
    conn = store.client()
    try:
        with compaction_lock(conn, blocking_timeout=READ_WAIT_SECONDS):
            rows = _database_rows(since)
            for key, sums in _redis_rows(conn, int(since.timestamp()) // 60 * 60).items():
                row = rows.setdefault(key, dict.fromkeys(FIELDS, 0))
                for field, value in sums.items():
                    row[field] += value
            return rows
    except (redis.RedisError, OSError) as exc:  # Redis down or the lock not free in time: the database's part
        logger.warning("recent generation rollups: Redis not read (%s); database rows only", exc)
        return _database_rows(since)


def _database_rows(since: datetime) -> dict[Key, dict[str, int]]:
    rows = (
        GenerationRollup.objects.filter(minute__gte=since.replace(second=0, microsecond=0))
        .values("minute", "model", "provider")
        .annotate(**{name: Sum(name) for name in FIELDS})
    )
    return {(row["minute"], row["model"], row["provider"]): {name: row[name] or 0 for name in FIELDS} for row in rows}


def _redis_rows(conn: redis.Redis, since_minute: int) -> dict[Key, dict[str, int]]:
    """Pending `gen:` batches, and the claims a crashed compaction left that the database has not taken."""
    names = [raw.decode() for raw in conn.smembers(store.key("pending"))]
    names = [name for name in names if name.rpartition(":")[0].endswith(":gen")]
    leftover = [claim.name for claim in store.claims(conn) if claim.kind == "gen"]
    compacted = set(CompactedBatch.objects.filter(key__in=leftover).values_list("key", flat=True))
    names += [name for name in leftover if name not in compacted]
    rows: dict[Key, dict[str, int]] = {}
    for name in names:
        epoch = int(name.rpartition(":")[2])
        if epoch < since_minute:
            continue
        minute = datetime.fromtimestamp(epoch, tz=UTC)
        for raw_field, raw_value in conn.hgetall(name).items():
            model, provider, field = raw_field.decode().split(store.SEP)
            row = rows.setdefault((minute, model, provider), dict.fromkeys(FIELDS, 0))
            if field in row:
                row[field] += int(raw_value)
    return rows
