"""The admin edits one balance's refill rule (and nothing else), validated, through the service, audited."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine

from auditlog.models import AuditEvent
from ledger.models import Balance

pytestmark = pytest.mark.django_db

VALID = {
    "auto_refill_enabled": "on",
    "refill_amount": "5000",
    "refill_interval_value": "30",
    "refill_interval_unit": "days",
    "refill_schedule": "monthly",
    "refill_time": "06:00",
    "refill_weekday": "",
    "refill_day": "31",
}


@pytest.fixture
def page(client, operator, funded):
    client.force_login(operator)
    balance = Balance.objects.get(user=funded)
    return client, f"/admin/ledger/balance/{balance.pk}/change/", balance


def test_it_sets_a_monthly_schedule_and_derives_the_next_refill(page, settings):
    client, url, balance = page
    settings.LEDGER_REFILL_TIME_ZONE = "America/New_York"
    with time_machine.travel(datetime(2026, 2, 10, 12, 0, tzinfo=UTC), tick=False):
        Balance.objects.filter(pk=balance.pk).update(last_refill=datetime(2026, 2, 10, 12, 0, tzinfo=UTC))
        response = client.post(url, {**VALID, "token_credits": "999999999"})
    assert response.status_code == 302, response.content.decode()[:2000]
    balance.refresh_from_db()
    assert (balance.refill_schedule, balance.refill_day, balance.refill_time) == ("monthly", 31, time(6, 0))
    assert balance.token_credits == 1_000_000  # credits are not a field of this form
    # The 31st in February is its last day: Feb 28 06:00 in New York is 11:00 UTC.
    assert balance.next_refill_at == datetime(2026, 2, 28, 11, 0, tzinfo=UTC)
    # The page shows it in the schedule's own zone, named.
    assert "2026-02-28 06:00:00 America/New_York" in client.get(url).content.decode()
    event = AuditEvent.objects.filter(action="admin.changed").latest("pk")
    assert (event.target_type.model, event.target_id) == ("balance", str(balance.pk))
    [change] = event.metadata["changes"]
    assert {"Refill schedule", "Refill day", "Refill time", "Refill amount"} <= set(change["changed"]["fields"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"refill_schedule": "weekly", "refill_weekday": ""}, "A weekly schedule needs a weekday."),
        ({"refill_schedule": "monthly", "refill_day": ""}, "A monthly schedule needs a day of the month."),
        ({"refill_day": "32"}, "Enter a day from 1 to 31."),
        ({"refill_time": "25:61"}, "Enter a valid time."),
        ({"refill_schedule": "hourly"}, "Select a valid choice."),
        ({"refill_amount": "1e400"}, "Enter a number."),
        ({"refill_amount": "-1"}, "Enter a number of credits from 0"),
        ({"refill_interval_value": "99999999"}, "Enter a whole number from 0 to 36,500."),
    ],
)
def test_it_refuses_a_bad_schedule_with_a_form_error(page, changes, message):
    client, url, balance = page
    response = client.post(url, {**VALID, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    balance.refresh_from_db()
    assert balance.refill_schedule == ""


def test_fields_the_kind_does_not_use_are_cleared(page):
    client, url, balance = page
    response = client.post(url, {**VALID, "refill_schedule": "", "refill_weekday": "3"})
    assert response.status_code == 302
    balance.refresh_from_db()
    assert (balance.refill_schedule, balance.refill_time, balance.refill_weekday, balance.refill_day) == (
        "",
        None,
        None,
        None,
    )
