"""A silenced rule records its incidents but sends nothing; the admin silences rules and says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import AlertRule, Delivery, Incident
from tests.alerting.test_webhook_delivery import spike
from violations.models import Violation

pytestmark = pytest.mark.django_db


def events(receiver) -> list[str]:
    return [body["chatmon"]["event"] for body in receiver.bodies]


def test_it_records_the_incident_of_a_silenced_rule_without_a_notice(make_rule, receiver, clock):
    make_rule("violation_spike", threshold=0, window_minutes=60, silenced_until=timezone.now() + dt.timedelta(hours=1))
    spike(1)

    assert evaluate_all()["opened"] == 1
    Violation.objects.all().delete()
    clock(minutes=1)
    assert evaluate_all()["resolved"] == 1

    incident = Incident.objects.get()
    assert receiver.bodies == [] and not incident.deliveries.exists()
    assert incident.silenced_at is not None and incident.opened_notified_at is None


def test_it_announces_an_incident_still_open_when_the_silence_ends(make_rule, receiver, clock):
    make_rule("violation_spike", threshold=0, window_minutes=120, silenced_until=timezone.now() + dt.timedelta(hours=1))
    spike(1)
    evaluate_all()

    clock(minutes=61)
    evaluate_all()
    evaluate_all()

    assert events(receiver) == ["opened"]


def test_it_drops_the_retries_of_a_rule_silenced_meanwhile(make_rule, receiver, clock):
    rule = make_rule("violation_spike", threshold=0, window_minutes=60)
    receiver.status = 500
    spike(1)
    evaluate_all()
    AlertRule.objects.filter(pk=rule.pk).update(silenced_until=timezone.now() + dt.timedelta(hours=1))

    clock(minutes=2)
    evaluate_all()

    assert events(receiver) == ["opened"]  # only the first, failed attempt
    assert Delivery.objects.get().status == "silenced"


def test_it_silences_a_rule_from_the_admin_and_shows_it(client, operator, make_rule, receiver):
    rule = make_rule("violation_spike", threshold=0)
    client.force_login(operator)

    client.post("/admin/chatmon_alerting/alertrule/", {"action": "silence_1h", "_selected_action": [rule.pk]})

    rule.refresh_from_db()
    assert timezone.now() + dt.timedelta(minutes=59) < rule.silenced_until <= timezone.now() + dt.timedelta(hours=1)
    assert "silenced until" in client.get("/admin/chatmon_alerting/alertrule/").content.decode()
    spike(1)
    evaluate_all()
    assert receiver.bodies == []

    client.post("/admin/chatmon_alerting/alertrule/", {"action": "unsilence", "_selected_action": [rule.pk]})
    evaluate_all()
    assert events(receiver) == ["opened"]
