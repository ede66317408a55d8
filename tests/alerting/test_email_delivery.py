"""Email channels get the opened and the resolved notice, once each."""

from __future__ import annotations

import pytest
from django.core import mail

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import AlertRule, NotificationChannel
from violations import services as violations
from violations.models import Ban

pytestmark = pytest.mark.django_db


def test_it_mails_the_opened_and_resolved_notices(settings, member):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    channel = NotificationChannel.objects.create(name="ops", kind="email", target="ops@example.com, oncall@example.com")
    rule = AlertRule.objects.create(name="ban storm", kind="ban_spike", threshold=0, window_minutes=10)
    rule.channels.add(channel)
    violations.ban(user=member, duration_ms=60_000, reason="test")

    evaluate_all()
    evaluate_all()
    Ban.objects.all().delete()
    evaluate_all()

    assert [message.subject.split("]")[0] for message in mail.outbox] == ["[WARNING", "[RESOLVED"]
    assert mail.outbox[0].to == ["ops@example.com", "oncall@example.com"]
