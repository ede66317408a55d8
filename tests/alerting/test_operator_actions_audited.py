"""Operator actions on alerting write one audit event per row, in the transaction that makes the change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from auditlog.models import AuditEvent
from chatmon.alerting import services
from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import AlertRule, Incident
from tests.alerting.test_webhook_delivery import spike

pytestmark = pytest.mark.django_db

RULES = "/admin/chatmon_alerting/alertrule/"


def audited(action: str) -> list[tuple]:
    events = AuditEvent.objects.filter(action=action).order_by("seq")
    return [(event.actor_id, event.target_id, event.target_repr) for event in events]


@pytest.mark.parametrize(
    ("admin_action", "action"),
    [
        ("silence_1h", "alerting.rule_silenced"),
        ("silence_1d", "alerting.rule_silenced"),
        ("unsilence", "alerting.rule_unsilenced"),
    ],
)
def test_it_audits_each_rule_silenced_or_unsilenced(client, operator, make_rule, admin_action, action):
    rules = [make_rule("violation_spike", threshold=1), make_rule("error_rate", threshold=5)]
    client.force_login(operator)

    response = client.post(RULES, {"action": admin_action, "_selected_action": [rule.pk for rule in rules]})

    assert response.status_code == 302
    assert sorted(audited(action)) == sorted((operator.pk, str(rule.pk), str(rule)) for rule in rules)
    assert AuditEvent.objects.filter(domain="alerting").count() == 2
    silenced = [rule.is_silenced() for rule in AlertRule.objects.all()]
    assert silenced == [admin_action != "unsilence"] * 2


def test_it_records_the_silence_before_and_after(client, operator, make_rule):
    rule = make_rule("violation_spike", threshold=1)
    client.force_login(operator)

    client.post(RULES, {"action": "silence_1h", "_selected_action": [rule.pk]})
    client.post(RULES, {"action": "unsilence", "_selected_action": [rule.pk]})

    silenced = AuditEvent.objects.get(action="alerting.rule_silenced").metadata["silenced_until"]
    ended = AuditEvent.objects.get(action="alerting.rule_unsilenced").metadata["silenced_until"]
    assert silenced[0] is None and silenced[1] == ended[0] and ended[1] is None


def test_it_audits_each_notice_resent(client, operator, make_rule, receiver, django_capture_on_commit_callbacks):
    make_rule("violation_spike", threshold=0)
    spike(1)
    evaluate_all()
    incident = Incident.objects.get()
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):  # the notices go out when the action commits
        client.post("/admin/chatmon_alerting/incident/", {"action": "resend_notice", "_selected_action": [incident.pk]})

    assert audited("alerting.notice_resent") == [(operator.pk, str(incident.pk), str(incident))]
    assert AuditEvent.objects.get(action="alerting.notice_resent").metadata == {"event": "opened"}
    assert [body["chatmon"]["event"] for body in receiver.bodies] == ["opened", "opened"]


def test_a_failure_after_silencing_rolls_back_the_silence_and_its_event(operator, make_rule):
    rule = make_rule("violation_spike", threshold=1)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.silence(rules=[rule], until=timezone.now() + dt.timedelta(hours=1), actor=operator)
        raise RuntimeError("after the service")

    assert AlertRule.objects.get().silenced_until is None
    assert not AuditEvent.objects.filter(domain="alerting").exists()


def test_a_failure_after_unsilencing_rolls_back_the_change_and_its_event(operator, make_rule):
    until = timezone.now() + dt.timedelta(hours=1)
    make_rule("violation_spike", threshold=1, silenced_until=until)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.unsilence(rules=AlertRule.objects.all(), actor=operator)
        raise RuntimeError("after the service")

    assert AlertRule.objects.get().silenced_until == until
    assert not AuditEvent.objects.filter(domain="alerting").exists()


def test_a_failure_after_resending_rolls_back_the_reset_and_its_event_and_sends_nothing(operator, make_rule, receiver):
    make_rule("violation_spike", threshold=0)
    spike(1)
    evaluate_all()
    notified = Incident.objects.get().opened_notified_at
    sent = len(receiver.bodies)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.resend_notice(incidents=Incident.objects.select_related("rule"), actor=operator)
        raise RuntimeError("after the service")

    assert Incident.objects.get().opened_notified_at == notified
    assert not AuditEvent.objects.filter(domain="alerting").exists()
    assert len(receiver.bodies) == sent
