"""violations.selectors grouped per hour and per day: the source rows of the dashboards' violation rollups."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest

from violations import selectors
from violations.models import Ban, Violation

pytestmark = pytest.mark.django_db

TEN = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def violation(at: dt.datetime, kind: str = "logins", *, user=None, ip: str | None = None, score: int = 1):
    return Violation.objects.create(type=kind, user=user, ip=ip, score=score, prev_count=0, count=score,
                                    created_at=at)  # fmt: skip


def test_it_groups_violations_per_hour_and_type(member):
    violation(TEN, user=member, score=1)
    violation(TEN + timedelta(minutes=59), ip="203.0.113.1", score=3)
    violation(TEN + timedelta(minutes=10), "token_balance", user=member, score=0)
    violation(TEN + timedelta(hours=1), ip="203.0.113.1", score=2)
    violation(TEN - timedelta(seconds=1), ip="203.0.113.1")
    rows = sorted(selectors.violations_by_hour(since=TEN), key=lambda r: (r["hour"], r["type"]))
    assert rows == [
        {"hour": TEN, "type": "logins", "count": 2, "score": 4},
        {"hour": TEN, "type": "token_balance", "count": 1, "score": 0},
        {"hour": TEN + timedelta(hours=1), "type": "logins", "count": 1, "score": 2},
    ]


def test_it_groups_bans_per_hour_kind_and_source(member):
    expires = TEN + timedelta(days=1)
    for kind, source, at in [("user", "automatic", TEN), ("user", "automatic", TEN + timedelta(minutes=1)),
                             ("ip", "manual", TEN), ("ip", "manual", TEN - timedelta(hours=1))]:  # fmt: skip
        Ban.objects.create(kind=kind, source=source, user=member if kind == "user" else None,
                           ip="203.0.113.1" if kind == "ip" else None, created_at=at, expires_at=expires)  # fmt: skip
    rows = sorted(selectors.bans_by_hour(since=TEN), key=lambda r: r["kind"])
    assert rows == [
        {"hour": TEN, "kind": "ip", "source": "manual", "count": 1},
        {"hour": TEN, "kind": "user", "source": "automatic", "count": 2},
    ]


def test_it_groups_violations_per_day_user_and_ip(member):
    violation(TEN, user=member, ip="203.0.113.1", score=2)
    violation(TEN + timedelta(hours=5), user=member, ip="203.0.113.1", score=3)
    violation(TEN + timedelta(hours=6), user=member, ip="203.0.113.2")
    violation(TEN + timedelta(hours=7), ip="203.0.113.2", score=5)
    rows = sorted(selectors.violations_by_offender_day(since=TEN), key=lambda r: (r["user_id"] or 0, r["ip"]))
    assert rows == [
        {"day": TEN.date(), "user_id": None, "ip": "203.0.113.2", "count": 1, "score": 5},
        {"day": TEN.date(), "user_id": member.pk, "ip": "203.0.113.1", "count": 2, "score": 5},
        {"day": TEN.date(), "user_id": member.pk, "ip": "203.0.113.2", "count": 1, "score": 1},
    ]
