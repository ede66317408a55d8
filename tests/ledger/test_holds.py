"""Reserve-then-settle: admitted checks hold their cost until a spend settles it, a release, or expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ledger import selectors, services
from ledger.models import Balance, Hold

pytestmark = pytest.mark.django_db


def test_it_never_admits_more_than_the_balance(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 1000
    checks = [services.check_balance(user=member, model="gpt-4o", amount=100) for _ in range(5)]
    assert [check.allowed for check in checks] == [True, True, True, True, False]
    assert [check.balance for check in checks] == [1000, 750, 500, 250, 0]
    assert Balance.objects.get(user=member).held_credits == 1000


def test_it_holds_whole_credits(member, balances_on):
    check = services.check_balance(user=member, model="gpt-4o-mini", amount=3)
    assert check.token_cost == pytest.approx(0.45) and check.hold.amount == 1


def test_it_settles_the_oldest_hold_on_the_next_spend(member, balances_on):
    first = services.check_balance(user=member, model="gpt-4o", amount=100).hold
    second = services.check_balance(user=member, model="gpt-4o", amount=200).hold
    services.spend_tokens(user=member, model="gpt-4o", prompt_tokens=100, completion_tokens=5)
    first.refresh_from_db()
    assert first.status == Hold.Status.SETTLED and first.closed_at is not None
    assert list(selectors.active_holds_of(member)) == [second]
    balance = Balance.objects.get(user=member)
    assert (balance.token_credits, balance.held_credits) == (20000 - 300, 500)


def test_it_releases_a_hold_once(member, balances_on):
    hold = services.check_balance(user=member, model="gpt-4o", amount=100).hold
    assert services.release_hold(hold) is True
    assert services.release_hold(hold.pk) is False
    assert Balance.objects.get(user=member).held_credits == 0


def test_it_expires_holds_after_the_ttl(member, balances_on):
    balances_on.LEDGER_START_BALANCE = 300
    balances_on.LEDGER_HOLD_TTL_SECONDS = 60
    services.check_balance(user=member, model="gpt-4o", amount=100)
    assert not services.check_balance(user=member, model="gpt-4o", amount=100).allowed
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert services.check_balance(user=member, model="gpt-4o", amount=100).allowed
    assert Hold.objects.filter(user=member, status=Hold.Status.EXPIRED).count() == 1


def test_it_releases_expired_holds_in_the_job(member, operator, balances_on):
    balances_on.LEDGER_HOLD_TTL_SECONDS = 60
    for user in (member, operator, member):
        services.check_balance(user=user, model="gpt-4o", amount=10)
    assert services.release_expired_holds() == {"released": 0, "users": 0}
    summary = services.release_expired_holds(now=timezone.now() + timedelta(seconds=61))
    assert summary == {"released": 3, "users": 2}
    assert set(Balance.objects.values_list("held_credits", flat=True)) == {0}
