"""keep_firing_minutes holds an incident open through short quiet spells; repeat_minutes re-sends its notice
while it stays open, once per interval however many evaluations run; escalate_after_minutes also pages the
escalation channels once."""

from __future__ import annotations

import datetime as dt

import pytest

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import Delivery, Incident, NotificationChannel
from tests.alerting.test_webhook_delivery import spike
from violations.models import Violation

pytestmark = pytest.mark.django_db


def events(receiver) -> list[str]:
    return [body["chatmon"]["event"] for body in receiver.bodies]


def test_a_quiet_spell_shorter_than_keep_firing_continues_the_same_incident(make_rule, receiver, clock):
    make_rule("violation_spike", threshold=0, window_minutes=60, keep_firing_minutes=3)
    spike(1)
    assert evaluate_all()["opened"] == 1

    Violation.objects.all().delete()  # quiet for two minutes...
    for _ in range(2):
        clock(minutes=1)
        assert evaluate_all()["keeping"] == 1
    spike(1)  # ...then breaching again: the same incident, no new notice, and the quiet clock starts over
    clock(minutes=1)
    assert evaluate_all()["firing"] == 1
    assert Incident.objects.get().quiet_since is None

    Violation.objects.all().delete()
    outcomes = []
    for _ in range(4):
        clock(minutes=1)
        summary = evaluate_all()
        outcomes.append(next((k for k in ("keeping", "resolved") if summary[k]), summary))
    assert outcomes == ["keeping", "keeping", "keeping", "resolved"]  # resolved 3 minutes into the quiet spell
    assert Incident.objects.count() == 1
    assert events(receiver) == ["opened", "resolved"]


def test_without_keep_firing_the_first_quiet_evaluation_resolves(make_rule, receiver):
    make_rule("violation_spike", threshold=0, window_minutes=60)
    spike(1)
    evaluate_all()
    Violation.objects.all().delete()
    assert evaluate_all()["resolved"] == 1


def test_an_open_incident_is_announced_again_every_repeat_interval(make_rule, receiver, clock):
    make_rule("violation_spike", threshold=0, window_minutes=600, repeat_minutes=30)
    spike(2)
    evaluate_all()
    for _ in range(7):  # 70 minutes of evaluations, each run twice (a rerun must not send it again)
        clock(minutes=10)
        evaluate_all()
        evaluate_all()
    assert events(receiver) == ["opened", "reminder", "reminder"]  # at 30 and 60 minutes
    reminder = receiver.bodies[1]
    assert reminder["text"].startswith("[WARNING, STILL FIRING] violation_spike rule:")
    assert "open for 30 min" in reminder["text"]
    assert Delivery.objects.filter(event="reminder", status="sent").count() == 2


def test_no_reminders_while_silenced_or_without_an_interval(make_rule, receiver, clock):
    rule = make_rule("violation_spike", threshold=0, window_minutes=600)
    spike(1)
    evaluate_all()
    clock(minutes=120)
    evaluate_all()
    assert events(receiver) == ["opened"]

    rule.repeat_minutes = 30
    rule.silenced_until = rule.incidents.get().opened_at + dt.timedelta(days=1)
    rule.save()
    clock(minutes=60)
    evaluate_all()
    assert events(receiver) == ["opened"]


def test_an_incident_firing_long_enough_is_escalated_once_and_its_resolution_follows(make_rule, receiver, clock):
    pager = NotificationChannel.objects.create(name="pager", kind="webhook", target=receiver.url + "?pager")
    rule = make_rule("violation_spike", threshold=0, window_minutes=600, escalate_after_minutes=15)
    rule.escalation_channels.add(pager)
    spike(1)
    evaluate_all()
    clock(minutes=10)
    evaluate_all()
    assert events(receiver) == ["opened"]  # not yet: 10 of 15 minutes
    for _ in range(3):  # 20, 30, 40 minutes, each evaluation run twice: escalated once
        clock(minutes=10)
        evaluate_all()
        evaluate_all()
    assert events(receiver) == ["opened", "escalated"]
    escalation = Delivery.objects.get(event="escalated")
    assert escalation.channel == pager and escalation.status == "sent"
    assert receiver.bodies[1]["text"].startswith("[WARNING, ESCALATED] violation_spike rule:")

    Violation.objects.all().delete()
    evaluate_all()
    resolved = Delivery.objects.filter(event="resolved").order_by("channel__name")
    assert [d.channel.name for d in resolved] == ["ops-slack", "pager"]  # whoever was paged hears it ended
    assert events(receiver) == ["opened", "escalated", "resolved", "resolved"]


def test_an_incident_resolved_before_the_delay_is_never_escalated(make_rule, receiver, clock):
    pager = NotificationChannel.objects.create(name="pager", kind="webhook", target=receiver.url)
    rule = make_rule("violation_spike", threshold=0, window_minutes=600, escalate_after_minutes=15)
    rule.escalation_channels.add(pager)
    spike(1)
    evaluate_all()
    clock(minutes=5)
    Violation.objects.all().delete()
    evaluate_all()
    assert events(receiver) == ["opened", "resolved"]
    assert not Delivery.objects.filter(channel=pager).exists()
