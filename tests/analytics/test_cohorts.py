"""Cohort triangles against a hand-computed table, the job's JobRun, and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.test import Client

from chatmon.analytics import cohorts
from chatmon.analytics.models import CohortCell, SignInPlace
from ledger import services
from tests.factories import OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
TODAY = dt.date(2026, 11, 25)  # a Wednesday; its week starts on Monday 23 November


def joined(day: dt.date, name: str):
    return UserFactory(username=name, date_joined=dt.datetime.combine(day, dt.time(12), tzinfo=UTC))


def spend_on(user, day: dt.date) -> None:
    with time_machine.travel(dt.datetime.combine(day, dt.time(13), tzinfo=UTC), tick=False):
        services.spend_tokens(user=user, model="gpt-4o", prompt_tokens=10, completion_tokens=5)


def fixture_users() -> None:
    """Week of 9 Nov: ann, bob, cy joined. Week of 16 Nov: dee joined. Activity:
    ann spends in weeks 0, 1 and 2 (after joining); bob signs in in week 1 only; cy never comes back;
    dee spends in her week 0 and week 1."""
    ann, bob, _ = joined(dt.date(2026, 11, 9), "ann"), joined(dt.date(2026, 11, 10), "bob"), joined(
        dt.date(2026, 11, 13), "cy")  # fmt: skip
    dee = joined(dt.date(2026, 11, 18), "dee")
    for day in (dt.date(2026, 11, 9), dt.date(2026, 11, 17), dt.date(2026, 11, 24)):
        spend_on(ann, day)
    SignInPlace.objects.create(user=bob, day=dt.date(2026, 11, 19), country="GB", count=1)
    spend_on(dee, dt.date(2026, 11, 18))
    spend_on(dee, dt.date(2026, 11, 23))


def test_the_weekly_triangle_matches_the_hand_computed_table(balances_on):
    fixture_users()
    cohorts.compute(today=TODAY)
    table = {cohort: (size, shares) for cohort, size, shares in cohorts.triangle("week")}
    # cohort of 9 Nov: 3 users; week 0: ann (1/3); week 1: ann, bob (2/3); week 2: ann (1/3)
    assert table[dt.date(2026, 11, 9)] == (3, [pytest.approx(1 / 3), pytest.approx(2 / 3), pytest.approx(1 / 3)])
    # cohort of 16 Nov: dee; week 0 and week 1 active
    assert table[dt.date(2026, 11, 16)] == (1, [1.0, 1.0])
    monthly = cohorts.triangle("month")
    assert monthly[0][0] == dt.date(2026, 11, 1) and monthly[0][1] == 4
    assert monthly[0][2] == [0.75]  # ann, bob and dee were active in November; cy never was


def test_a_rerun_replaces_the_cells(balances_on):
    fixture_users()
    first = cohorts.compute(today=TODAY)
    assert cohorts.compute(today=TODAY) == first
    assert CohortCell.objects.count() == sum(first.values())


def test_the_csv_is_newest_cohort_first_and_needs_the_permission(balances_on):
    fixture_users()
    cohorts.compute(today=TODAY)
    staff = OperatorFactory(is_superuser=False)
    client = Client()
    client.force_login(staff)
    assert client.get("/analytics/cohorts/week.csv").status_code == 403
    client.force_login(OperatorFactory(username="root", is_superuser=True))
    response = client.get("/analytics/cohorts/week.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["cohort", "users", "week 0", "week 1", "week 2"]
    assert rows[1][:2] == ["2026-11-16", "1"] and rows[2][:5] == ["2026-11-09", "3", "0.3333", "0.6667", "0.3333"]
    assert client.get("/analytics/cohorts/fortnight.csv").status_code == 404


def test_the_beat_job_records_a_job_run_with_its_summary(balances_on):
    from chatmon.analytics.tasks import compute_cohorts
    from chatmon.core.models import JobRun

    fixture_users()
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(12), tzinfo=UTC), tick=False):
        summary = compute_cohorts.apply().get()
    run = JobRun.objects.get(task="chatmon.analytics.compute_cohorts")
    assert run.status == JobRun.Status.SUCCESS and run.summary == summary
    assert CohortCell.objects.count() == summary["week"] + summary["month"] > 0
