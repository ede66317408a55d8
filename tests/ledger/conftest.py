"""Ledger fixtures: balances switched on, and a member with a known balance."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.models import Balance


@pytest.fixture
def funded(member, balances_on):
    """`member` with a balance of exactly 1,000,000 credits."""
    services.grant_credits(user=member, amount=1_000_000, reason="test funds")
    return member


def credits(user) -> float:
    return Balance.objects.get(user=user).token_credits
