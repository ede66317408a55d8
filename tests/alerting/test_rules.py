"""Each rule kind measures what its description says, from the rollups and recent rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chatmon.alerting.evaluation import _open, evaluate
from chatmon.alerting.models import AlertRule, Incident
from chatmon.alerting.values import Reading, measure
from chatmon.core.models import JobRun
from chatmon.monitoring.models import RequestRollup
from ledger import services as ledger
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rule(kind: str, threshold: float = 0, **fields) -> AlertRule:
    return AlertRule.objects.create(name=kind, kind=kind, threshold=threshold, **fields)


def rollup(count: int, errors: int, **buckets) -> None:
    minute = timezone.now().replace(second=0, microsecond=0)
    RequestRollup.objects.create(minute=minute, route="api/chat/", method="POST", count=count, errors=errors, **buckets)


def test_it_measures_the_error_rate_in_percent():
    rollup(200, 10, le_100=200)

    assert measure(rule("error_rate", 2)) == 5.0


def test_it_measures_p95_latency_in_ms():
    rollup(100, 0, le_50=90, le_5000=10)

    assert 2500 < measure(rule("p95_latency", 1000)) <= 5000


def test_it_has_no_value_without_requests():
    assert measure(rule("error_rate", 1)) is None


def test_it_measures_spend_as_credits_per_hour(member):
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=1000, completion_tokens=0)

    per_hour = measure(rule("spend_per_hour", 1, window_minutes=10))

    assert per_hour == pytest.approx(1000 * 2.5 * 6, rel=0.01)  # gpt-4o: 2.5 credits a prompt token


def test_it_finds_a_stale_or_failing_job():
    old = timezone.now() - dt.timedelta(minutes=30)
    JobRun.objects.create(task="chatmon.beat_heartbeat", status="success", started_at=old, finished_at=old)
    JobRun.objects.create(task="chatmon.beat_heartbeat", status="failure", finished_at=timezone.now())

    assert 29 < measure(rule("job_stale", 10, job="chatmon.beat_heartbeat")) < 31
    assert measure(rule("job_failing", 0, job="chatmon.beat_heartbeat")) == 1


def test_it_counts_failing_health_checks():
    # No periodic job has run in this test database, so the beat check fails.
    assert measure(rule("health_failing")) >= 1


def test_it_opens_one_incident_when_two_evaluations_race():
    stale = rule("job_stale", 10, job="chatmon.beat_heartbeat")

    assert evaluate(stale) == "opened"
    # A second evaluation that read "no open incident" just before the first one inserted it:
    assert _open(stale, Reading(float("inf"))) is False
    assert Incident.objects.filter(rule=stale).count() == 1
    assert "never" in Incident.objects.get().summary  # a job that never ran, not a huge number


def test_an_incident_names_what_its_value_is_of_and_spends_read_in_money():
    spender = rule("user_spend", 1_000_000, window_minutes=60)
    bob = UserFactory(username="bob")
    ledger.spend_tokens(user=bob, model="gpt-4o", prompt_tokens=1_000_000)  # 2.5 credits a token
    ledger.spend_tokens(user=UserFactory(), model="gpt-4o", prompt_tokens=1000)  # a smaller spender

    assert evaluate(spender) == "opened"
    summary = Incident.objects.get(rule=spender).summary
    assert summary == (
        "a user spent more than 1,000,000.00 credits ($1.00) in 60 minutes: now 2,500,000.00 credits ($2.50) (user bob)"
    )
