"""What counts as a spend (prompt and completion rows, whatever their context; never `credits` rows), and the
spend figures other apps read through ledger.selectors."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest

from ledger import selectors, services
from ledger.models import Transaction

pytestmark = pytest.mark.django_db

TEN = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def row(user, token_type: str, at: dt.datetime, *, tokens: float = 0, credits: float = 0, model="gpt-4o"):
    return Transaction.objects.create(user=user, token_type=token_type, model=model, context="message",
                                      raw_amount=-tokens, token_value=-credits, created_at=at)  # fmt: skip


def test_it_counts_prompt_and_completion_rows_as_spends_and_no_credits_row(member, balances_on):
    services.grant_credits(user=member, amount=1_000_000, reason="funds")
    spent = services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100, completion_tokens=50)
    services.spend_tokens(user=member, model="gpt-4o", completion_tokens=10, context="incomplete")
    assert sorted(Transaction.objects.spends().values_list("token_type", "context")) == [
        ("completion", "incomplete"), ("completion", "message"), ("prompt", "message"),
    ]  # fmt: skip
    charged = -sum(Transaction.objects.spends().values_list("token_value", flat=True))
    assert charged > -(spent.prompt.token_value + spent.completion.token_value) > 0
    assert selectors.credits_spent(since=spent.prompt.created_at - timedelta(seconds=1)) == pytest.approx(charged)


def test_it_sums_the_credits_spent_since_a_moment(member, operator):
    row(member, "prompt", TEN, credits=100)
    row(member, "completion", TEN + timedelta(minutes=30), credits=40)
    row(operator, "prompt", TEN + timedelta(minutes=50), credits=7)
    row(member, "credits", TEN + timedelta(minutes=40), credits=-5000)  # a grant, not a spend
    assert selectors.credits_spent(since=TEN + timedelta(minutes=1)) == 47
    assert selectors.credits_spent(since=TEN + timedelta(hours=1)) == 0


def test_it_groups_spends_per_hour_and_model(member, operator):
    row(member, "prompt", TEN, tokens=100, credits=250)
    row(member, "completion", TEN + timedelta(minutes=5), tokens=20, credits=200)
    row(operator, "prompt", TEN + timedelta(minutes=59), tokens=10, credits=25)
    row(member, "prompt", TEN + timedelta(hours=1), tokens=1, credits=3, model="claude")
    row(member, "completion", TEN + timedelta(hours=1), tokens=2, credits=4, model=None)
    row(member, "credits", TEN, credits=-9999)
    rows = sorted(selectors.spends_by_model_hour(since=TEN), key=lambda r: (r["hour"], r["model"] or ""))
    assert rows == [
        {"hour": TEN, "model": "gpt-4o", "prompt": 110, "completion": 20, "credits": 475, "requests": 2},
        {"hour": TEN + timedelta(hours=1), "model": None, "prompt": None, "completion": 2, "credits": 4,
         "requests": 0},
        {"hour": TEN + timedelta(hours=1), "model": "claude", "prompt": 1, "completion": None, "credits": 3,
         "requests": 1},
    ]  # fmt: skip
    assert [r["hour"] for r in selectors.spends_by_model_hour(since=TEN + timedelta(hours=1))] == [
        TEN + timedelta(hours=1)
    ] * 2


def test_it_groups_spends_per_day_and_user(member, operator):
    row(member, "prompt", TEN, tokens=100, credits=250)
    row(member, "completion", TEN + timedelta(hours=3), tokens=20, credits=200)
    row(member, "prompt", TEN + timedelta(days=1), tokens=5, credits=5)
    row(operator, "credits", TEN, credits=-100)
    rows = sorted(selectors.spends_by_user_day(since=TEN), key=lambda r: r["day"])
    assert rows == [
        {"day": TEN.date(), "user_id": member.pk, "tokens": 120, "credits": 450, "requests": 1,
         "first_at": TEN, "last_at": TEN + timedelta(hours=3)},
        {"day": TEN.date() + timedelta(days=1), "user_id": member.pk, "tokens": 5, "credits": 5, "requests": 1,
         "first_at": TEN + timedelta(days=1), "last_at": TEN + timedelta(days=1)},
    ]  # fmt: skip
