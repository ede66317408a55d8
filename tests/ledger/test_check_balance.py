"""check_balance: LibreChat's admission rule, lazy creation, refill when due, and the denial."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ledger import services, signals
from ledger.models import Balance, Transaction

pytestmark = pytest.mark.django_db


def test_it_creates_the_balance_with_the_start_balance_and_refill_settings(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 1000
    balances_on.LEDGER_AUTO_REFILL_ENABLED = True
    balances_on.LEDGER_REFILL_AMOUNT = 500
    balances_on.LEDGER_REFILL_INTERVAL_UNIT = "hours"
    balances_on.LEDGER_REFILL_INTERVAL_VALUE = 2
    check = services.check_balance(user=member, model="gpt-4o", amount=100)
    assert (check.allowed, check.balance, check.token_cost) == (True, 1000, 250)
    balance = Balance.objects.get(user=member)
    assert (balance.token_credits, balance.opening_credits, balance.refill_amount) == (1000, 1000, 500)
    assert (balance.refill_interval_value, balance.refill_interval_unit) == (2, "hours")
    assert check.refill_at == balance.last_refill + timedelta(hours=2) == balance.next_refill_at


def test_it_ignores_a_partial_refill_config_and_denies_without_start_balance(member, operator, balances_on):
    balances_on.LEDGER_AUTO_REFILL_ENABLED = True
    balances_on.LEDGER_REFILL_AMOUNT = None
    services.check_balance(user=member, model="gpt-4o", amount=1)
    assert not Balance.objects.get(user=member).auto_refill_enabled
    balances_on.LEDGER_START_BALANCE = None
    check = services.check_balance(user=operator, model="gpt-4o", amount=1)
    assert (check.allowed, check.balance) == (False, 0)
    assert not Balance.objects.filter(user=operator).exists()


def test_it_admits_a_cost_equal_to_the_balance(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 250
    assert services.check_balance(user=member, model="gpt-4o", amount=100).allowed
    assert not services.check_balance(user=member, model="gpt-4o", amount=1).allowed


def test_it_denies_with_librechats_payload_and_a_signal(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 100
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    signals.balance_denied.connect(receiver)
    try:
        check = services.check_balance(user=member.pk, model="gpt-4o", amount=50, endpoint="openAI")
    finally:
        signals.balance_denied.disconnect(receiver)
    assert not check.allowed and check.hold is None
    assert check.payload == {"type": "token_balance", "balance": 100, "tokenCost": 125, "promptTokens": 50}
    [sent] = received
    assert (sent["user"], sent["user_id"], sent["reason"], sent["amount"], sent["token_cost"]) == (
        member, member.pk, "token_balance", 50, 125
    )  # fmt: skip
    assert (sent["balance"], sent["model"], sent["endpoint"], sent["actor"]) == (100, "gpt-4o", "openAI", None)


def test_it_survives_a_failing_denial_receiver(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 0

    def broken(**kwargs):
        raise RuntimeError("violations store down")

    signals.balance_denied.connect(broken)
    try:
        assert not services.check_balance(user=member, model="gpt-4o", amount=1).allowed
    finally:
        signals.balance_denied.disconnect(broken)


def test_it_refills_when_due_and_the_request_would_leave_nothing(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 100
    balances_on.LEDGER_AUTO_REFILL_ENABLED = True
    balances_on.LEDGER_REFILL_AMOUNT = 1000
    balances_on.LEDGER_REFILL_INTERVAL_UNIT = "days"
    balances_on.LEDGER_REFILL_INTERVAL_VALUE = 1
    services.check_balance(user=member, model="gpt-4o", amount=0)
    assert not services.check_balance(user=member, model="gpt-4o", amount=100).allowed  # not due yet
    refills = []
    signals.balance_refilled.connect(lambda **kw: refills.append(kw), weak=False, dispatch_uid="t-refill")
    try:
        with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
            check = services.check_balance(user=member, model="gpt-4o", amount=100)
            assert check.allowed and check.balance == 1100
            again = services.check_balance(user=member, model="gpt-4o", amount=1000)
    finally:
        signals.balance_refilled.disconnect(dispatch_uid="t-refill")
    assert not again.allowed and again.balance == 1100 - 250
    row = Transaction.objects.get(user=member, context="autoRefill")
    assert (row.token_type, row.raw_amount, row.token_value, row.rate, row.balance_after) == (
        "credits",
        1000,
        1000,
        1,
        1100,
    )
    assert [(r["amount"], r["trigger"], r["balance"]) for r in refills] == [(1000, "check", 1100)]
    assert again.refill_at == Balance.objects.get(user=member).last_refill + timedelta(days=1)


def test_it_admits_everything_unheld_when_balances_are_off(member, settings):
    settings.LEDGER_BALANCE_ENABLED = False
    check = services.check_balance(user=member, model="gpt-4o", amount=10**9)
    assert check.allowed and check.hold is None and check.balance == 0
    assert not Balance.objects.exists()
