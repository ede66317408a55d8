"""An incident is announced once to a real webhook receiver in Slack's JSON, and once more when it resolves."""

from __future__ import annotations

import pytest

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import Incident
from violations import services as violations
from violations.models import Violation
from violations.types import ViolationType

pytestmark = pytest.mark.django_db


def spike(count: int) -> None:
    for i in range(count):
        violations.log_violation(type=ViolationType.LOGINS, ip=f"198.51.100.{i + 1}", score=1)


def test_it_notifies_once_per_incident_and_once_on_resolution(make_rule, receiver):
    make_rule("violation_spike", threshold=3, window_minutes=5, severity="critical")
    spike(5)

    assert evaluate_all()["opened"] == 1
    evaluate_all()  # still firing: no second notice
    evaluate_all()
    assert len(receiver.bodies) == 1
    opened = receiver.bodies[0]
    assert opened["text"].startswith("[CRITICAL] violation_spike rule:")
    assert opened["attachments"][0]["color"] == "danger"
    assert opened["chatmon"]["event"] == "opened"

    Violation.objects.all().delete()  # the spike is over
    assert evaluate_all()["resolved"] == 1
    evaluate_all()

    assert [body["chatmon"]["event"] for body in receiver.bodies] == ["opened", "resolved"]
    assert receiver.bodies[1]["text"].startswith("[RESOLVED]")
    incident = Incident.objects.get()
    assert incident.resolved_at is not None and incident.peak_value == 5
    assert [(d.event, d.status, d.attempts) for d in incident.deliveries.all()] == [
        ("opened", "sent", 1),
        ("resolved", "sent", 1),
    ]


def test_it_records_a_failed_delivery_in_the_incident(make_rule, receiver):
    receiver.status = 500
    make_rule("violation_spike", threshold=0)
    spike(1)

    evaluate_all()

    incident = Incident.objects.get()
    delivery = incident.deliveries.get()
    assert "500" in delivery.last_error and delivery.status == "pending" and delivery.attempts == 1
    assert incident.opened_notified_at is not None
