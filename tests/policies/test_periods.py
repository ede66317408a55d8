"""Budget periods are calendar days, weeks (from Monday) and months from local midnight in POLICIES_TIME_ZONE,
across month ends, leap years and DST changes; a budget counts only its period's spends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from chatmon.policies import budgets, periods
from tests.policies.conftest import budget, spend

PARIS = ZoneInfo("Europe/Paris")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def elapsed(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    # Real time between two moments (subtracting two times of one zone gives their wall-clock difference).
    return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)


def test_a_month_ends_at_the_next_months_local_midnight_in_a_leap_year():
    start, end = periods.bounds("month", local(2028, 2, 29, 23, 59), PARIS)
    assert (start, end) == (local(2028, 2, 1), local(2028, 3, 1))


def test_the_last_second_of_a_month_and_the_first_of_the_next_fall_in_different_months():
    last = local(2026, 1, 31, 23, 59, 59)
    assert periods.bounds("month", last, PARIS)[1] == periods.bounds("month", last + dt.timedelta(seconds=1), PARIS)[0]
    assert periods.bounds("month", local(2026, 12, 31, 12), PARIS)[1] == local(2027, 1, 1)


def test_the_period_follows_local_time_not_utc():
    # 23:30 UTC on 31 March is 01:30 on 1 April in Paris (UTC+2).
    moment = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    assert periods.bounds("month", moment, PARIS)[0] == local(2026, 4, 1)


def test_a_day_that_springs_forward_is_23_hours_and_one_that_falls_back_25():
    spring = periods.bounds("day", local(2026, 3, 29, 12), PARIS)
    autumn = periods.bounds("day", local(2026, 10, 25, 12), PARIS)
    assert elapsed(*spring) == dt.timedelta(hours=23)
    assert elapsed(*autumn) == dt.timedelta(hours=25)
    assert spring[1].utcoffset() == dt.timedelta(hours=2) and spring[0].utcoffset() == dt.timedelta(hours=1)


def test_a_week_starts_on_monday_even_across_a_month_end_and_a_dst_change():
    start, end = periods.bounds("week", local(2026, 10, 25, 9), PARIS)  # the Sunday clocks go back
    assert (start, end) == (local(2026, 10, 19), local(2026, 10, 26))
    assert elapsed(start, end) == dt.timedelta(days=7, hours=1)
    assert periods.bounds("week", local(2026, 11, 1, 9), PARIS) == (local(2026, 10, 26), local(2026, 11, 2))


@pytest.mark.django_db
def test_a_monthly_budget_counts_only_this_months_spends_across_the_month_end(alice, settings):
    settings.POLICIES_TIME_ZONE = "Europe/Paris"
    monthly = budget("service", limit=100000)
    with time_machine.travel(local(2026, 1, 31, 23, 50), tick=False):
        spend(alice, 2500)
    with time_machine.travel(local(2026, 2, 1, 0, 10), tick=False):
        spend(alice, 5000)
        usage = budgets.usage(monthly, local(2026, 2, 1, 0, 10))
    assert usage.spent == pytest.approx(5000)
    assert usage.start == local(2026, 2, 1)
    with time_machine.travel(local(2026, 1, 31, 23, 59), tick=False):
        assert budgets.usage(monthly, local(2026, 1, 31, 23, 59)).spent == pytest.approx(2500)


@pytest.mark.django_db
def test_a_daily_budget_resets_at_local_midnight_on_the_night_clocks_change(alice, settings):
    settings.POLICIES_TIME_ZONE = "Europe/Paris"
    daily = budget("daily", period="day", limit=100000)
    # 00:30 local on 29 March 2026 is 23:30 UTC on the 28th: it belongs to the 29th in Paris.
    with time_machine.travel(local(2026, 3, 28, 23, 45), tick=False):
        spend(alice, 2500)
    with time_machine.travel(local(2026, 3, 29, 0, 30), tick=False):
        spend(alice, 1000)
    with time_machine.travel(local(2026, 3, 29, 23, 30), tick=False):  # UTC+2 by now
        spend(alice, 500)
        assert budgets.usage(daily, local(2026, 3, 29, 23, 30)).spent == pytest.approx(1500)
