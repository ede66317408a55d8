"""A rule with a `for` duration stays pending until it has breached that long; a dip starts the wait over."""

from __future__ import annotations

import pytest

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import AlertRule, Incident
from tests.alerting.test_webhook_delivery import spike
from violations.models import Violation

pytestmark = pytest.mark.django_db


def test_it_opens_only_after_breaching_for_the_whole_duration(make_rule, receiver, clock):
    make_rule("violation_spike", threshold=0, window_minutes=60, for_minutes=3)
    spike(1)

    outcomes = []
    for _ in range(3):
        outcomes.append(evaluate_all()["pending"])
        clock(minutes=1)
    assert outcomes == [1, 1, 1]
    assert not Incident.objects.exists() and receiver.bodies == []

    assert evaluate_all()["opened"] == 1  # three minutes after the first breach
    assert [body["chatmon"]["event"] for body in receiver.bodies] == ["opened"]


def test_it_starts_over_when_one_evaluation_is_quiet(make_rule, receiver, clock):
    rule = make_rule("violation_spike", threshold=0, window_minutes=60, for_minutes=2)
    spike(1)
    evaluate_all()
    clock(minutes=1)
    Violation.objects.all().delete()  # one quiet minute
    evaluate_all()
    assert AlertRule.objects.get(pk=rule.pk).pending_since is None

    spike(1)
    clock(minutes=1)
    evaluate_all()
    clock(minutes=1)
    assert evaluate_all()["pending"] == 1  # only one minute into the new breach
    clock(minutes=1)
    assert evaluate_all()["opened"] == 1


def test_it_opens_at_once_without_a_duration(make_rule, receiver):
    make_rule("violation_spike", threshold=0)
    spike(1)

    assert evaluate_all()["opened"] == 1
