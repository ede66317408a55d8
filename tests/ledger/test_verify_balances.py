"""selectors.verify_balances: ledger_verify's check for the balances of the users named, and theirs only."""

from __future__ import annotations

import pytest

from ledger import selectors, services
from ledger.models import Balance

pytestmark = pytest.mark.django_db


def test_it_reports_the_mismatches_of_the_users_named(member, operator):
    for user in (member, operator):
        services.grant_credits(user=user, amount=100)
    assert selectors.verify_balances(users=[member, operator.pk]) == []
    Balance.objects.filter(user__in=[member, operator]).update(token_credits=42)
    problems = selectors.verify_balances(users=[member])
    assert [(p.user_id, p.transaction_id, p.problem) for p in problems] == [
        (member.pk, None, "balance is 42.0, rows add up to 100.0")
    ]
    assert selectors.verify_balances(users=[]) == []
