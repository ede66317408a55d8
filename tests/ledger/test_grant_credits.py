"""grant_credits: operators add or remove credits; every change is a row; the signal carries the audit facts."""

from __future__ import annotations

import pytest

from ledger import selectors, services, signals
from ledger.models import Balance

pytestmark = pytest.mark.django_db


def test_it_adds_and_removes_credits_with_actor_and_reason(member, operator):
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    signals.credits_granted.connect(receiver)
    try:
        row = services.grant_credits(user=member, amount=5000, actor=operator, reason="welcome")
        services.grant_credits(user=member.pk, amount=-8000, actor=operator, reason="abuse")
    finally:
        signals.credits_granted.disconnect(receiver)
    assert (row.token_type, row.context, row.token_value, row.actor, row.reason) == (
        "credits", "grant", 5000, operator, "welcome"
    )  # fmt: skip
    assert selectors.balance_of(member) == 0
    latest = selectors.transactions_of(member).first()
    assert (latest.balance_before, latest.balance_after, latest.written_off) == (5000, 0, 3000)
    assert [(r["user"], r["user_id"], r["amount"], r["actor"], r["reason"], r["balance"]) for r in received] == [
        (member, member.pk, 5000, operator, "welcome", 5000),
        (member, member.pk, -8000, operator, "abuse", 0),
    ]
    assert received[0]["transaction"] == row


def test_it_applies_grants_even_with_balances_off(member, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    services.grant_credits(user=member, amount=10)
    assert Balance.objects.get(user=member).token_credits == 10


def test_it_rolls_the_grant_back_when_a_receiver_fails(member):
    def broken(**kwargs):
        raise RuntimeError("audit store down")

    signals.credits_granted.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.grant_credits(user=member, amount=10)
    finally:
        signals.credits_granted.disconnect(broken)
    assert selectors.balance_of(member) == 0
    assert not selectors.transactions_of(member).exists()


def test_it_reports_zero_for_a_user_without_balance(member):
    assert selectors.balance_of(member) == 0
    assert selectors.balance_of(str(member.pk)) == 0
