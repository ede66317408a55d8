"""Budget notices at 50/80/100 %: each level once per budget and period (a rerun sends nothing), through the
channels of the budget rules that watch the budget; the budget rule's measure is the highest use %."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from chatmon.alerting import values
from chatmon.alerting.models import AlertRule, NotificationChannel
from chatmon.policies import services
from chatmon.policies.models import Budget, BudgetNotice
from tests.policies.conftest import budget, spend

pytestmark = pytest.mark.django_db(transaction=True)  # notices go out once their claim commits


@pytest.fixture
def budget_rule(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.POLICIES_TIME_ZONE = "UTC"
    channel = NotificationChannel.objects.create(name="finance", kind="email", target="finance@example.com")
    rule = AlertRule.objects.create(name="budgets", kind=AlertRule.Kind.BUDGET_USED, threshold=80)
    rule.channels.add(channel)
    return rule


def test_each_level_is_announced_once_per_period(alice, budget_rule):
    with time_machine.travel(dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC), tick=False):
        budget("service", limit=10000)
        spend(alice, 5000)
        assert services.send_budget_notices() == 1
        spend(alice, 3500)  # 85 %
        assert services.send_budget_notices() == 1
        assert services.send_budget_notices() == 0  # a rerun sends nothing
    assert [m.subject for m in mail.outbox] == [
        "[BUDGET 50 %] service (the service): 5,000.00 credits ($0.0050) of 10,000.00 credits ($0.0100) spent "
        "this month (50.0 %); the period ends 2026-06-01 00:00 UTC.",
        "[BUDGET 80 %] service (the service): 8,500.00 credits ($0.0085) of 10,000.00 credits ($0.0100) spent "
        "this month (85.0 %); the period ends 2026-06-01 00:00 UTC.",
    ]
    with time_machine.travel(dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC), tick=False):
        spend(alice, 5000)
        assert services.send_budget_notices() == 1  # a new month: 50 % again
    assert BudgetNotice.objects.count() == 3


def test_a_rule_watching_another_budget_gets_no_notice(alice, budget_rule):
    budget_rule.subject = "some other budget"
    budget_rule.save()
    budget("service", limit=10000)
    spend(alice, 10000)

    assert services.send_budget_notices() == 3  # claimed (and listed in the admin) but sent to no channel
    assert mail.outbox == []


def test_the_budget_rule_reads_the_highest_use(alice, budget_rule, research):
    alice.groups.add(research)
    budget("service", limit=100000)
    budget("research", scope=Budget.Scope.GROUP, group=research, limit=5000)
    spend(alice, 2500)

    reading = values.reading(budget_rule)

    assert (reading.value, reading.about) == (50.0, "budget research")
    budget_rule.subject = "service"
    assert values.reading(budget_rule).value == 2.5
