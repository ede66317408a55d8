"""Reads that take whole periods from the usage rollups and the rest from the ledger's rows (selectors/rolled.py)
give the rows' own answer: the month forecast's spend per local day (in zones whole hours, half and quarter
hours off UTC, and one whose midnight cuts a quarter hour) and the unpriced models, with spends in the span's
ragged ends, in hours the rollup job has not reached yet and before its first run. Every amount is a multiple
of 0.5, so sums in any order are exact."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from chatmon.dashboards.rollups import roll_up
from chatmon.dashboards.selectors import rolled
from chatmon.policies import forecast
from chatmon.policies import selectors as policy_selectors
from chatmon.policies.models import Budget
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from tests.policies.conftest import budget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 10, 14, 40, tzinfo=UTC)
ROLLED_AT = dt.datetime(2026, 6, 10, 12, 30, tzinfo=UTC)  # the job's cursor: 12:00; 12:00 to 14:40 is the tail
# Kolkata's midnight is 18:30 UTC and Kathmandu's 18:15: they cut an hour. A local mean time 5:53 ahead of UTC
# (as zones kept before 1900) has its midnight at 18:07: it cuts a quarter of an hour, read from the rows.
ZONES = ["UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu"]
LOCAL_MEAN_TIME = dt.timezone(dt.timedelta(hours=5, minutes=53), "LMT")


def spend_at(moment: dt.datetime, user, **spend) -> None:
    with time_machine.travel(moment, tick=False):
        ledger.spend_tokens(user=user, **{"model": "gpt-4o", "completion_tokens": 0, **spend})


def roll_up_at(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        roll_up()


@pytest.fixture
def spends(member, operator):
    """gpt-4o spends (2.5 credits a prompt token) on both sides of UTC and Asian midnights over four days,
    rolled up at ROLLED_AT, then more in the hours after the cursor."""
    for days_ago in range(4):
        day = NOW - dt.timedelta(days=days_ago)
        for hour, minute in ((0, 10), (9, 59), (14, 25), (18, 5), (18, 10), (18, 50), (23, 40)):
            moment = day.replace(hour=hour, minute=minute)
            if moment < ROLLED_AT:
                spend_at(moment, member, prompt_tokens=100 * (days_ago + 1) + hour + minute)
    roll_up_at(ROLLED_AT)
    for moment in (ROLLED_AT + dt.timedelta(minutes=5), NOW - dt.timedelta(minutes=70), NOW - dt.timedelta(minutes=1)):
        spend_at(moment, operator, prompt_tokens=7)


@pytest.mark.parametrize("tz", [*map(ZoneInfo, ZONES), LOCAL_MEAN_TIME], ids=str)
def test_the_spend_per_local_day_is_the_ledgers(spends, tz):
    since = NOW - dt.timedelta(days=3, minutes=17)  # mid-hour: the first part of that hour is read from rows
    with time_machine.travel(NOW, tick=False):
        expected = ledger_selectors.spend_by_day(since=since, tzinfo=tz)
        assert len(expected) >= 4 and expected[NOW.astimezone(tz).date()] > 0
        assert rolled.service_spend_by_day(since, tz) == expected


def test_a_month_costs_a_few_queries_not_one_per_day(member, django_assert_max_num_queries):
    for moment in (NOW - dt.timedelta(days=29), NOW - dt.timedelta(days=12, hours=5), NOW - dt.timedelta(hours=3)):
        spend_at(moment, member, prompt_tokens=10)
    roll_up_at(ROLLED_AT)
    spend_at(NOW - dt.timedelta(minutes=1), member, prompt_tokens=10)
    since = NOW - dt.timedelta(days=28)
    with time_machine.travel(NOW, tick=False):
        expected = ledger_selectors.spend_by_day(since=since, tzinfo=UTC)
        assert sum(expected.values()) == 75
        # cursor, first rolled hour, the rolled hours, the rows before the first whole hour and after the cursor
        with django_assert_max_num_queries(5):
            assert rolled.service_spend_by_day(since, UTC) == expected


def test_spends_before_the_rollups_first_run_are_read_from_the_rows(member, settings):
    spend_at(NOW - dt.timedelta(days=3), member, prompt_tokens=40)
    settings.DASHBOARDS_BACKFILL_DAYS = 1  # the first run leaves the spend of three days ago out
    spend_at(NOW - dt.timedelta(hours=5), member, prompt_tokens=60)
    roll_up_at(NOW - dt.timedelta(hours=2))
    since = NOW - dt.timedelta(days=4)
    with time_machine.travel(NOW, tick=False):
        assert rolled.service_spend_by_day(since, UTC) == ledger_selectors.spend_by_day(since=since, tzinfo=UTC)
        assert sum(rolled.service_spend_by_day(since, UTC).values()) == 250


@pytest.mark.parametrize("zone", ZONES)
def test_the_month_forecast_from_the_rollup_is_the_one_from_the_rows(spends, settings, zone):
    settings.POLICIES_TIME_ZONE = zone
    with time_machine.travel(NOW, tick=False):
        from_rows = forecast.of_service_month(NOW, 40000)
        assert from_rows.per_day and from_rows.low is not None
        assert forecast.of_service_month(NOW, 40000, service_days=rolled.service_spend_by_day) == from_rows


def test_a_budget_of_one_user_still_reads_that_users_rows(spends, operator):
    mine = budget("operator's month", scope=Budget.Scope.USER, user=operator, period="month", limit=40000)
    with time_machine.travel(NOW, tick=False):
        f = policy_selectors.budget_forecast(mine, NOW, service_days=rolled.service_spend_by_day)
        assert f == forecast.of_budget(mine, NOW)
    assert f.spent == 3 * 7 * 2.5, "the operator's three spends after the job ran, not the service's"


def test_the_unpriced_models_are_the_ledgers(member):
    """acme-llm-1 has no price (6 credits a token); gpt-4o has one, and house-llm is priced by its endpoint."""
    house = {"house-llm": {"prompt": 0.5, "completion": 1.0}}
    kinds = [
        {"model": "acme-llm-1", "prompt_tokens": 10},
        {"model": "acme-llm-1", "prompt_tokens": 20, "endpoint": "acme-cloud"},
        {"model": "acme-llm-1", "prompt_tokens": 3, "endpoint": ""},
        {"model": "acme-llm-2", "prompt_tokens": 5, "completion_tokens": 4},
        {"model": "gpt-4o", "prompt_tokens": 100},
        {"model": "house-llm", "prompt_tokens": 100, "endpoint_token_config": house},
    ]
    rolled_at = NOW - dt.timedelta(hours=2)
    moments = [NOW - dt.timedelta(minutes=minutes) for minutes in range(3 * 24 * 60, 0, -97)]  # oldest first
    for n, moment in enumerate(moments):
        if moment > rolled_at >= moments[n - 1]:
            roll_up_at(rolled_at)
        spend_at(moment, member, **kinds[n % len(kinds)])
    since, until = NOW - dt.timedelta(days=2, minutes=31), NOW - dt.timedelta(minutes=3)
    with time_machine.travel(NOW, tick=False):
        expected = list(ledger_selectors.unpriced_spends(since=since, until=until))
        assert {(row["model"], row["endpoint"]) for row in expected} == {
            ("acme-llm-1", None), ("acme-llm-1", "acme-cloud"), ("acme-llm-1", ""), ("acme-llm-2", None),
        }  # fmt: skip
        assert rolled.unpriced_spends(since=since, until=until) == expected
