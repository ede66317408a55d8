"""A budget notice the receiver refuses is retried by the evaluations that follow, with the backoff and the
bounded attempts of an incident's notices, and sent once when the receiver recovers."""

from __future__ import annotations

import pytest

from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import AlertRule, BudgetDelivery
from chatmon.policies import services
from tests.factories import UserFactory
from tests.policies.conftest import budget, spend

pytestmark = pytest.mark.django_db(transaction=True)  # notices go out once their claim commits


@pytest.fixture
def half_spent(webhook, settings):
    """A service budget at 50 % whose budget rule (never firing itself: threshold 1,000 %) names the webhook."""
    settings.POLICIES_SPEND_CACHE_SECONDS = 0
    settings.POLICIES_TIME_ZONE = "UTC"
    rule = AlertRule.objects.create(name="budgets", kind=AlertRule.Kind.BUDGET_USED, threshold=1000)
    rule.channels.add(webhook)
    budget("service", limit=10000)
    spend(UserFactory(username="spender"), 5000)


def levels(receiver) -> list[int]:
    return [body["chatmon"]["level"] for body in receiver.bodies]


def test_a_refused_budget_notice_is_retried_after_the_backoff_and_sent_once(half_spent, receiver, clock):
    receiver.statuses = [503]  # down for the first attempt, then up

    assert services.send_budget_notices() == 1
    delivery = BudgetDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1) and "503" in delivery.last_error
    clock(seconds=30)
    assert evaluate_all()["retried"] == 0  # the first retry waits a minute
    clock(seconds=31)
    assert evaluate_all()["delivered"] == 1
    clock(minutes=10)
    evaluate_all()
    assert services.send_budget_notices() == 0  # the level was claimed: nothing queued again

    assert levels(receiver) == [50, 50]  # the refused attempt, then the retry
    assert receiver.bodies[1]["text"] == receiver.bodies[0]["text"]  # the spend as it was at the crossing
    assert receiver.bodies[1]["text"].startswith("[BUDGET 50 %] service (the service): 5,000.00 credits")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert delivery.sent_at is not None


def test_a_receiver_that_never_recovers_gets_the_configured_attempts(half_spent, receiver, clock, settings):
    settings.ALERTING_DELIVERY_ATTEMPTS = 3
    receiver.status = 500

    services.send_budget_notices()  # attempt 1, retry in 1 min
    for minutes in (1, 2, 4, 8):  # attempt 2 after 1 min, attempt 3 after 2 more, then nothing
        clock(minutes=minutes, seconds=1)
        evaluate_all()

    assert levels(receiver) == [50] * 3
    delivery = BudgetDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert "500" in delivery.last_error


def test_the_admin_lists_each_budget_notices_delivery_read_only(half_spent, receiver, client, operator):
    receiver.statuses = [503]
    services.send_budget_notices()
    client.force_login(operator)

    page = client.get("/admin/chatmon_alerting/budgetdelivery/").content.decode()

    assert "service reached 50 %" in page and "pending (will be attempted)" in page and "503" in page
    delivery = BudgetDelivery.objects.get()
    assert client.post(f"/admin/chatmon_alerting/budgetdelivery/{delivery.pk}/change/", {}).status_code == 403
