"""Periodic jobs (thin: they call services and return a JSON-able summary for JobRun)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db.models import Count, Sum
from django.utils import timezone

from violations import store
from violations.banview import active_from_db, view
from violations.models import Violation, ViolationTrend

logger = logging.getLogger(__name__)


@shared_task(name="violations.compute_trends")
def compute_trends(hours: int = 1) -> dict:
    """Count each of the last `hours` complete hours' violations per type; rerunning an hour rewrites it."""
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    written = 0
    stats: dict[str, int] = {}
    for offset in range(hours, 0, -1):
        hour = end - timedelta(hours=offset)
        rows = (
            Violation.objects.filter(created_at__gte=hour, created_at__lt=hour + timedelta(hours=1))
            .values("type")
            .annotate(
                n=Count("id"), score=Sum("score"), users=Count("user", distinct=True), ips=Count("ip", distinct=True)
            )
        )
        for row in rows:
            ViolationTrend.objects.update_or_create(
                hour=hour,
                type=row["type"],
                defaults={
                    "count": row["n"],
                    "total_score": row["score"] or 0,
                    "unique_users": row["users"],
                    "unique_ips": row["ips"],
                },
            )
            stats[row["type"]] = stats.get(row["type"], 0) + row["n"]
            written += 1
    logger.info("violation_stats", extra={"violation_stats": stats, "hours": hours})
    return {"trend_rows": written, "violations": stats}


@shared_task(name="violations.purge_expired_bans")
def purge_expired_bans() -> dict:
    """Rebuild the Redis ban hash when it differs from the database's active bans (expired entries, or a
    change that could not be published while Redis was down)."""
    wanted = {key: int(expiry * 1000) for key, expiry in active_from_db().items()}
    cached = {key: int(value) for key, value in store.client().hgetall(store.key("bans")).items()}
    if cached == wanted:
        return {"active": len(wanted), "rebuilt": False}
    view.rebuild()
    return {"active": len(wanted), "removed": len(cached.keys() - wanted.keys()), "rebuilt": True}
