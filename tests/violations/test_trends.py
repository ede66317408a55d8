"""services.compute_trends: each complete hour's violations per type, rewritten (not added to) on a rerun."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest

from violations import services
from violations.models import Violation, ViolationTrend

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 12, 25, tzinfo=dt.UTC)
ELEVEN, TEN = dt.datetime(2026, 3, 2, 11, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def violation(at: dt.datetime, kind: str = "logins", *, user=None, ip: str | None = None, score: int = 1) -> None:
    Violation.objects.create(type=kind, user=user, ip=ip, score=score, prev_count=0, count=score, created_at=at)


def trends() -> list[tuple]:
    rows = ViolationTrend.objects.order_by("hour", "type")
    return list(rows.values_list("hour", "type", "count", "total_score", "unique_users", "unique_ips"))


def test_it_counts_each_complete_hour_per_type(member, operator):
    violation(TEN + timedelta(minutes=5), user=member, ip="203.0.113.1", score=2)
    violation(ELEVEN, user=member, ip="203.0.113.2")
    violation(ELEVEN + timedelta(minutes=59), user=operator, ip="203.0.113.2")
    violation(ELEVEN + timedelta(minutes=30), "message_limit", ip="203.0.113.3", score=0)
    violation(NOW.replace(minute=0), user=member)  # the current hour is not complete yet
    summary = services.compute_trends(hours=2, now=NOW)
    assert summary == {"trend_rows": 3, "violations": {"logins": 3, "message_limit": 1}}
    assert trends() == [
        (TEN, "logins", 1, 2, 1, 1),
        (ELEVEN, "logins", 2, 2, 2, 1),
        (ELEVEN, "message_limit", 1, 0, 0, 1),
    ]


def test_it_rewrites_an_hour_it_counts_again(member):
    violation(ELEVEN, user=member)
    services.compute_trends(now=NOW)
    violation(ELEVEN + timedelta(minutes=1), user=member)  # arrived late
    assert services.compute_trends(now=NOW) == {"trend_rows": 1, "violations": {"logins": 2}}
    assert trends() == [(ELEVEN, "logins", 2, 2, 1, 0)]
