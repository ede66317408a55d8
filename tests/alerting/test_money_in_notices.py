"""A spend alert's notice reads its figures as the dashboards do: credits with separators and their price in
the display currency; other rules keep plain numbers."""

from __future__ import annotations

import pytest

from chatmon.alerting import notify
from chatmon.alerting.models import AlertRule, Incident

pytestmark = pytest.mark.django_db


def incident(kind: str, value: float) -> Incident:
    rule = AlertRule.objects.create(name=kind, kind=kind, threshold=2_000_000, window_minutes=10)
    return Incident.objects.create(rule=rule, value=value, peak_value=value * 2, last_value=value, summary="test")


def test_a_spend_notice_shows_credits_and_money():
    text = notify.message(incident(AlertRule.Kind.SPEND_PER_HOUR, 2_500_000), notify.REMINDER)

    assert "now 2,500,000.00 credits ($2.50) per hour" in text
    assert "peak 5,000,000.00 credits ($5.00) per hour" in text


def test_other_notices_keep_plain_numbers(settings):
    settings.LEDGER_DISPLAY_CURRENCY = "EUR"
    text = notify.message(incident(AlertRule.Kind.BAN_SPIKE, 3), notify.RESOLVED)

    assert "peak 6)" in text and "credits" not in text
