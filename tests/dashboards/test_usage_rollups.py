"""The usage rollup job: rows match the raw ledger and violation rows, and a rerun or a concurrent run
changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from chatmon.dashboards.models import ModelUsageHour, RollupCursor, UserUsageDay, ViolationHour
from chatmon.dashboards.rollups import roll_up
from ledger import services as ledger
from ledger.models import Transaction

pytestmark = pytest.mark.django_db


def snapshot() -> list:
    return [
        sorted(ModelUsageHour.objects.values_list("hour", "model", "prompt_tokens", "completion_tokens", "credits")),
        sorted(UserUsageDay.objects.values_list("day", "user_id", "tokens", "credits", "requests")),
        sorted(ViolationHour.objects.values_list("hour", "type", "count", "score")),
    ]


def test_it_sums_tokens_and_credits_per_model_and_per_user(member, operator):
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=1000, completion_tokens=200)
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=10, completion_tokens=5)
    ledger.spend_tokens(user=operator, model="claude-sonnet-4", prompt_tokens=300, completion_tokens=30)
    ledger.grant_credits(user=member, amount=1000, reason="not usage")

    roll_up()

    gpt = ModelUsageHour.objects.get(model="gpt-4o")
    assert (gpt.prompt_tokens, gpt.completion_tokens, gpt.requests) == (1010, 205, 2)
    spent = -Transaction.objects.filter(model="gpt-4o").aggregate(v=Sum("token_value"))["v"]
    assert gpt.credits == pytest.approx(spent)
    mine = UserUsageDay.objects.get(user=member)
    assert (mine.tokens, mine.requests) == (1215, 2)


def test_it_changes_nothing_when_run_twice(member):
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100, completion_tokens=20)
    roll_up()
    first = snapshot()

    roll_up()

    assert snapshot() == first


def test_it_skips_while_another_run_holds_the_cursor(member):
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100, completion_tokens=20)
    RollupCursor.objects.create(name="usage", lease_until=timezone.now() + dt.timedelta(minutes=1))

    assert "skipped" in roll_up()
    assert not ModelUsageHour.objects.exists()


def test_it_takes_over_a_lease_left_by_a_crashed_run(member):
    ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100, completion_tokens=20)
    RollupCursor.objects.create(name="usage", lease_until=timezone.now() - dt.timedelta(seconds=1))

    roll_up()

    assert ModelUsageHour.objects.get(model="gpt-4o").prompt_tokens == 100
    assert RollupCursor.objects.get(name="usage").lease_until is None


def test_it_adds_spends_committed_late_into_the_hour_they_belong_to(member):
    roll_up()
    row = ledger.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100, completion_tokens=20).prompt
    an_hour_ago = timezone.now() - dt.timedelta(minutes=50)
    Transaction.objects.filter(pk=row.pk).update(created_at=an_hour_ago)

    roll_up()

    hour = an_hour_ago.replace(minute=0, second=0, microsecond=0)
    assert ModelUsageHour.objects.get(model="gpt-4o", hour=hour).prompt_tokens == 100
