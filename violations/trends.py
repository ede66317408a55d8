"""Hourly violation trends: per type, how many violations an hour had, their total score, and how many
distinct users and IP addresses they came from (ViolationTrend rows, for the admin and for reports)."""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from violations.models import Violation, ViolationTrend

logger = logging.getLogger(__name__)


def compute_trends(*, hours: int = 1, now: dt.datetime | None = None) -> dict:
    """Count each of the last `hours` complete hours' violations per type; rerunning an hour rewrites its rows,
    so a job that runs twice (or late) writes the same figures. Returns a JSON-able summary for JobRun."""
    end = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    written = 0
    stats: dict[str, int] = {}
    for offset in range(hours, 0, -1):
        hour = end - timedelta(hours=offset)
        for row in _per_type(hour):
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


def _per_type(hour: dt.datetime):
    """One grouped query: the hour's violations per type."""
    return (
        Violation.objects.filter(created_at__gte=hour, created_at__lt=hour + timedelta(hours=1))
        .values("type")
        .annotate(n=Count("id"), score=Sum("score"), users=Count("user", distinct=True), ips=Count("ip", distinct=True))
        .order_by()
    )
