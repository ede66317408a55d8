"""Operators edit rules and channels in the admin and read incident history; the resend action sends again."""

from __future__ import annotations

import pytest

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import AlertRule, Incident
from tests.alerting.test_webhook_delivery import spike

pytestmark = pytest.mark.django_db


def test_it_creates_a_rule_and_lists_incidents(client, operator, webhook):
    client.force_login(operator)
    response = client.post("/admin/chatmon_alerting/alertrule/add/", {
        "name": "too many errors", "kind": "error_rate", "threshold": "5", "window_minutes": "10", "for_minutes": "3",
        "keep_firing_minutes": "5", "repeat_minutes": "60", "escalate_after_minutes": "30", "severity": "critical",
        "enabled": "on", "channels": [webhook.pk], "escalation_channels": [webhook.pk],
    })  # fmt: skip
    assert response.status_code == 302
    assert AlertRule.objects.get(name="too many errors").channels.get() == webhook
    rule = AlertRule.objects.get(name="too many errors")
    assert (rule.for_minutes, rule.keep_firing_minutes, rule.repeat_minutes) == (3, 5, 60)
    assert (rule.escalate_after_minutes, list(rule.escalation_channels.all())) == (30, [webhook])

    assert client.get("/admin/chatmon_alerting/incident/?state=open").status_code == 200
    assert client.get("/admin/chatmon_alerting/notificationchannel/").status_code == 200


def test_it_resends_a_notice_from_the_admin(client, operator, make_rule, receiver, django_capture_on_commit_callbacks):
    make_rule("violation_spike", threshold=0)
    spike(1)
    evaluate_all()
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):  # the notices go out when the action commits
        client.post(
            "/admin/chatmon_alerting/incident/",
            {"action": "resend_notice", "_selected_action": [Incident.objects.get().pk]},
        )

    assert [body["chatmon"]["event"] for body in receiver.bodies] == ["opened", "opened"]
    incident = Incident.objects.get()
    assert incident.deliveries.filter(status="sent").count() == 2
    page = client.get(f"/admin/chatmon_alerting/incident/{incident.pk}/change/").content.decode()
    assert "ops-slack" in page and "sent" in page  # each delivery, shown on the incident
