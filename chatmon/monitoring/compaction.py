"""Compaction: claimed Redis batches are added to the database rollups, each exactly once.

Safe to run twice or concurrently: a batch is claimed by an atomic rename (store.claim_ready), and its
CompactedBatch marker is inserted in the same transaction as the rows it adds, so a batch that a crashed
or concurrent run already wrote is skipped (the marker's unique key refuses it) and then released.
A batch stays in Redis until its rows are committed, so nothing flushed is lost to a crash or a restart.
From claim to release it holds the lock that readers of recent rollups take (chatmon.monitoring.recent), so
they never see a batch half moved.
"""

from __future__ import annotations

import datetime as dt
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from chatmon.monitoring import conf, store
from chatmon.monitoring.models import ActiveUsers, CompactedBatch, DailyCount, GenerationRollup, RequestRollup
from chatmon.monitoring.recent import compaction_lock


def compact(*, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    conn = store.client()
    written = skipped = 0
    with compaction_lock(conn):
        claimed = store.claim_ready(conn, now=now)
        for claim in store.claims(conn):
            if _write(claim, store.read_claim(conn, claim)):
                written += 1
            else:
                skipped += 1
            store.release(conn, claim)
    users = _store_active_users(store.pending_user_counts(conn, now=now))
    cutoff = timezone.now() - timedelta(days=conf.compacted_batch_retention_days())
    pruned, _ = CompactedBatch.objects.filter(compacted_at__lt=cutoff).delete()
    return {"claimed": claimed, "written": written, "skipped": skipped, "active_user_periods": users,
            "pruned_markers": pruned}  # fmt: skip


def _write(claim: store.Claim, grouped: dict[tuple[str, ...], dict[str, int]]) -> bool:
    """Add one claimed batch to the rollups; False when it had been added before."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                CompactedBatch.objects.create(key=claim.name)
        except IntegrityError:
            return False
        for group, values in grouped.items():
            if claim.kind == "req":
                route, method = group
                identity = {"minute": _utc(int(claim.period)), "route": route, "method": method}
                _add(RequestRollup, identity, values)
            elif claim.kind == "gen":
                model, provider = group
                identity = {"minute": _utc(int(claim.period)), "model": model, "provider": provider}
                _add(GenerationRollup, identity, values)
            else:
                kind, name = group
                _add(DailyCount, {"day": dt.date.fromisoformat(claim.period), "kind": kind, "name": name}, values)
    return True


def _add(model: type[Model], identity: dict, values: dict[str, int]) -> None:
    """Add `values` to the row `identity`, creating it when missing (a concurrent creator wins, then we add)."""
    increments = {field: F(field) + value for field, value in values.items()}
    if model.objects.filter(**identity).update(**increments):
        return
    try:
        with transaction.atomic():
            model.objects.create(**identity, **values)
    except IntegrityError:
        model.objects.filter(**identity).update(**increments)


def _store_active_users(counts: list[tuple[str, str, int]]) -> int:
    """Distinct-user counts are estimates of a set, not sums: they replace the stored value."""
    rows = [
        ActiveUsers(resolution=resolution, period=_period(resolution, period), users=users)
        for resolution, period, users in counts
    ]
    ActiveUsers.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["resolution", "period"], update_fields=["users"]
    )
    return len(rows)


def _period(resolution: str, period: str) -> dt.datetime:
    if resolution == ActiveUsers.Resolution.DAY:
        return dt.datetime.combine(dt.date.fromisoformat(period), dt.time(), tzinfo=dt.UTC)
    return _utc(int(period))


def _utc(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
