"""Users spending unusually fast: the absolute and the surge kinds, the baseline from the daily rollups, users
without history, the subject naming one user, and the optional spend_anomaly violation (scores and bans)."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest

from chatmon.alerting.evaluation import evaluate
from chatmon.alerting.models import AlertRule, Incident
from chatmon.alerting.values import reading
from chatmon.dashboards.rollups import roll_up
from chatmon.dashboards.selectors import spending
from ledger import services as ledger
from tests.factories import UserFactory
from violations.models import Violation
from violations.services import active_ban

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def spend(user, credits: float) -> None:
    ledger.spend_tokens(user=user, model="gpt-4o", prompt_tokens=credits / 2.5)  # gpt-4o: 2.5 credits a token


@pytest.fixture
def history(time_machine):
    """alice spent 2,400 credits on each of the three days before today (baseline: 7,200 / 72 h = 100 an
    hour), and 50,000 three hours ago today (left out of the baseline); bob never spent before today."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for days in (1, 2, 3):
        time_machine.move_to(NOW - timedelta(days=days))
        spend(alice, 2400)
    time_machine.move_to(NOW - timedelta(hours=3))
    spend(alice, 50_000)
    time_machine.move_to(NOW)
    roll_up(now=NOW)
    return alice, bob


def rule(kind: str, threshold: float, **fields) -> AlertRule:
    name = f"{kind} {threshold} {AlertRule.objects.count()}"
    return AlertRule.objects.create(name=name, kind=kind, threshold=threshold, window_minutes=60, **fields)


def test_the_baseline_is_the_usual_hourly_spend_of_the_whole_days_before_today(history):
    alice, bob = history
    assert spending.baselines([alice.pk, bob.pk], now=NOW) == {alice.pk: 100.0}


def test_a_user_spending_twenty_times_their_usual_rate_fires_the_surge_rule(history):
    alice, _ = history
    spend(alice, 20_000)  # in the last hour: 20,000 an hour against a usual 100

    assert reading(rule("user_spend_surge", 10)) == reading(rule("user_spend_surge", 10, subject="alice"))
    measured = reading(rule("user_spend_surge", 10))
    assert (measured.value, measured.about, measured.subjects) == (200.0, "user alice", (alice.pk,))
    surge = rule("user_spend_surge", 10, subject=str(alice.pk))
    assert evaluate(surge) == "opened"
    assert Incident.objects.get(rule=surge).summary == (
        "a user spends 10 times their usual rate (over 60 minutes): now 200 (user alice)"
    )


def test_a_user_without_history_has_no_baseline_and_is_left_to_the_absolute_rule(history):
    _, bob = history
    spend(bob, 50_000)

    assert reading(rule("user_spend_surge", 10)).value is None
    measured = reading(rule("user_spend", 10_000))
    assert (measured.value, measured.about) == (50_000.0, "user bob")


def test_a_small_spend_is_not_judged_against_a_small_baseline(history, settings):
    alice, _ = history
    spend(alice, 5_000)  # 50 times the usual rate, but only 0.005 USD
    assert reading(rule("user_spend_surge", 10)).value is None
    settings.DASHBOARDS_SURGE_MIN_CREDITS = 1000
    assert reading(rule("user_spend_surge", 10)).value == 50.0


def test_the_absolute_rule_reads_one_user_when_its_subject_names_them(history):
    alice, bob = history
    spend(bob, 30_000)
    spend(alice, 1_000)

    assert reading(rule("user_spend", 1, subject="alice")).value == 1000.0
    assert reading(rule("user_spend", 1)).about == "user bob"
    assert reading(rule("user_spend", 1, subject="nobody")).value is None


def test_a_surge_may_log_a_violation_that_scores_and_bans(history, settings, bans_on):
    alice, _ = history
    settings.ALERTING_SPEND_ANOMALY_VIOLATIONS = True
    settings.VIOLATIONS_SCORES = {**settings.VIOLATIONS_SCORES, "spend_anomaly": 20}
    spend(alice, 20_000)

    assert evaluate(rule("user_spend_surge", 10)) == "opened"

    violation = Violation.objects.get(type="spend_anomaly")
    assert (violation.user_id, violation.score) == (alice.pk, 20)
    assert active_ban(user=alice) is not None


def test_no_violation_is_logged_unless_enabled(history):
    alice, _ = history
    spend(alice, 20_000)
    assert evaluate(rule("user_spend_surge", 10)) == "opened"
    assert not Violation.objects.filter(type="spend_anomaly").exists()


def test_the_abuse_page_lists_the_surge(history, client, operator):
    alice, bob = history
    spend(alice, 20_000)
    spend(bob, 1_000)
    client.force_login(operator)
    lines = client.get("/dashboard/abuse/spend-anomalies.csv").content.decode().splitlines()
    assert lines[0].startswith("user,")
    assert lines[1] == "alice,20000.0,0.02,100.0,200.0"
    assert lines[2] == "bob,1000.0,0.001,,no history"
