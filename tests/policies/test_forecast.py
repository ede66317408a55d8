"""The forecast uses the history that exists: under a day it says "not enough data", else the mean per day of
the last 7 days (or since the first ledger row), projected to the period's end, with the day it exceeds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from chatmon.policies import forecast
from tests.policies.conftest import budget, spend

UTC = ZoneInfo("UTC")
START, END = dt.datetime(2026, 6, 1, tzinfo=UTC), dt.datetime(2026, 7, 1, tzinfo=UTC)


def project(days, now, first_at, limit=None):
    return forecast.project(days=days, now=now, start=START, end=END, first_at=first_at, limit=limit, tz=UTC)


def test_a_five_minute_old_install_does_not_extrapolate():
    now = dt.datetime(2026, 6, 10, 12, 5, tzinfo=UTC)
    f = project({now.date(): 50000.0}, now, first_at=now - dt.timedelta(minutes=5), limit=60000)
    assert f.per_day is None and f.projected is None and f.exceeds_on is None
    assert f.basis.startswith("not enough data")
    assert f.spent == 50000 and f.percent == pytest.approx(83.3) and f.status == "no forecast yet"


def test_a_young_install_divides_by_the_time_it_has_existed_and_says_so():
    now = dt.datetime(2026, 6, 10, 12, tzinfo=UTC)
    first = now - dt.timedelta(days=2)  # two days of history, not seven
    days = {dt.date(2026, 6, 8): 1000.0, dt.date(2026, 6, 9): 2000.0, dt.date(2026, 6, 10): 1000.0}
    f = project(days, now, first_at=first)
    assert f.per_day == pytest.approx(2000)
    assert f.basis == "mean per day since the first ledger row 2.0 days"
    assert f.projected == pytest.approx(4000 + 2000 * 20.5)


def test_an_older_install_uses_the_last_seven_days_and_a_range_from_its_quietest_and_busiest_days():
    now = dt.datetime(2026, 6, 20, 12, tzinfo=UTC)
    days = {dt.date(2026, 6, 13) + dt.timedelta(days=n): 100.0 * (n + 1) for n in range(8)}
    days[dt.date(2026, 6, 1)] = 5000.0  # in the period, outside the basis
    f = project(days, now, first_at=dt.datetime(2026, 1, 1, tzinfo=UTC), limit=20000)
    basis_total = sum(100.0 * (n + 1) for n in range(8))
    assert f.per_day == pytest.approx(basis_total / 7.5)
    assert f.spent == pytest.approx(5000 + basis_total)
    # complete days of the basis: 14 June to 19 June (200 to 700 credits)
    assert f.low == pytest.approx(f.spent + 200 * 10.5) and f.high == pytest.approx(f.spent + 700 * 10.5)
    assert f.basis == "mean per day over the last 7.5 days"


def test_it_names_the_day_the_limit_is_crossed_and_none_when_the_period_ends_first():
    now = dt.datetime(2026, 6, 10, 0, tzinfo=UTC)
    days = {dt.date(2026, 6, 3) + dt.timedelta(days=n): 1000.0 for n in range(7)}
    first = dt.datetime(2026, 1, 1, tzinfo=UTC)
    f = project(days, now, first_at=first, limit=10000)  # 7,000 spent, 1,000 a day
    assert f.exceeds_on == dt.date(2026, 6, 13) and f.status == "at risk"
    assert project(days, now, first_at=first, limit=10**6).exceeds_on is None
    assert project(days, now, first_at=first, limit=5000).status == "exceeded"


@pytest.mark.django_db
def test_a_budget_forecast_reads_the_ledgers_spends(alice, settings):
    settings.POLICIES_TIME_ZONE = "UTC"
    b = budget("service", limit=100000)
    for day in range(1, 4):
        with time_machine.travel(dt.datetime(2026, 6, day, 12, tzinfo=UTC), tick=False):
            spend(alice, 2500)
    with time_machine.travel(dt.datetime(2026, 6, 4, 12, tzinfo=UTC), tick=False):
        f = forecast.of_budget(b, dt.datetime(2026, 6, 4, 12, tzinfo=UTC))
    assert f.spent == pytest.approx(7500)
    assert f.per_day == pytest.approx(7500 / 3)  # since the first row, three days ago
    assert f.projected == pytest.approx(7500 + 2500 * 26.5)


def test_a_limit_centuries_away_is_never_exceeded_rather_than_an_error():
    now = dt.datetime(2026, 6, 10, tzinfo=UTC)
    days = {dt.date(2026, 6, 9): 0.001}
    f = project(days, now, first_at=dt.datetime(2026, 1, 1, tzinfo=UTC), limit=10**15)
    assert f.exceeds_on is None and f.status == "on track"
