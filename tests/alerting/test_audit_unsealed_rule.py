"""The audit_unsealed rule: how long the oldest audit event has waited for the sealer (the window in which the
hash chain does not protect it yet); it fires when sealing stops and resolves once the events are sealed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from auditlog import sealing
from auditlog.services import record
from chatmon.alerting.evaluation import evaluate
from chatmon.alerting.models import AlertRule
from chatmon.alerting.values import measure

pytestmark = pytest.mark.django_db


def test_it_measures_nothing_waiting_as_zero():
    record(action="auth.login", actor="job:seed")
    sealing.seal()

    assert measure(AlertRule(kind="audit_unsealed", threshold=60)) == 0


def test_it_opens_an_incident_when_sealing_falls_behind_and_resolves_once_sealed(make_rule, receiver):
    rule = make_rule("audit_unsealed", threshold=60)
    with time_machine.travel(timezone.now() - dt.timedelta(seconds=120), tick=False):
        record(action="auth.login", actor="job:seed")  # written two minutes ago, the sealer never came
    record(action="auth.login", actor="job:seed")

    assert 119 <= measure(rule) < 130
    assert evaluate(rule) == "opened"
    assert rule.incidents.get().resolved_at is None

    sealing.seal()
    assert measure(rule) == 0
    assert evaluate(rule) == "resolved"
